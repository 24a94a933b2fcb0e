//! The tokens every implementation verifies: real ones, from two AuthN v1.5.0 servers started
//! by the testkit (one signing with an HMAC secret, one with its RSA key), for a user holding
//! one role as AuthN issues it (cluster ACL, bucket ACL, audience, issuer, `exp`, `iat`).

use std::collections::BTreeMap;
use std::path::Path;

use aistore_authn::{AccessAttr, Client, RoleInfo, Verifier};
use aistore_authn_testkit::LocalServer;
use serde::{Deserialize, Serialize};

use crate::Res;

/// One algorithm's token and the key to check it with; the fixtures file maps "hs256" and
/// "rs256" to one each (the Go peer reads the same file).
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct Fixture {
    pub(crate) token: String,
    /// The HMAC secret, or the RSA public key in PEM (`GET /v1/public-key`).
    pub(crate) key: String,
    pub(crate) subject: String,
    /// The claims, decoded (for the report).
    pub(crate) claims: serde_json::Value,
    /// The header, decoded.
    pub(crate) header: serde_json::Value,
}

pub(crate) type Fixtures = BTreeMap<String, Fixture>;

pub(crate) fn read(path: &Path) -> Res<Fixtures> {
    Ok(serde_json::from_slice(&std::fs::read(path)?)?)
}

/// Starts both servers, mints a token on each, checks it with the SDK, writes `path`.
pub(crate) fn make(path: &Path) -> Res<Fixtures> {
    let mut all = Fixtures::new();
    for (alg, rsa) in [("hs256", false), ("rs256", true)] {
        let server = if rsa {
            LocalServer::builder().rsa_signing().start()?
        } else {
            LocalServer::start()?
        };
        let admin = server.admin_client()?;
        let key = if rsa {
            admin.server_manager().public_key()?
        } else {
            admin
                .server_manager()
                .config()?
                .secret()
                .ok_or("the HMAC server has no secret in its config")?
                .to_owned()
        };
        let token = user_token(&server, &admin)?;
        let part = |i: usize| -> Res<serde_json::Value> {
            use base64::Engine as _;
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').nth(i).ok_or("not a JWT")?)?;
            Ok(serde_json::from_slice(&b)?)
        };
        let (header, claims) = (part(0)?, part(1)?);
        let want = alg.to_uppercase();
        if header["alg"] != want.as_str() {
            return Err(format!("the {alg} server signed with {}", header["alg"]).into());
        }
        let verifier = if rsa {
            Verifier::rsa_public_key_pem(&key)?
        } else {
            Verifier::hmac(&key)?
        };
        let subject = verifier.verify(&token)?.subject().to_owned();
        all.insert(
            alg.to_owned(),
            Fixture {
                token,
                key,
                subject,
                claims,
                header,
            },
        );
        // The server stops when dropped: the tokens stay valid offline.
    }
    std::fs::write(path, serde_json::to_vec_pretty(&all)?)?;
    Ok(all)
}

/// A user with one role, as an AIS cluster sees them: read-only plus list on a registered
/// cluster, read-write on its bucket `s3://logs`. Returns the user's token.
fn user_token(server: &LocalServer, admin: &Client) -> Res<String> {
    let cluster =
        admin
            .cluster_manager()
            .register_with_id("verify-bench-cluster", "verify-bench", &[])?;
    let spec = RoleInfo::new("verify-bench-role", "verify bench")
        .with_cluster(
            &cluster.alias,
            AccessAttr::ACCESS_RO | AccessAttr::LIST_BUCKETS,
        )
        .with_bucket(&cluster.alias, "s3", "logs", AccessAttr::ACCESS_RW);
    admin.role_manager().create_role(&spec)?;
    admin
        .user_manager()
        .create("verify-bench-user", &["verify-bench-role"], "bench-pw")?;
    let mut user = Client::new(&server.url())?;
    Ok(user
        .login("verify-bench-user", "bench-pw", None)?
        .as_str()
        .to_owned())
}

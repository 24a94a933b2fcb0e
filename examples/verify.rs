//! Verify an AuthN token offline and ask what it allows, with AIStore's rules: make a user
//! with a role, log in, verify the token without the server, print its permissions on a
//! cluster and two buckets, and show a tampered token refused. Needs the `verify` feature.
//!
//! ```sh
//! cargo run --features verify --example verify   # starts a local AuthN server (needs Go)
//! AIS_AUTHN_URL=http://host:52001 AIS_AUTHN_SU_PASS=... cargo run --features verify --example verify
//! ```

use std::error::Error;
use std::time::Duration;

use aistore_authn::{env, AccessAttr, Bucket, Client, RoleInfo, Verifier};
use aistore_authn_testkit::AuthnTarget;
use base64::Engine as _;

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();

    // Use the server in AIS_AUTHN_URL, or start a real one for this run.
    if std::env::var("AIS_AUTHN_URL").is_err() {
        println!(
            "AIS_AUTHN_URL is not set: starting a local AuthN server (the first run installs it \
             with `go install`: about a minute)"
        );
    }
    let target = AuthnTarget::from_env_or_start()?;
    let (url, admin_user, admin_pass) =
        (target.url(), target.admin_user(), target.admin_password());
    println!("AuthN at {url}");
    // The settings as the ais CLI finds them, with this server's URL in place of AIS_AUTHN_URL.
    let vars = |name: &str| match name {
        env::ENV_URL => Some(url.to_owned()),
        _ => std::env::var(name).ok(),
    };
    let settings = env::Settings::from_vars(vars, env::cli_config_dir().as_deref())?;
    let mut admin = settings.into_builder()?.build()?;
    admin.login(admin_user, admin_pass, None)?;

    // A cluster, a role (read-only on the cluster and may list its buckets; read-write on
    // s3://logs), and a user with that role. Names unique to this run.
    let run = std::process::id();
    let (cluster_id, alias) = (format!("verify-{run}"), format!("vf-{run}"));
    let (role_name, user_name) = (format!("vf-logs-{run}"), format!("vf-alice-{run}"));
    admin
        .cluster_manager()
        .register_with_id(&cluster_id, &alias, &[])?;
    let role = RoleInfo::new(&role_name, "read the cluster, write s3://logs")
        .with_cluster(&alias, AccessAttr::ACCESS_RO | AccessAttr::LIST_BUCKETS)
        .with_bucket(&alias, "s3", "logs", AccessAttr::ACCESS_RW);
    admin.role_manager().create_role(&role)?;
    admin
        .user_manager()
        .create(&user_name, &[&role_name], "alice-pass")?;
    let mut alice = Client::new(url)?;
    let jwt = alice
        .login(&user_name, "alice-pass", Some(Duration::from_secs(600)))?
        .as_str()
        .to_owned();
    println!("{user_name} logged in");

    // The verifier, from what the server signs with: its HMAC secret (an admin may read it)
    // or, in RSA mode, its key set (public; refetched when the server rotates its key).
    let server = admin.server_manager();
    let verifier = match server.config()?.secret() {
        Some(secret) => Verifier::hmac(secret)?,
        None => Verifier::from_server(&server)?,
    };
    let issuer = server.oidc_configuration()?.issuer;
    let verifier = verifier.issuer(&issuer);
    println!("verifier: {verifier:?}");

    // No request to the server from here on.
    let token = verifier.verify(&jwt)?;
    let claims = token.claims();
    println!(
        "verified offline: {} ({}), issued by {}, for clusters {:?}, {} s left",
        token.subject(),
        token.token().algorithm(),
        claims.issuer,
        claims.audience,
        token.token().time_left().as_secs()
    );

    let logs = Bucket::parse("s3://logs")?;
    let raw = Bucket::parse("ais://raw")?;
    let asks: [(Option<&Bucket>, AccessAttr); 7] = [
        (None, AccessAttr::LIST_BUCKETS),
        (None, AccessAttr::CREATE_BUCKET),
        (Some(&logs), AccessAttr::GET),
        (Some(&logs), AccessAttr::PUT),
        (Some(&raw), AccessAttr::GET),
        (Some(&raw), AccessAttr::PUT),
        (Some(&raw), AccessAttr::PATCH),
    ];
    println!("on cluster {cluster_id}:");
    for (bucket, perms) in asks {
        let target = bucket.map_or("the cluster".to_owned(), |b| b.to_string());
        match token.check(&cluster_id, bucket, perms) {
            Ok(()) => println!("  {perms:<14} on {target:<12} allowed"),
            Err(denied) => println!("  {perms:<14} on {target:<12} denied: {denied}"),
        }
    }
    println!(
        "on another cluster, GET on s3://logs: {}",
        token.allows("another-cluster", Some(&logs), AccessAttr::GET)
    );

    // The same token with "admin": true written into its claims, the signature kept.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut forged: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1])?)?;
    forged["admin"] = true.into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(forged.to_string()),
        parts[2]
    );
    match verifier.verify(&tampered) {
        Err(e) => println!("tampered token (admin: true) refused: {e}"),
        Ok(_) => return Err("a tampered token verified".into()),
    }

    admin.user_manager().delete(&user_name, false)?;
    admin.role_manager().delete(&role_name, false)?;
    for prefix in ["ClusterOwner", "BucketOwner", "Guest"] {
        admin
            .role_manager()
            .delete(&format!("{prefix}-{alias}"), true)?;
    }
    admin.cluster_manager().delete(&cluster_id, false)?;
    println!("cleaned up: user, roles and cluster removed");
    Ok(())
}

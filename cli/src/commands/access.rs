//! Access review: `can` (may a user or a role do this?), `who-can` (who may?) and
//! `explain-token` (what does this token allow, verified when the key can be had).

use aistore_authn::{
    AccessAnswer, AccessAttr, Bucket, Client, ClusterAccess, Error, Grant, Scope, Token, Verifier,
};
use clap::Args;
use serde_json::{json, Value};

use super::{bucket_uri, yes_no, Ctx, NOT_LOGGED_IN};
use crate::output::{self, rfc3339, unix_secs};
use crate::Failure;

#[derive(Debug, Args)]
pub struct CanArgs {
    /// The user (with --role, the role)
    #[arg(value_name = "USER")]
    pub user: String,
    /// The permissions, comma-separated: GET, PUT, DELETE-OBJECT, CREATE-BUCKET, ro, rw, ...
    #[arg(value_name = "PERMS")]
    pub perms: String,
    /// The bucket, as the ais CLI writes it (ais://prod, s3://logs), for bucket and object
    /// permissions
    #[arg(value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// The cluster, by ID or alias
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: String,
    /// USER names a role: may a holder of that role alone do it?
    #[arg(long)]
    pub role: bool,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// The permissions, comma-separated: GET, PUT, DELETE-OBJECT, CREATE-BUCKET, ro, rw, ...
    #[arg(value_name = "PERMS")]
    pub perms: String,
    /// The bucket, as the ais CLI writes it (ais://prod, s3://logs), for bucket and object
    /// permissions
    #[arg(value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// The cluster, by ID or alias
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Only this cluster (ID or alias) [default: every registered cluster]
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
}

/// The permissions and bucket of a question, refused before anything is sent.
fn question(perms: &str, bucket: Option<&str>) -> Result<(AccessAttr, Option<Bucket>), Failure> {
    let perms = AccessAttr::parse(perms)?;
    if perms.is_empty() {
        return Err(Failure::usage(
            "no permissions given (e.g. GET, DELETE-OBJECT, rw, CREATE-BUCKET)",
        ));
    }
    Ok((perms, bucket.map(Bucket::parse).transpose()?))
}

/// `can USER PERMS [BUCKET] --cluster C`: the answer in a line; exit 1 when denied.
pub(super) fn can(ctx: &Ctx, args: &CanArgs) -> Result<(), Failure> {
    let (perms, bucket) = question(&args.perms, args.bucket.as_deref())?;
    let review = ctx.logged_in()?.access_review()?;
    let answer = match args.role {
        true => review.role(&args.user, &args.cluster, bucket.as_ref(), perms)?,
        false => review.user(&args.user, &args.cluster, bucket.as_ref(), perms)?,
    };
    if ctx.json {
        output::json(&answer_json(&answer));
    } else {
        let verdict = if answer.is_allowed() { "yes" } else { "no" };
        output::line(&format!("{verdict}: {answer}"));
    }
    match answer.is_allowed() {
        true => Ok(()),
        false => Err(Failure::Exit(1)),
    }
}

/// `who-can PERMS [BUCKET] --cluster C`: the users and the roles that allow it.
pub(super) fn who_can(ctx: &Ctx, args: &WhoCanArgs) -> Result<(), Failure> {
    let (perms, bucket) = question(&args.perms, args.bucket.as_deref())?;
    let review = ctx.logged_in()?.access_review()?;
    let who = review.who_can(&args.cluster, bucket.as_ref(), perms)?;
    if ctx.json {
        output::json(&json!({
            "cluster": review.cluster_id(&args.cluster)?,
            "bucket": bucket.as_ref().map(Bucket::to_string),
            "perms": perms.to_string(),
            "basis": "roles",
            "users": who.users.iter().map(answer_json).collect::<Vec<_>>(),
            "roles": who.roles.iter().map(answer_json).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    let rows = |answers: &[AccessAnswer]| {
        answers
            .iter()
            .map(|a| vec![a.subject.clone(), yes_no(a.admin), grants_text(&a.grants)])
            .collect::<Vec<_>>()
    };
    ctx.table(&["USER", "ADMIN", "GRANTED BY"], &rows(&who.users));
    output::line("");
    ctx.table(&["ROLE", "ADMIN", "GRANTED BY"], &rows(&who.roles));
    Ok(())
}

/// `explain-token`: the token's claims, what they allow on each registered cluster, and
/// whether the signature was verified.
pub(super) fn explain_token(ctx: &Ctx, args: &ExplainArgs) -> Result<(), Failure> {
    let client = ctx.client()?;
    let jwt = client
        .token()
        .ok_or_else(|| Failure::failed(NOT_LOGGED_IN))?;
    let token = Token::parse(&jwt)?;
    let clusters = client.cluster_manager().list()?;
    let wanted = match &args.cluster {
        Some(name) => Some(client.cluster_manager().get(name)?.id),
        None => None,
    };
    let verified = verify(&client, &jwt);
    let claims = token.claims();
    let access: Vec<(String, ClusterAccess)> = clusters
        .values()
        .filter(|c| wanted.as_ref().is_none_or(|id| *id == c.id))
        .map(|c| (c.alias.clone(), ClusterAccess::of_claims(claims, &c.id)))
        .collect();
    if ctx.json {
        output::json(&json!({
            "user": claims.subject,
            "admin": claims.admin,
            "expires_at": unix_secs(claims.expires_at),
            "expired": token.is_expired(),
            "verified": verified.is_ok(),
            "verified_with": verified.as_ref().ok(),
            "not_verified_because": verified.as_ref().err(),
            "basis": "token",
            "clusters": access.iter().map(|(alias, a)| json!({
                "id": a.cluster_id,
                "alias": alias,
                "access": a.cluster.as_ref().map(|g| g.perm.to_string()),
                "from": a.cluster.as_ref().map(|g| g.scope.to_string()),
                "buckets": a.buckets.iter().map(grant_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
    } else {
        let status = match &verified {
            Ok(how) => format!("verified ({how})"),
            Err(why) => format!("NOT VERIFIED ({why}): what the token says, unproven"),
        };
        output::pairs(&[
            ("Token of", claims.subject.clone()),
            ("Signature", status),
            ("Administrator", yes_no(claims.admin)),
            ("Expires", rfc3339(claims.expires_at)),
            (
                "Answers from",
                "the token's claims (what its login got; `ais-authn can` answers from the \
                 user's roles now)"
                    .to_owned(),
            ),
        ]);
        output::line("");
        let mut rows = Vec::new();
        for (alias, a) in &access {
            let (perm, from) = match (&a.cluster, a.admin) {
                (_, true) => ("everything".to_owned(), "administrator".to_owned()),
                (Some(g), false) => (g.perm.to_string(), g.scope.to_string()),
                (None, false) => ("nothing".to_owned(), "-".to_owned()),
            };
            rows.push(vec![a.cluster_id.clone(), alias.clone(), perm, from]);
            for b in &a.buckets {
                let bucket = match &b.scope {
                    Scope::Bucket(bucket) => format!("  {}", bucket_uri(bucket)),
                    other => other.to_string(),
                };
                rows.push(vec![
                    bucket,
                    String::new(),
                    b.perm.to_string(),
                    "bucket entry".into(),
                ]);
            }
        }
        ctx.table(&["CLUSTER", "ALIAS", "ACCESS", "FROM"], &rows);
    }
    match verified {
        Err(why) if why.starts_with("rejected") => Err(Failure::Exit(1)),
        _ => Ok(()),
    }
}

/// Verifies `jwt` with the server's key: its RSA key set (public), else its HMAC secret (which
/// only an admin token can read). How, or why not.
fn verify(client: &Client, jwt: &str) -> Result<String, String> {
    let server = client.server_manager();
    let (verifier, how) = match Verifier::from_server(&server) {
        Ok(v) => (v, "RS256, the server's public key set"),
        Err(Error::Api { status: 400, .. }) => match server.config() {
            Ok(config) => match config.secret() {
                Some(secret) => (
                    Verifier::hmac(secret).map_err(|e| e.to_string())?,
                    "HS256, the server's secret",
                ),
                None => return Err("the server gave neither key set nor secret".to_owned()),
            },
            Err(_) => {
                return Err("the server signs with an HMAC secret, which only an \
                            administrator's token may read"
                    .to_owned())
            }
        },
        Err(e) => return Err(format!("cannot read the server's keys: {e}")),
    };
    match verifier.verify(jwt) {
        Ok(_) => Ok(how.to_owned()),
        Err(e) => Err(format!("rejected: {e}")),
    }
}

fn grants_text(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| match (&g.role, &g.scope) {
            (Some(role), Scope::Admin) => role.clone(),
            (Some(role), scope) => format!("{role} ({} on {scope})", g.perm),
            (None, _) => g.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn grant_json(g: &Grant) -> Value {
    let (kind, cluster, bucket) = match &g.scope {
        Scope::Admin => ("admin", None, None),
        Scope::AllClusters => ("all-clusters", None, None),
        Scope::Cluster(id) => ("cluster", Some(id.clone()), None),
        Scope::Bucket(b) => (
            "bucket",
            Some(b.namespace.uuid.clone()),
            Some(bucket_uri(b)),
        ),
        _ => ("other", None, None),
    };
    json!({"role": g.role, "scope": kind, "cluster": cluster, "bucket": bucket,
           "perm": g.perm.to_string()})
}

fn answer_json(a: &AccessAnswer) -> Value {
    let denied = a.decision.as_ref().err();
    json!({
        "subject": a.subject,
        "basis": match a.basis { aistore_authn::Basis::Token => "token", _ => "roles" },
        "cluster": a.cluster_id,
        "bucket": a.bucket.as_ref().map(Bucket::to_string),
        "perms": a.perms.to_string(),
        "allowed": a.is_allowed(),
        "admin": a.admin,
        "reason": denied.map(ToString::to_string),
        "missing": denied.map(|d| d.missing.to_string()),
        "grants": a.grants.iter().map(grant_json).collect::<Vec<_>>(),
        "summary": a.to_string(),
    })
}

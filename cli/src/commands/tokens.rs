//! Logging in and out, who the token says you are, and revoking tokens: `login`, `logout`,
//! `whoami`, `rm token`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aistore_authn::env::{load_token_file, save_token_file};
use aistore_authn::{AccessAttr, BucketAcl, ClusterAcl, Error, Token, TokenClaims, UserInfo};
use serde_json::json;

use super::{bucket_uri, parse_duration, yes_no, Ctx, NOT_LOGGED_IN};
use crate::args::Login;
use crate::output::{self, hours_minutes, rfc3339, unix_secs};
use crate::{prompt, Failure};

pub(super) fn login(ctx: &Ctx, args: &Login) -> Result<(), Failure> {
    let file = ctx.token_file()?;
    let expire = args.expire.as_deref().map(parse_expire).transpose()?;
    let user = prompt::user_name(args.user.as_deref())?;
    let password = prompt::password(&args.password, "User password: ")?;
    let mut client = ctx.anonymous()?;
    if let Some(cluster) = &args.cluster {
        client.cluster_manager().get(cluster)?;
    }
    let token = client.login(&user, &password, expire)?;
    save_token_file(&file, token.as_str())?;
    if ctx.json {
        output::json(&json!({
            "user": user,
            "token_file": file,
            "expires_at": unix_secs(token.claims().expires_at),
        }));
    } else {
        output::line(&format!(
            "Logged in as {user} (token saved to {})",
            file.display()
        ));
    }
    Ok(())
}

pub(super) fn logout(ctx: &Ctx) -> Result<(), Failure> {
    let file = ctx.token_file()?;
    let token = load_token_file(&file)?;
    // A token AuthN no longer accepts (expired, or another server's) needs no revoking: the
    // login ends all the same. Anything else keeps the file for a retry.
    let revoked = match ctx.anonymous()?.token_manager().revoke(&token) {
        Ok(()) => true,
        Err(Error::Unauthorized { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    std::fs::remove_file(&file)
        .map_err(|e| Failure::failed(format!("cannot remove {}: {e}", file.display())))?;
    if ctx.json {
        output::json(&json!({"logged_out": true, "revoked": revoked, "token_file": file}));
    } else {
        let what = if revoked {
            "token revoked"
        } else {
            "the token was no longer valid"
        };
        output::line(&format!("Logged out ({what}, {} removed)", file.display()));
    }
    Ok(())
}

pub(super) fn whoami(ctx: &Ctx) -> Result<(), Failure> {
    let client = ctx.client()?;
    let jwt = client
        .token()
        .ok_or_else(|| Failure::failed(NOT_LOGGED_IN))?;
    let token = Token::parse(&jwt)?;
    let claims = token.claims();
    if token.is_expired() {
        return Err(Failure::failed(format!(
            "token expired at {} (run `ais-authn login` to renew)",
            rfc3339(claims.expires_at)
        )));
    }
    // Role names are not in AuthN tokens: the user's current roles come from the server. When
    // it cannot tell them (unreachable, or refusing the token: revoked, another server's),
    // the token alone still tells who and what, with a warning and exit 0, as `ais auth
    // whoami` does (cmd/cli/cli/auth_hdlr.go whoamiHandler).
    let user = match client.user_manager().get(&claims.subject) {
        Ok(user) => Some(user),
        Err(e) => {
            eprintln!(
                "ais-authn: warning: cannot read the user's roles from AuthN ({}); showing \
                 what the token says only",
                e.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            None
        }
    };
    let stale = user.as_ref().is_some_and(|u| access_is_stale(claims, u));
    if ctx.json {
        output::json(&json!({
            "user": claims.subject,
            "admin": claims.admin,
            "issuer": claims.issuer,
            "expires_at": unix_secs(claims.expires_at),
            "roles": user.as_ref().map(|u| u.roles.names().collect::<Vec<_>>()),
            "access": {
                "clusters": serde_json::to_value(&claims.clusters).unwrap_or_default(),
                "buckets": serde_json::to_value(&claims.buckets).unwrap_or_default(),
            },
            "stale": stale,
        }));
    } else {
        print_whoami(ctx, claims, user.as_ref());
    }
    if stale {
        eprintln!(
            "ais-authn: warning: the user's roles changed after this token was issued: the \
             access shown is the token's; log in again to refresh it"
        );
    }
    Ok(())
}

fn print_whoami(ctx: &Ctx, claims: &TokenClaims, user: Option<&UserInfo>) {
    let mut expires = rfc3339(claims.expires_at);
    if let Ok(left) = claims.expires_at.duration_since(SystemTime::now()) {
        if left < Duration::from_secs(86400) {
            expires.push_str(&format!(" (in {})", hours_minutes(left.as_secs())));
        }
    }
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    output::line("Identity");
    output::pairs(&[
        ("User", claims.subject.clone()),
        ("Admin", yes_no(claims.admin)),
        ("Issuer", or_dash(&claims.issuer)),
        ("Expires", expires),
    ]);
    output::line("");
    output::line("Roles");
    match user {
        None => output::line("(unavailable)"),
        Some(u) if u.roles.is_empty() => output::line("(none)"),
        Some(u) => {
            let rows: Vec<Vec<String>> = u
                .roles
                .iter()
                .map(|r| vec![r.name.clone(), r.desc.clone()])
                .collect();
            ctx.table(&["ROLE", "DESCRIPTION"], &rows);
        }
    }
    // The access is the token's: ACLs are copied into the JWT at login, and that is what AIS
    // clusters enforce.
    output::line("");
    output::line("Access");
    if claims.admin {
        output::line("Full admin access");
        return;
    }
    let buckets: Vec<&BucketAcl> = claims
        .buckets
        .iter()
        .filter(|b| !b.bucket.name.is_empty())
        .collect();
    if claims.clusters.is_empty() && buckets.is_empty() {
        output::line("(none)");
        return;
    }
    if !claims.clusters.is_empty() {
        let rows: Vec<Vec<String>> = claims
            .clusters
            .iter()
            .map(|c| {
                let name = match (c.alias.as_str(), c.id.as_str()) {
                    ("", "") => "all clusters".to_owned(),
                    ("", id) => id.to_owned(),
                    (alias, _) => alias.to_owned(),
                };
                vec![name, c.perm.to_string()]
            })
            .collect();
        ctx.table(&["CLUSTER", "PERMISSIONS"], &rows);
    }
    if !buckets.is_empty() {
        if !claims.clusters.is_empty() {
            output::line("");
        }
        let rows: Vec<Vec<String>> = buckets
            .iter()
            .map(|b| vec![bucket_uri(&b.bucket), b.perm.to_string()])
            .collect();
        ctx.table(&["BUCKET", "PERMISSIONS"], &rows);
    }
}

/// True when the token's access differs from what the user's roles grant now: the roles
/// changed after login. AuthN builds a token's ACLs as the union of the roles' entries per
/// cluster ID and per bucket; this rebuilds them the same way and compares.
fn access_is_stale(claims: &TokenClaims, user: &UserInfo) -> bool {
    if claims.admin != user.is_admin() {
        return true;
    }
    if claims.admin {
        return false;
    }
    let aliases: HashMap<&str, &str> = claims
        .clusters
        .iter()
        .filter(|c| !c.alias.is_empty() && !c.id.is_empty())
        .map(|c| (c.alias.as_str(), c.id.as_str()))
        .collect();
    let resolve = |id: &str| aliases.get(id).copied().unwrap_or(id).to_owned();
    let union_clusters = |acls: &mut dyn Iterator<Item = &ClusterAcl>| {
        let mut map: HashMap<String, AccessAttr> = HashMap::new();
        for acl in acls {
            *map.entry(resolve(&acl.id)).or_default() |= acl.perm;
        }
        map
    };
    let union_buckets = |acls: &mut dyn Iterator<Item = &BucketAcl>| {
        let mut map: HashMap<(String, String, String, String), AccessAttr> = HashMap::new();
        for acl in acls {
            let b = &acl.bucket;
            let key = (
                b.provider.clone(),
                b.name.clone(),
                resolve(&b.namespace.uuid),
                b.namespace.name.clone(),
            );
            *map.entry(key).or_default() |= acl.perm;
        }
        map
    };
    let token_clusters = union_clusters(&mut claims.clusters.iter());
    let token_buckets = union_buckets(&mut claims.buckets.iter());
    let role_clusters = union_clusters(&mut user.roles.iter().flat_map(|r| r.clusters.iter()));
    let role_buckets = union_buckets(&mut user.roles.iter().flat_map(|r| r.buckets.iter()));
    token_clusters != role_clusters || token_buckets != role_buckets
}

/// Revokes TOKEN, or the saved token, as `ais auth rm token` does (cmd/cli/cli/auth_hdlr.go
/// revokeTokenHandler): shows the token and asks first, unless `--yes`, reading the answer
/// from stdin whether or not it is a terminal (no answer: not revoked, exit 0); the token file
/// stays (`logout` removes it).
pub(super) fn rm_token(ctx: &Ctx, token: Option<String>, yes: bool) -> Result<(), Failure> {
    let (jwt, source) = match token {
        Some(token) => (token, "command-line argument".to_owned()),
        None => {
            let file = ctx.token_file()?;
            (load_token_file(&file)?, file.display().to_string())
        }
    };
    let parsed = Token::parse(&jwt)
        .map_err(|e| Failure::failed(format!("{e} (the token from {source})")))?;
    if !yes {
        let claims = parsed.claims();
        eprintln!("Token to revoke:");
        eprintln!("    User:     {}", claims.subject);
        eprintln!("    Admin:    {}", yes_no(claims.admin));
        eprintln!("    Expires:  {}", rfc3339(claims.expires_at));
        if !claims.issuer.is_empty() {
            eprintln!("    Issuer:   {}", claims.issuer);
        }
        eprintln!("    Source:   {source}");
        if !prompt::confirm("Revoke this token?")? {
            eprintln!("Not revoked");
            return Ok(());
        }
    }
    ctx.anonymous()?.token_manager().revoke(&jwt)?;
    let user = parsed.subject();
    if ctx.json {
        output::json(&json!({"revoked": true, "user": user}));
    } else {
        output::line(&format!("Revoked a token of {user}"));
    }
    Ok(())
}

/// `-e/--expire`: a lifetime of at least a minute, or 0 for the server's longest (its maximum
/// token age), as `ais auth login -e 0` asks for it.
fn parse_expire(text: &str) -> Result<Duration, Failure> {
    parse_duration(text).map_err(|why| Failure::usage(format!("--expire {text}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_zero_is_the_longest() {
        assert_eq!(parse_expire("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_expire("2h").unwrap(), Duration::from_secs(7200));
        assert!(parse_expire("soon").is_err());
    }
}

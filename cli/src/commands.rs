//! What each command does, through the SDK.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aistore_authn::env::{
    load_token_file, save_token_file, token_file_path, ENV_TOKEN, ENV_TOKEN_FILE,
};
use aistore_authn::{
    AccessAttr, Bucket, BucketAcl, Client, ClusterAcl, ClusterInfo, ConfigUpdate, Error, Namespace,
    RoleInfo, RoleUpdate, Token, TokenClaims, UserInfo,
};
use clap::CommandFactory;
use serde_json::{json, Value};

use crate::args::{
    Add, Apply, Cli, Command, Login, Provision, Rm, RoleSpec, Set, Show, UserSpec, Verbosity,
};
use crate::output::{self, hours_minutes, rfc3339, table, unix_secs};
use crate::{prompt, Failure};

/// The global options a command needs.
pub struct Ctx {
    pub json: bool,
    pub no_headers: bool,
    /// `-f/--file`, already put into `AIS_AUTHN_TOKEN_FILE`.
    pub file: Option<PathBuf>,
    /// `-f/--file` of `plan` and `apply`, which names the spec there.
    pub spec_file: Option<PathBuf>,
}

const NOT_LOGGED_IN: &str = "not logged in (run `ais-authn login USER_NAME`, or set \
                             AIS_AUTHN_TOKEN or AIS_AUTHN_TOKEN_FILE)";

impl Ctx {
    /// The client as the ais CLI would be configured: URL, TLS and token from the environment,
    /// cli.json and the token file.
    fn client(&self) -> Result<Client, Failure> {
        Ok(known(Client::from_env()?))
    }

    /// [`Ctx::client`], required to have a token.
    fn logged_in(&self) -> Result<Client, Failure> {
        let client = self.client()?;
        if client.token().is_none() {
            return Err(Failure::failed(NOT_LOGGED_IN));
        }
        Ok(client)
    }

    /// The client with the URL and TLS settings but no token, whatever the token file holds:
    /// logging in replaces a bad or expired token, revoking sends the token in the body, and
    /// the public endpoints need none.
    fn anonymous(&self) -> Result<Client, Failure> {
        let token = std::env::var_os(ENV_TOKEN);
        let file = std::env::var_os(ENV_TOKEN_FILE);
        std::env::remove_var(ENV_TOKEN);
        // A token file that does not exist means "not logged in" to the SDK.
        std::env::set_var(ENV_TOKEN_FILE, "/nonexistent/ais-authn/no-token");
        let built = Client::builder_from_env().and_then(|b| b.build());
        if let Some(token) = token {
            std::env::set_var(ENV_TOKEN, token);
        }
        match file {
            Some(file) => std::env::set_var(ENV_TOKEN_FILE, file),
            None => std::env::remove_var(ENV_TOKEN_FILE),
        }
        Ok(known(built?))
    }

    /// The token file: `-f/--file`, else `AIS_AUTHN_TOKEN_FILE`, else the ais CLI's.
    fn token_file(&self) -> Result<PathBuf, Failure> {
        self.file.clone().or_else(token_file_path).ok_or_else(|| {
            Failure::usage("no token file: give -f/--file, or set AIS_AUTHN_TOKEN_FILE or HOME")
        })
    }

    fn table(&self, headers: &[&str], rows: &[Vec<String>]) {
        table(headers, rows, self.no_headers);
    }

    /// JSON output of a value the SDK serializes.
    fn print_json(&self, value: impl serde::Serialize) -> Result<(), Failure> {
        let value = serde_json::to_value(value).map_err(|e| Failure::failed(e.to_string()))?;
        output::json(&value);
        Ok(())
    }
}

/// Notes the client's server, for errors that name it.
fn known(client: Client) -> Client {
    let _ = crate::SERVER_URL.set(client.base_url().to_owned());
    client
}

pub fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::Login(login) => self::login(ctx, &login),
        Command::Logout => logout(ctx),
        Command::Whoami => whoami(ctx),
        Command::Show(show) => self::show(ctx, show),
        Command::Add(add) => self::add(ctx, add),
        Command::Set(set) => self::set(ctx, set),
        Command::Rm(rm) => self::rm(ctx, rm),
        Command::RotateKey => {
            ctx.logged_in()?.server_manager().rotate_key()?;
            if ctx.json {
                output::json(&json!({"rotated": true}));
            } else {
                output::line("Key rotated successfully");
            }
            Ok(())
        }
        Command::Plan(target) => {
            let (_, planned) = plan(ctx, &target)?;
            match ctx.json {
                true => ctx.print_json(&planned),
                false => {
                    output::line(&planned.to_string());
                    Ok(())
                }
            }
        }
        Command::Apply(args) => apply(ctx, &args),
        Command::Export => {
            let spec = aistore_authn::provision::export(&ctx.logged_in()?)?;
            ctx.print_json(&spec)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ais-authn", &mut script);
            output::raw(&String::from_utf8_lossy(&script));
            Ok(())
        }
    }
}

fn login(ctx: &Ctx, args: &Login) -> Result<(), Failure> {
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

fn logout(ctx: &Ctx) -> Result<(), Failure> {
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

fn whoami(ctx: &Ctx) -> Result<(), Failure> {
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
    // it cannot be reached, the token alone still tells who and what (as `ais auth whoami`).
    let user = match client.user_manager().get(&claims.subject) {
        Ok(user) => Some(user),
        Err(e @ Error::Transport { .. }) => {
            eprintln!(
                "ais-authn: warning: cannot reach AuthN to read the user's roles ({}); showing \
                 what the token says only",
                crate::one_line(&e.to_string())
            );
            None
        }
        Err(e) => return Err(e.into()),
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

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// A bucket as the ais CLI writes it, without the cluster namespace AuthN keeps in it.
fn bucket_uri(bucket: &Bucket) -> String {
    Bucket::new(&bucket.provider, &bucket.name).to_string()
}

/// A cluster entry's ID for a table: the empty ID is the entry for every cluster.
fn cluster_id(id: &str) -> String {
    if id.is_empty() {
        "(all clusters)".to_owned()
    } else {
        id.to_owned()
    }
}

fn show(ctx: &Ctx, show: Show) -> Result<(), Failure> {
    match show {
        Show::User { name, verbosity } => show_user(ctx, name.as_deref(), &verbosity),
        Show::Role {
            name,
            verbosity,
            cluster,
        } => show_role(ctx, name.as_deref(), &verbosity, cluster.as_deref()),
        Show::Cluster { id } => {
            let client = ctx.client()?;
            let clusters = client.cluster_manager();
            match id {
                Some(id) => print_clusters(ctx, &[clusters.get(&id)?], true),
                None => {
                    let all: Vec<ClusterInfo> = clusters.list()?.into_values().collect();
                    print_clusters(ctx, &all, false)
                }
            }
        }
        Show::Config { prefix } => {
            let config = ctx.logged_in()?.server_manager().config()?;
            // as_json shows the HMAC secret as [redacted].
            if ctx.json {
                output::json(config.as_json());
                return Ok(());
            }
            let prefix = prefix.unwrap_or_default();
            let rows: Vec<Vec<String>> = output::flatten(config.as_json())
                .into_iter()
                .filter(|(name, _)| name.starts_with(&prefix))
                .map(|(name, value)| vec![name, value])
                .collect();
            if rows.is_empty() && !prefix.is_empty() {
                return Err(Failure::usage(format!(
                    "no configuration name starts with {prefix:?}"
                )));
            }
            ctx.table(&["PROPERTY", "VALUE"], &rows);
            Ok(())
        }
        Show::Oidc => {
            let oidc = ctx.anonymous()?.server_manager().oidc_configuration()?;
            let value = serde_json::to_value(&oidc).map_err(|e| Failure::failed(e.to_string()))?;
            if ctx.json {
                output::json(&value);
            } else {
                let rows: Vec<Vec<String>> = output::flatten(&value)
                    .into_iter()
                    .map(|(n, v)| vec![n, v])
                    .collect();
                ctx.table(&["PROPERTY", "VALUE"], &rows);
            }
            Ok(())
        }
        Show::Jwks => {
            let jwks = ctx.anonymous()?.server_manager().jwks()?;
            if ctx.json {
                return ctx.print_json(&jwks);
            }
            let rows: Vec<Vec<String>> = jwks
                .keys
                .iter()
                .map(|k| {
                    vec![
                        k.kid.clone(),
                        k.kty.clone(),
                        k.alg.clone().unwrap_or_default(),
                        k.e.clone(),
                        format!("{} bits", k.n.len() * 6 / 8 * 8),
                    ]
                })
                .collect();
            ctx.table(&["KID", "KTY", "ALG", "E", "N (SIZE)"], &rows);
            Ok(())
        }
        Show::PublicKey => {
            let pem = ctx.anonymous()?.server_manager().public_key()?;
            if ctx.json {
                output::json(&json!({"public_key": pem}));
            } else {
                output::line(pem.trim_end());
            }
            Ok(())
        }
    }
}

fn show_user(ctx: &Ctx, name: Option<&str>, verbosity: &Verbosity) -> Result<(), Failure> {
    let client = ctx.logged_in()?;
    let users = client.user_manager();
    let Some(name) = name else {
        let all = users.list()?;
        if ctx.json {
            return ctx.print_json(&all);
        }
        // Non-verbose is the default for a list: one row per user.
        if verbosity.verbose {
            for (i, id) in all.keys().enumerate() {
                if i > 0 {
                    output::line("");
                }
                print_user_details(ctx, &users.get(id)?);
            }
            return Ok(());
        }
        let rows: Vec<Vec<String>> = all.values().map(user_row).collect();
        ctx.table(&["NAME", "ROLES"], &rows);
        return Ok(());
    };
    let user = users.get(name)?;
    if ctx.json {
        return ctx.print_json(&user);
    }
    // Verbose is the default for one.
    if verbosity.non_verbose {
        ctx.table(&["NAME", "ROLES"], &[user_row(&user)]);
    } else {
        print_user_details(ctx, &user);
    }
    Ok(())
}

fn user_row(user: &UserInfo) -> Vec<String> {
    vec![
        user.id.clone(),
        user.roles.names().collect::<Vec<_>>().join(", "),
    ]
}

fn print_user_details(ctx: &Ctx, user: &UserInfo) {
    output::pairs(&[
        ("Name", user.id.clone()),
        ("Roles", user.roles.names().collect::<Vec<_>>().join(", ")),
    ]);
    let clusters: Vec<Vec<String>> = user
        .roles
        .iter()
        .flat_map(|r| {
            r.clusters.iter().map(move |c| {
                vec![
                    r.name.clone(),
                    cluster_id(&c.id),
                    c.alias.clone(),
                    c.perm.to_string(),
                ]
            })
        })
        .collect();
    if !clusters.is_empty() {
        ctx.table(&["ROLE", "CLUSTER ID", "ALIAS", "PERMISSIONS"], &clusters);
    }
    let buckets: Vec<Vec<String>> = user
        .roles
        .iter()
        .flat_map(|r| {
            r.buckets.iter().map(move |b| {
                vec![
                    r.name.clone(),
                    bucket_uri(&b.bucket),
                    b.bucket.namespace.uuid.clone(),
                    b.perm.to_string(),
                ]
            })
        })
        .collect();
    if !buckets.is_empty() {
        ctx.table(&["ROLE", "BUCKET", "CLUSTER ID", "PERMISSIONS"], &buckets);
    }
}

fn show_role(
    ctx: &Ctx,
    name: Option<&str>,
    verbosity: &Verbosity,
    cluster_filter: Option<&str>,
) -> Result<(), Failure> {
    let client = ctx.logged_in()?;
    let roles = client.role_manager();
    if let Some(name) = name {
        if cluster_filter.is_some() {
            return Err(Failure::usage(
                "--cluster filters the list of roles: give no ROLE with it",
            ));
        }
        let role = roles.get(name)?;
        if ctx.json {
            return ctx.print_json(&role);
        }
        if verbosity.non_verbose {
            ctx.table(&["ROLE", "DESCRIPTION"], &[role_row(&role)]);
        } else {
            print_role_details(ctx, &role);
        }
        return Ok(());
    }
    let mut all = roles.list()?.into_vec();
    if let Some(filter) = cluster_filter {
        // IDs or aliases; an empty item (`,`) is the entry for every cluster.
        let clusters = client.cluster_manager();
        let mut ids = Vec::new();
        for item in filter.split(',').map(str::trim) {
            if item.is_empty() {
                ids.push(String::new());
            } else {
                ids.push(clusters.get(item)?.id);
            }
        }
        all.retain(|r| {
            r.clusters.iter().any(|c| ids.contains(&c.id))
                || r.buckets
                    .iter()
                    .any(|b| ids.contains(&b.bucket.namespace.uuid))
        });
    }
    if ctx.json {
        return ctx.print_json(&all);
    }
    if verbosity.verbose {
        for (i, role) in all.iter().enumerate() {
            if i > 0 {
                output::line("");
            }
            print_role_details(ctx, role);
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = all.iter().map(role_row).collect();
    ctx.table(&["ROLE", "DESCRIPTION"], &rows);
    Ok(())
}

fn role_row(role: &RoleInfo) -> Vec<String> {
    vec![role.name.clone(), role.desc.clone()]
}

fn print_role_details(ctx: &Ctx, role: &RoleInfo) {
    output::pairs(&[
        ("Role", role.name.clone()),
        ("Description", role.desc.clone()),
    ]);
    if !role.clusters.is_empty() {
        let rows: Vec<Vec<String>> = role
            .clusters
            .iter()
            .map(|c| vec![cluster_id(&c.id), c.alias.clone(), c.perm.to_string()])
            .collect();
        ctx.table(&["CLUSTER ID", "ALIAS", "PERMISSIONS"], &rows);
    }
    if !role.buckets.is_empty() {
        let rows: Vec<Vec<String>> = role
            .buckets
            .iter()
            .map(|b| {
                vec![
                    bucket_uri(&b.bucket),
                    b.bucket.namespace.uuid.clone(),
                    b.perm.to_string(),
                ]
            })
            .collect();
        ctx.table(&["BUCKET", "CLUSTER ID", "PERMISSIONS"], &rows);
    }
}

/// A table, or JSON: an object for `one` named cluster, else an array (of any length).
fn print_clusters(ctx: &Ctx, clusters: &[ClusterInfo], one: bool) -> Result<(), Failure> {
    if ctx.json {
        return match clusters {
            [single] if one => ctx.print_json(single),
            all => ctx.print_json(all),
        };
    }
    let rows: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| vec![c.id.clone(), c.alias.clone(), c.urls.join(", ")])
        .collect();
    ctx.table(&["CLUSTER ID", "ALIAS", "URLs"], &rows);
    Ok(())
}

fn add(ctx: &Ctx, add: Add) -> Result<(), Failure> {
    match add {
        Add::User(UserSpec {
            name,
            roles,
            password,
        }) => {
            let name = prompt::user_name(name.as_deref())?;
            let password = prompt::password(&password, &format!("Password for {name}: "))?;
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            let user = ctx
                .logged_in()?
                .user_manager()
                .create(&name, &roles, &password)?;
            done_user(ctx, "Added", &user)
        }
        Add::Role(spec) => {
            let role = new_role(&spec)?;
            let role = ctx.logged_in()?.role_manager().create_role(&role)?;
            done_role(ctx, "Added", &role)
        }
        Add::Cluster { args, id } => {
            let (urls, names) = split_urls(&args);
            let alias = match names.as_slice() {
                [] => "",
                [alias] => alias,
                [_, extra, ..] => {
                    return Err(Failure::usage(format!(
                        "either an invalid URL or a second alias: {extra:?} (URLs start with \
                         http:// or https://)"
                    )))
                }
            };
            let client = ctx.logged_in()?;
            let clusters = client.cluster_manager();
            let cluster = match &id {
                Some(id) => clusters.register_with_id(id, alias, &urls)?,
                None if urls.is_empty() => {
                    return Err(Failure::usage(
                        "add cluster needs the cluster's URL (to ask it for its ID), or --id",
                    ))
                }
                None => clusters.register(alias, &urls)?,
            };
            print_clusters(ctx, &[cluster], true)
        }
    }
}

fn set(ctx: &Ctx, set: Set) -> Result<(), Failure> {
    match set {
        Set::User(UserSpec {
            name,
            roles,
            password,
        }) => {
            let name = prompt::user_name(name.as_deref())?;
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            let roles = (!roles.is_empty()).then_some(roles.as_slice());
            // With nothing else to change, the change is the password: ask for it.
            let password =
                if password.password.is_some() || password.password_stdin || roles.is_none() {
                    Some(prompt::password(
                        &password,
                        &format!("New password for {name}: "),
                    )?)
                } else {
                    None
                };
            let user = ctx
                .logged_in()?
                .user_manager()
                .update(&name, password.as_deref(), roles)?;
            done_user(ctx, "Updated", &user)
        }
        Set::Role(spec) => {
            let update = role_update(&spec)?;
            let role = ctx
                .logged_in()?
                .role_manager()
                .update(&spec.name, &update)?;
            done_role(ctx, "Updated", &role)
        }
        Set::Cluster {
            cluster,
            args,
            alias,
        } => {
            // As `ais auth set cluster`: a word that is no URL is the new alias (or --alias).
            let (urls, names) = split_urls(&args);
            let alias = match (names.as_slice(), alias.as_deref()) {
                ([], alias) => alias,
                ([alias], None) => Some(*alias),
                _ => {
                    return Err(Failure::usage(
                        "set cluster takes one new alias (or --alias) and URLs",
                    ))
                }
            };
            let urls = (!urls.is_empty()).then_some(urls.as_slice());
            let cluster = ctx
                .logged_in()?
                .cluster_manager()
                .update(&cluster, alias, urls)?;
            print_clusters(ctx, &[cluster], true)
        }
        Set::Config { pairs } => {
            let (update, shown) = config_update(&pairs)?;
            ctx.logged_in()?.server_manager().set_config(&update)?;
            if ctx.json {
                let map: serde_json::Map<String, Value> = shown
                    .iter()
                    .map(|(n, v)| (n.clone(), Value::String(v.clone())))
                    .collect();
                output::json(&json!({ "updated": map }));
            } else {
                let list: Vec<String> = shown.iter().map(|(n, v)| format!("{n}={v}")).collect();
                output::line(&format!("Updated {}", list.join(", ")));
            }
            if shown.iter().any(|(n, _)| n == "auth.secret") {
                eprintln!(
                    "ais-authn: note: tokens issued before the new secret, the saved one \
                     included, no longer work: log in again"
                );
            }
            Ok(())
        }
    }
}

/// `NAME=VALUE` or `NAME VALUE` pairs for `set config`: the update, and what it sets (the
/// secret shown as `[redacted]`).
fn config_update(pairs: &[String]) -> Result<(ConfigUpdate, Vec<(String, String)>), Failure> {
    let mut update = ConfigUpdate::new();
    let mut shown = Vec::new();
    let mut items = pairs.iter();
    while let Some(item) = items.next() {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name.trim().to_owned(), value.trim().to_owned()),
            None => {
                let value = items.next().ok_or_else(|| {
                    Failure::usage(format!("set config {item}: the value is missing"))
                })?;
                (item.trim().to_owned(), value.trim().to_owned())
            }
        };
        if value.is_empty() {
            return Err(Failure::usage(format!(
                "set config {name}: the value is empty"
            )));
        }
        let shown_value = match name.as_str() {
            "auth.expiration_time" => {
                let lifetime = parse_duration(&value).map_err(|why| {
                    Failure::usage(format!("auth.expiration_time={value}: {why}"))
                })?;
                update = update.expiration_time(lifetime);
                value
            }
            "log.level" => {
                let level: u8 = value.parse().map_err(|_| {
                    Failure::usage(format!("log.level={value}: a number from 0 to 5"))
                })?;
                update = update.log_level(level);
                value
            }
            "auth.secret" => {
                update = update.secret(&value);
                "[redacted]".to_owned()
            }
            other => {
                return Err(Failure::usage(format!(
                    "{other:?} cannot be set: AuthN v1.5.0 changes auth.expiration_time, \
                     log.level and auth.secret"
                )))
            }
        };
        shown.push((name, shown_value));
    }
    Ok((update, shown))
}

fn done_user(ctx: &Ctx, what: &str, user: &UserInfo) -> Result<(), Failure> {
    if ctx.json {
        return ctx.print_json(user);
    }
    let roles: Vec<&str> = user.roles.names().collect();
    output::line(&format!(
        "{what} user {} (roles: {})",
        user.id,
        if roles.is_empty() {
            "none".to_owned()
        } else {
            roles.join(", ")
        }
    ));
    Ok(())
}

fn done_role(ctx: &Ctx, what: &str, role: &RoleInfo) -> Result<(), Failure> {
    if ctx.json {
        return ctx.print_json(role);
    }
    output::line(&format!("{what} role {}", role.name));
    print_role_details(ctx, role);
    Ok(())
}

/// The words that are URLs (`http://`, `https://`, any case) and the others.
fn split_urls(words: &[String]) -> (Vec<&str>, Vec<&str>) {
    words.iter().map(String::as_str).partition(|w| {
        let lower = w.to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    })
}

/// The one permission entry `add role` and `set role` take.
enum Acl {
    None,
    AllClusters(AccessAttr),
    Cluster(String, AccessAttr),
    /// Cluster, bucket URI, permissions.
    Bucket(String, String, AccessAttr),
}

fn acl(spec: &RoleSpec) -> Result<Acl, Failure> {
    // With --cluster and no permission, the entry has none, as with `ais auth`: on `set role`
    // that takes every permission on the cluster (or bucket) away.
    if spec.perms.is_empty() && spec.cluster.is_none() {
        return Ok(Acl::None);
    }
    let perm = if spec.perms.is_empty() {
        AccessAttr::NONE
    } else {
        AccessAttr::parse(&spec.perms.join(","))?
    };
    Ok(match (&spec.cluster, &spec.bucket) {
        // A plain name is an ais bucket, as the ais CLI reads one.
        (Some(c), Some(b)) if b.contains("://") => Acl::Bucket(c.clone(), b.clone(), perm),
        (Some(c), Some(b)) => Acl::Bucket(c.clone(), format!("ais://{b}"), perm),
        (Some(c), None) => Acl::Cluster(c.clone(), perm),
        (None, None) => Acl::AllClusters(perm),
        (None, Some(_)) => return Err(Failure::usage("--bucket needs --cluster")),
    })
}

fn new_role(spec: &RoleSpec) -> Result<RoleInfo, Failure> {
    let role = RoleInfo::new(&spec.name, spec.desc.as_deref().unwrap_or_default());
    Ok(match acl(spec)? {
        Acl::None => role,
        Acl::AllClusters(perm) => role.with_all_clusters(perm),
        Acl::Cluster(c, perm) => role.with_cluster(&c, perm),
        Acl::Bucket(c, uri, perm) => {
            let bucket = Bucket::parse(&uri)?;
            if bucket.namespace != Namespace::default() {
                return Err(Failure::usage(format!(
                    "--bucket {uri}: give the cluster with --cluster and the bucket as \
                     provider://name"
                )));
            }
            role.with_bucket(&c, &bucket.provider, &bucket.name, perm)
        }
    })
}

fn role_update(spec: &RoleSpec) -> Result<RoleUpdate, Failure> {
    let update = RoleUpdate::new().description(spec.desc.as_deref().unwrap_or_default());
    Ok(match acl(spec)? {
        Acl::None => update,
        Acl::AllClusters(perm) => update.all_clusters(perm),
        Acl::Cluster(c, perm) => update.cluster(&c, perm),
        Acl::Bucket(c, uri, perm) => update.bucket(&c, &uri, perm),
    })
}

fn rm(ctx: &Ctx, rm: Rm) -> Result<(), Failure> {
    let (kind, name) = match rm {
        Rm::Token { token, yes } => return rm_token(ctx, token, yes),
        Rm::User { name } => {
            ctx.logged_in()?.user_manager().delete(&name, false)?;
            ("user", name)
        }
        Rm::Role { name } => {
            ctx.logged_in()?.role_manager().delete(&name, false)?;
            ("role", name)
        }
        Rm::Cluster { name } => {
            ctx.logged_in()?.cluster_manager().delete(&name, false)?;
            ("cluster", name)
        }
    };
    if ctx.json {
        output::json(&json!({"removed": kind, "name": name}));
    } else {
        output::line(&format!("Removed {kind} {name}"));
    }
    Ok(())
}

/// Revokes TOKEN, or the saved token (then removes the token file, as logout does). Shows
/// the token and asks first, unless `--yes`.
fn rm_token(ctx: &Ctx, token: Option<String>, yes: bool) -> Result<(), Failure> {
    let (jwt, saved) = match token {
        Some(token) => (token, None),
        None => {
            let file = ctx.token_file()?;
            (load_token_file(&file)?, Some(file))
        }
    };
    let source = match &saved {
        Some(file) => file.display().to_string(),
        None => "command-line argument".to_owned(),
    };
    let parsed = Token::parse(&jwt)
        .map_err(|e| Failure::failed(format!("{e} (the token from {source})")))?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(
                "rm token asks for confirmation and stdin is not a terminal: add --yes (-y) \
                 to revoke without asking",
            ));
        }
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
    // The saved token is of no more use: remove it, as logout does.
    if let Some(file) = &saved {
        std::fs::remove_file(file)
            .map_err(|e| Failure::failed(format!("cannot remove {}: {e}", file.display())))?;
    }
    let user = parsed.subject();
    if ctx.json {
        output::json(&json!({"revoked": true, "user": user, "token_file": saved}));
    } else {
        output::line(&format!("Revoked a token of {user}"));
    }
    Ok(())
}

/// `-e/--expire`: a lifetime of at least a minute. `0`, which `ais auth` sends for "the
/// server's maximum", is refused: the SDK's login sends only lifetimes of a minute or more.
fn parse_expire(text: &str) -> Result<Duration, Failure> {
    let lifetime =
        parse_duration(text).map_err(|why| Failure::usage(format!("--expire {text}: {why}")))?;
    if lifetime.is_zero() {
        return Err(Failure::usage(
            "--expire 0 (the server's longest lifetime) is not supported: give the lifetime, \
             e.g. -e 2160h",
        ));
    }
    Ok(lifetime)
}

/// A duration as the ais CLI takes one (Go's form: `90s`, `30m`, `12h`, `1h30m`, `500ms`, a
/// plain number of seconds), and days (`7d`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HINT: &str = "use e.g. 90s, 30m, 12h, 1h30m or 7d";
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| format!("too large; {HINT}"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err(format!("empty; {HINT}"));
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("a number without its unit; {HINT}"))?;
        let value: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("not a duration; {HINT}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            unit => return Err(format!("unknown unit {unit:?}; {HINT}")),
        };
        let part =
            Duration::try_from_secs_f64(value * scale).map_err(|_| format!("too large; {HINT}"))?;
        total = total
            .checked_add(part)
            .ok_or_else(|| format!("too large; {HINT}"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// The spec named on the command line, checked, and the plan that makes the server match it.
fn plan(
    ctx: &Ctx,
    target: &Provision,
) -> Result<(Client, aistore_authn::provision::Plan), Failure> {
    use aistore_authn::provision::{PlanOptions, Spec};
    let path = target
        .spec
        .clone()
        .or_else(|| ctx.spec_file.clone())
        .ok_or_else(|| Failure::usage("which spec? give it as SPEC or -f/--file SPEC"))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::usage(format!("cannot read the spec {}: {e}", path.display())))?;
    // Every problem of the spec at once, each with its JSON path; nothing was sent.
    let invalid = |errors: aistore_authn::provision::ValidationErrors| {
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        Failure::usage(format!(
            "the spec {} is not valid: {}",
            path.display(),
            all.join("; ")
        ))
    };
    let spec = Spec::from_json(&text).map_err(invalid)?;
    spec.validate().map_err(invalid)?;
    let client = ctx.logged_in()?;
    let planned =
        aistore_authn::provision::plan(&client, &spec, &PlanOptions::new().prune(target.prune))?;
    Ok((client, planned))
}

/// `apply`: the plan, a confirmation, the changes with progress on stderr, and the report.
fn apply(ctx: &Ctx, args: &Apply) -> Result<(), Failure> {
    use aistore_authn::provision::{ApplyOptions, Progress};
    let (client, planned) = plan(ctx, &args.target)?;
    if planned.is_empty() {
        match ctx.json {
            true => output::json(&json!({"plan": planned, "report": null})),
            false => output::line("Nothing to do: the server matches the spec."),
        }
        return Ok(());
    }
    let changes = planned.actions.len();
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(format!(
                "apply would make {changes} changes: confirm with --yes (stdin is not a terminal)"
            )));
        }
        eprintln!("{planned}");
        if !prompt::confirm(&format!("Make these {changes} changes?"))? {
            return Err(Failure::failed("nothing applied"));
        }
    }
    // A bar redrawn in place on a terminal; otherwise a plain line at every tenth.
    let terminal = std::io::stderr().is_terminal();
    let show = move |p: Progress| {
        if terminal {
            let filled = p.finished * 30 / p.total.max(1);
            eprint!(
                "\r[{}{}] {}/{} ({} failed)",
                "#".repeat(filled),
                ".".repeat(30 - filled),
                p.finished,
                p.total,
                p.failed
            );
            if p.finished == p.total {
                eprintln!();
            }
        } else if p.finished == p.total
            || p.finished * 10 / p.total > (p.finished - 1) * 10 / p.total
        {
            eprintln!(
                "ais-authn: {}/{} changes made ({} failed)",
                p.finished, p.total, p.failed
            );
        }
    };
    let options = ApplyOptions::new().parallel(args.parallel).progress(show);
    let report = aistore_authn::provision::apply(&client, &planned, &options);
    match ctx.json {
        true => ctx.print_json(&report)?,
        false => output::line(&report.to_string()),
    }
    let counts = report.counts();
    let summary = format!("{counts} (the report says which)");
    match (report.is_success(), counts.done) {
        (true, _) => Ok(()),
        (false, 0) => Err(Failure::failed(format!("nothing applied: {summary}"))),
        (false, _) => Err(Failure::Partial(format!("partly applied: {summary}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = |s| parse_duration(s);
        assert_eq!(d("90"), Ok(Duration::from_secs(90)));
        assert_eq!(d("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(d("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(d("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(d("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("0"), Ok(Duration::ZERO));
        for bad in ["", "h", "5x", "soon", "1h-2m", "99999999999999999999999"] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert!(parse_expire("0").is_err());
    }

    #[test]
    fn config_pairs() {
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (_, shown) =
            config_update(&words(&["auth.expiration_time=2h", "log.level", "4"])).unwrap();
        assert_eq!(
            shown,
            [
                ("auth.expiration_time".to_owned(), "2h".to_owned()),
                ("log.level".to_owned(), "4".to_owned())
            ]
        );
        let (_, shown) = config_update(&words(&["auth.secret", "s3cr3t"])).unwrap();
        assert_eq!(shown[0].1, "[redacted]");
        for bad in [
            &["log.level"][..],
            &["log.level="],
            &["log.level=loud"],
            &["net.http.port=1"],
            &["auth.expiration_time=soon"],
        ] {
            assert!(
                matches!(config_update(&words(bad)), Err(Failure::Usage(_))),
                "{bad:?}"
            );
        }
    }
}

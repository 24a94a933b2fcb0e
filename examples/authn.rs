//! `authn`: an AuthN admin CLI on this crate, with the verbs of `ais auth`.
//!
//! ```sh
//! cargo run --example authn -- --help
//! cargo run --example authn -- login admin            # prompts for the password
//! cargo run --example authn -- show user --json
//! ```
//!
//! It reads `AIS_AUTHN_URL` and keeps its login in the `ais` CLI's token file
//! (`AIS_AUTHN_TOKEN_FILE`, else `~/.config/ais/cli/auth.token`), so `ais` and this tool share
//! one login. Tables for people, `--json` for scripts; on failure a one-line error and a
//! non-zero exit (1 for errors, 2 for usage).
//!
//! Arguments are parsed by hand: a parser crate would cost more build time than this file has
//! lines of parsing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aistore_authn::env::{load_token_file, save_token_file, token_file_path};
use aistore_authn::{
    AccessAttr, Bucket, Client, ClusterInfo, Namespace, RoleInfo, RoleUpdate, Token, UserInfo,
};
use serde_json::json;

/// Output goes through here instead of std's `println!`, which panics when stdout is a closed
/// pipe (`authn show user | head -1`): then there is no one left to tell, so exit quietly.
macro_rules! println {
    ($($arg:tt)*) => {{
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

const HELP: &str = "\
authn: manage users, roles and clusters on an AIStore AuthN server

USAGE: authn [--url URL] [--token-file FILE] [--json] COMMAND

COMMANDS:
  login USER [-p PASSWORD] [-e EXPIRE]   log in and save the token
  logout                                 revoke the saved token and remove it
  whoami                                 who the saved token belongs to
  show user|role|cluster [NAME]          list all, or show one
  add user|role|cluster ...              create (see `authn add --help`)
  set user|role|cluster ...              change (see `authn set --help`); or `update`
  rm user|role|cluster NAME              delete
  rm token [TOKEN]                       revoke a token (default: the saved one)

OPTIONS:
  --url URL          the AuthN server (default: $AIS_AUTHN_URL)
  --token-file FILE  where the login is kept (default: $AIS_AUTHN_TOKEN_FILE,
                     else ~/.config/ais/cli/auth.token, as the ais CLI)
  --json             print JSON instead of tables
  -h, --help         help; also after any command

A password not given with -p or --password-stdin is prompted for without echo (or read
from stdin). -p shows the password to other users: it warns.";

const HELP_LOGIN: &str = "\
USAGE: authn login USER [-p PASSWORD] [-e EXPIRE]

Logs in and saves the token to the token file, where `ais` finds it too.
  -p, --password PASSWORD  (prompted for without echo if left out; visible to
                           other users: prefer the prompt or --password-stdin)
  --password-stdin         read the password from the first line of stdin
  -e, --expire EXPIRE      token lifetime: 90s, 30m, 12h, 7d (default: the server's)";

const HELP_LOGOUT: &str = "\
USAGE: authn logout

Revokes the saved token and removes the token file. A token AuthN no longer accepts (expired,
already revoked) is just removed.";

const HELP_WHOAMI: &str = "\
USAGE: authn whoami [--json]

Shows whose the saved token is, whether that user is an admin, the user's roles now, and when
the token expires.";

const HELP_SHOW: &str = "\
USAGE: authn show user [NAME]
       authn show role [NAME]
       authn show cluster [ID|ALIAS]

Without a name, lists all in a table; with one, shows its details.";

const HELP_ADD: &str = "\
USAGE: authn add user NAME [ROLE...] [-p PASSWORD]
       authn add role NAME [PERMISSION...] [--cluster ID|ALIAS [--bucket [PROVIDER://]NAME]] [--desc TEXT]
       authn add cluster [ALIAS] URL [URL...]
       authn add cluster --id ID [ALIAS]

PERMISSION: ro, rw, su, or operations such as GET, PUT, LIST-BUCKETS, CREATE-BUCKET.
A role without --cluster applies to every cluster. A cluster is registered by asking the
first URL that answers for its ID; with --id and no URL, AuthN contacts nothing.";

const HELP_SET: &str = "\
USAGE: authn set user NAME [ROLE...] [-p PASSWORD]   (`update` works too, as in ais auth)
       authn set role NAME [PERMISSION...] [--cluster ID|ALIAS [--bucket [PROVIDER://]NAME]] [--desc TEXT]
       authn set cluster ID|ALIAS [NEW-ALIAS] [URL...]

Roles given replace the user's roles; with neither roles nor -p, `set user` asks for a new
password (without echo). Role permissions are merged into the role's (AuthN never
removes a permission entry).";

const HELP_RM: &str = "\
USAGE: authn rm user NAME
       authn rm role NAME
       authn rm cluster ID|ALIAS
       authn rm token [TOKEN]

`rm token` revokes TOKEN, or the saved token when none is given.";

/// A failure: usage errors exit 2, everything else 1.
enum Failure {
    Usage(String),
    Failed(String),
}

impl From<aistore_authn::Error> for Failure {
    /// An argument the SDK refuses is a usage error; everything else a failure.
    fn from(e: aistore_authn::Error) -> Failure {
        match e {
            aistore_authn::Error::InvalidArgument(msg) => Failure::Usage(msg),
            other => Failure::Failed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Failed(e.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::Failed(e.to_string())
    }
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

/// The command line: flags (with their values) and the other words, in order.
#[derive(Default)]
struct Args {
    words: Vec<String>,
    json: bool,
    help: bool,
    url: Option<String>,
    token_file: Option<PathBuf>,
    password: Option<String>,
    password_stdin: bool,
    expire: Option<String>,
    cluster: Option<String>,
    bucket: Option<String>,
    provider: Option<String>,
    desc: Option<String>,
    alias: Option<String>,
    id: Option<String>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Result<Args, Failure> {
        let mut args = Args::default();
        let mut raw = raw.peekable();
        while let Some(word) = raw.next() {
            let mut value = |name: &str| {
                raw.next()
                    .ok_or_else(|| usage(format!("{name} needs a value")))
            };
            match word.as_str() {
                "--json" => args.json = true,
                "-h" | "--help" => args.help = true,
                "--url" => args.url = Some(value("--url")?),
                "--token-file" => args.token_file = Some(value("--token-file")?.into()),
                "-p" | "--password" => {
                    args.password = Some(value("--password")?);
                    eprintln!(
                        "authn: warning: a password on the command line can be read by other \
                         users (ps) and stays in shell history; use --password-stdin or the \
                         prompt"
                    );
                }
                "--password-stdin" => args.password_stdin = true,
                "-e" | "--expire" => args.expire = Some(value("--expire")?),
                "--cluster" => args.cluster = Some(value("--cluster")?),
                "--bucket" => args.bucket = Some(value("--bucket")?),
                "--provider" => args.provider = Some(value("--provider")?),
                "--desc" | "--description" => args.desc = Some(value("--desc")?),
                "--alias" => args.alias = Some(value("--alias")?),
                "--id" => args.id = Some(value("--id")?),
                "--" => args.words.extend(raw.by_ref()),
                flag if flag.starts_with('-') && flag.len() > 1 => {
                    return Err(usage(format!("unknown option {flag}")))
                }
                _ => args.words.push(word),
            }
        }
        if args.password.is_some() && args.password_stdin {
            return Err(usage("give -p/--password or --password-stdin, not both"));
        }
        // `ais auth update ...` is this tool's `set ...`.
        if args.words.first().is_some_and(|w| w == "update") {
            args.words[0] = "set".into();
        }
        Ok(args)
    }

    /// The client: URL and token as the `ais` CLI finds them, `--url`/`--token-file` first.
    fn client(&self) -> Result<Client, Failure> {
        if let Some(url) = &self.url {
            std::env::set_var("AIS_AUTHN_URL", url);
        }
        if let Some(file) = &self.token_file {
            std::env::set_var("AIS_AUTHN_TOKEN_FILE", file);
        }
        Ok(Client::from_env()?)
    }

    /// The client with URL and TLS settings but no token, whatever the token file holds
    /// (logging in replaces a bad or expired one; revoking sends the token in the body).
    fn client_without_token(&self) -> Result<Client, Failure> {
        if let Some(url) = &self.url {
            std::env::set_var("AIS_AUTHN_URL", url);
        }
        std::env::remove_var("AIS_AUTHN_TOKEN");
        let keep = self.token_file.clone().or_else(token_file_path);
        // A token file that does not exist means no token.
        std::env::set_var("AIS_AUTHN_TOKEN_FILE", "/nonexistent/authn/token");
        let client = Client::builder_from_env().map(|b| b.build());
        match keep {
            Some(file) => std::env::set_var("AIS_AUTHN_TOKEN_FILE", file),
            None => std::env::remove_var("AIS_AUTHN_TOKEN_FILE"),
        }
        Ok(client??)
    }

    fn token_file(&self) -> Result<PathBuf, Failure> {
        self.token_file
            .clone()
            .or_else(token_file_path)
            .ok_or_else(|| usage("no token file: set --token-file, AIS_AUTHN_TOKEN_FILE or HOME"))
    }

    /// The password from `-p`, from stdin with `--password-stdin`, or asked for.
    fn password(&self, prompt: &str) -> Result<String, Failure> {
        match &self.password {
            Some(p) => Ok(p.clone()),
            None if self.password_stdin => read_line_from_stdin(),
            None => read_password(prompt),
        }
    }

    /// The permission entry from the words after the name, with `--cluster`/`--bucket`.
    fn acl(&self, perms: &[String]) -> Result<Acl, Failure> {
        if perms.is_empty() {
            return match (&self.cluster, &self.bucket) {
                (None, None) => Ok(Acl::None),
                _ => Err(usage("--cluster and --bucket need permissions")),
            };
        }
        let perm = AccessAttr::parse(&perms.join(","))?;
        match (&self.cluster, &self.bucket) {
            // The ais CLI's bucket form, `ais://name` or `s3://name`, names the provider; a
            // plain name is a bucket of --provider (default ais).
            (Some(c), Some(b)) if b.contains("://") => Ok(Acl::Bucket(c.clone(), b.clone(), perm)),
            (Some(c), Some(b)) => {
                let provider = self.provider.as_deref().unwrap_or("ais");
                Ok(Acl::Bucket(c.clone(), format!("{provider}://{b}"), perm))
            }
            (Some(c), None) => Ok(Acl::Cluster(c.clone(), perm)),
            (None, None) => Ok(Acl::AllClusters(perm)),
            (None, Some(_)) => Err(usage("--bucket needs --cluster")),
        }
    }

    /// The role to create: the description and the permission entry.
    fn role(&self, name: &str, perms: &[String]) -> Result<RoleInfo, Failure> {
        let role = RoleInfo::new(name, self.desc.as_deref().unwrap_or_default());
        Ok(match self.acl(perms)? {
            Acl::None => role,
            Acl::AllClusters(perm) => role.with_all_clusters(perm),
            Acl::Cluster(c, perm) => role.with_cluster(&c, perm),
            Acl::Bucket(c, uri, perm) => {
                let bucket = Bucket::parse(&uri)?;
                if bucket.namespace != Namespace::default() {
                    return Err(usage(format!(
                        "--bucket {uri}: give the cluster with --cluster and the bucket as \
                         provider://name"
                    )));
                }
                role.with_bucket(&c, &bucket.provider, &bucket.name, perm)
            }
        })
    }

    /// The change to a role: the description and the permission entry.
    fn role_update(&self, perms: &[String]) -> Result<RoleUpdate, Failure> {
        let update = RoleUpdate::new().description(self.desc.as_deref().unwrap_or_default());
        Ok(match self.acl(perms)? {
            Acl::None => update,
            Acl::AllClusters(perm) => update.all_clusters(perm),
            Acl::Cluster(c, perm) => update.cluster(&c, perm),
            Acl::Bucket(c, uri, perm) => update.bucket(&c, &uri, perm),
        })
    }
}

/// The one permission entry `add role` and `set role` take.
enum Acl {
    None,
    AllClusters(AccessAttr),
    Cluster(String, AccessAttr),
    /// Cluster, bucket URI, permissions.
    Bucket(String, String, AccessAttr),
}

/// The first line of stdin, as the password (`--password-stdin`).
fn read_line_from_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(usage("--password-stdin: stdin holds no password"));
    }
    Ok(password)
}

/// Reads a password: without echo from a terminal, else a line from stdin (for scripts).
fn read_password(prompt: &str) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let mut line = String::new();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        let stty = |arg: &str| {
            Command::new("stty")
                .arg(arg)
                .stdin(Stdio::inherit())
                .status()
        };
        let _ = stty("-echo");
        let read = stdin.lock().read_line(&mut line);
        let _ = stty("echo");
        eprintln!();
        read?;
    } else {
        stdin.lock().read_line(&mut line)?;
    }
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(usage("no password given"));
    }
    Ok(password)
}

/// `90s`, `30m`, `12h`, `7d`, or seconds.
fn parse_expire(text: &str) -> Result<Duration, Failure> {
    let bad = || usage(format!("--expire {text:?}: use e.g. 90s, 30m, 12h or 7d"));
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let unit = match &text[digits.len()..] {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(n.checked_mul(unit).ok_or_else(bad)?))
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Prints rows under headers, each column as wide as its widest cell.
fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn role_acls(role: &RoleInfo) -> String {
    let clusters = role.clusters.iter().map(|a| {
        let who = match (a.id.as_str(), a.alias.as_str()) {
            ("", _) => "all clusters".to_owned(),
            (id, "") => id.to_owned(),
            (id, alias) => format!("{alias} ({id})"),
        };
        format!("{who}: {}", a.perm)
    });
    let buckets = role.buckets.iter().map(|b| {
        // `s3://logs on <cluster ID>`, the bucket as the ais CLI writes it.
        let bucket = Bucket::new(&b.bucket.provider, &b.bucket.name);
        format!("{bucket} on {}: {}", b.bucket.namespace.uuid, b.perm)
    });
    clusters.chain(buckets).collect::<Vec<_>>().join("; ")
}

fn print_user(user: &UserInfo, json: bool) -> Result<(), Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(user)?);
        return Ok(());
    }
    println!("user   {}", user.id);
    println!("admin  {}", user.is_admin());
    let rows: Vec<Vec<String>> = user
        .roles
        .iter()
        .map(|r| vec![r.name.clone(), role_acls(r)])
        .collect();
    table(&["ROLE", "PERMISSIONS"], &rows);
    Ok(())
}

fn print_role(role: &RoleInfo, json: bool) -> Result<(), Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(role)?);
    } else {
        table(
            &["ROLE", "DESCRIPTION", "PERMISSIONS"],
            &[vec![role.name.clone(), role.desc.clone(), role_acls(role)]],
        );
    }
    Ok(())
}

/// A table, or JSON: an object for `one` named cluster, else an array (of any length).
fn print_clusters(clusters: &[ClusterInfo], one: bool, json: bool) -> Result<(), Failure> {
    if json {
        let value = match clusters {
            [single] if one => serde_json::to_value(single)?,
            all => serde_json::to_value(all)?,
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let rows: Vec<Vec<String>> = clusters
            .iter()
            .map(|c| vec![c.id.clone(), c.alias.clone(), c.urls.join(", ")])
            .collect();
        table(&["ID", "ALIAS", "URLS"], &rows);
    }
    Ok(())
}

fn run(args: Args) -> Result<(), Failure> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    let help = |text: &str| {
        println!("{text}");
        Ok(())
    };
    match words.as_slice() {
        [] | ["help"] => help(HELP),
        ["login", ..] if args.help => help(HELP_LOGIN),
        ["logout", ..] if args.help => help(HELP_LOGOUT),
        ["whoami", ..] if args.help => help(HELP_WHOAMI),
        ["show", ..] if args.help => help(HELP_SHOW),
        ["add", ..] if args.help => help(HELP_ADD),
        ["set" | "update", ..] if args.help => help(HELP_SET),
        ["rm", ..] if args.help => help(HELP_RM),
        _ if args.help => help(HELP),

        ["login", user] => {
            let file = args.token_file()?;
            let expire = args.expire.as_deref().map(parse_expire).transpose()?;
            let password = args.password("Password: ")?;
            let mut client = args.client_without_token()?;
            let token = client.login(user, &password, expire)?;
            save_token_file(&file, token.as_str())?;
            let expires = unix_secs(token.claims().expires_at);
            if args.json {
                println!(
                    "{}",
                    json!({"user": user, "token_file": file, "expires_at": expires})
                );
            } else {
                println!("Logged in as {user} (token saved to {})", file.display());
            }
            Ok(())
        }
        ["logout"] => {
            let file = args.token_file()?;
            let token = load_token_file(&file)?;
            let revoked = args.client_without_token()?.token_manager().revoke(&token);
            // A token AuthN no longer accepts (expired, revoked, another server's) needs no
            // revoking: the login ends all the same. Anything else keeps the file for a retry.
            let was_valid = match revoked {
                Ok(()) => true,
                Err(aistore_authn::Error::Unauthorized { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            std::fs::remove_file(&file)?;
            let what = if was_valid {
                "token revoked"
            } else {
                "the token was no longer valid"
            };
            if args.json {
                println!(
                    "{}",
                    json!({"logged_out": true, "revoked": was_valid, "token_file": file})
                );
            } else {
                println!("Logged out ({what}, {} removed)", file.display());
            }
            Ok(())
        }
        ["whoami"] => {
            let client = args.client()?;
            if client.token().is_none() {
                return Err(Failure::Failed(
                    "not logged in (run `authn login USER`)".into(),
                ));
            }
            let who = client.whoami()?;
            let c = &who.claims;
            let roles: Vec<&str> = who.user.roles.names().collect();
            if args.json {
                println!(
                    "{}",
                    json!({"user": c.subject, "admin": c.admin, "expires_at": unix_secs(c.expires_at),
                           "issuer": c.issuer, "roles": roles})
                );
            } else {
                let left = c
                    .expires_at
                    .duration_since(SystemTime::now())
                    .unwrap_or_default();
                println!("user     {}", c.subject);
                println!("admin    {}", c.admin);
                println!("roles    {}", roles.join(", "));
                println!("expires  in {} min", left.as_secs() / 60);
                println!("issuer   {}", c.issuer);
            }
            Ok(())
        }

        ["show", "user"] => {
            let users = args.client()?.user_manager().list()?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                let rows: Vec<Vec<String>> = users
                    .values()
                    .map(|u| vec![u.id.clone(), u.roles.names().collect::<Vec<_>>().join(", ")])
                    .collect();
                table(&["USER", "ROLES"], &rows);
            }
            Ok(())
        }
        ["show", "user", name] => print_user(&args.client()?.user_manager().get(name)?, args.json),
        ["show", "role"] => {
            let roles = args.client()?.role_manager().list()?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&roles)?);
            } else {
                let rows: Vec<Vec<String>> = roles
                    .iter()
                    .map(|r| vec![r.name.clone(), r.desc.clone(), role_acls(r)])
                    .collect();
                table(&["ROLE", "DESCRIPTION", "PERMISSIONS"], &rows);
            }
            Ok(())
        }
        ["show", "role", name] => print_role(&args.client()?.role_manager().get(name)?, args.json),
        ["show", "cluster", rest @ ..] if rest.len() <= 1 => {
            let client = args.client()?;
            let clusters = client.cluster_manager();
            let list: Vec<_> = match rest {
                [name] => vec![clusters.get(name)?],
                _ => clusters.list()?.into_values().collect(),
            };
            print_clusters(&list, rest.len() == 1, args.json)
        }

        ["add", "user", name, roles @ ..] => {
            let password = args.password(&format!("Password for {name}: "))?;
            let user = args
                .client()?
                .user_manager()
                .create(name, roles, &password)?;
            print_user(&user, args.json)
        }
        ["add", "role", name, perms @ ..] => {
            let perms: Vec<String> = perms.iter().map(|p| (*p).to_owned()).collect();
            let role = args.role(name, &perms)?;
            print_role(
                &args.client()?.role_manager().create_role(&role)?,
                args.json,
            )
        }
        ["add", "cluster", rest @ ..] => {
            let (urls, names): (Vec<&str>, Vec<&str>) = rest
                .iter()
                .partition(|w| w.starts_with("http://") || w.starts_with("https://"));
            let alias = match names.as_slice() {
                [] => "",
                [alias] => alias,
                _ => return Err(usage("add cluster takes one alias and URLs")),
            };
            let client = args.client()?;
            let clusters = client.cluster_manager();
            let cluster = match &args.id {
                Some(id) => clusters.register_with_id(id, alias, &urls)?,
                None if urls.is_empty() => {
                    return Err(usage(
                        "add cluster needs a URL, or --id ID to register without one",
                    ))
                }
                None => clusters.register(alias, &urls)?,
            };
            print_clusters(&[cluster], true, args.json)
        }

        ["set", "user", name, roles @ ..] => {
            let roles = (!roles.is_empty()).then_some(roles);
            // With nothing else to change, the change is the password: ask for it.
            let password = match (&args.password, roles) {
                (Some(p), _) => Some(p.clone()),
                (None, None) => Some(read_password(&format!("New password for {name}: "))?),
                (None, Some(_)) => None,
            };
            let user = args
                .client()?
                .user_manager()
                .update(name, password.as_deref(), roles)?;
            print_user(&user, args.json)
        }
        ["set", "role", name, perms @ ..] => {
            let perms: Vec<String> = perms.iter().map(|p| (*p).to_owned()).collect();
            let update = args.role_update(&perms)?;
            print_role(
                &args.client()?.role_manager().update(name, &update)?,
                args.json,
            )
        }
        ["set", "cluster", name, urls @ ..] => {
            // As `ais auth update cluster ID [ALIAS] [URL...]`: a word that is no URL is the
            // new alias (or give it with --alias).
            let (urls, names): (Vec<&str>, Vec<&str>) = urls
                .iter()
                .partition(|w| w.starts_with("http://") || w.starts_with("https://"));
            let alias = match (names.as_slice(), args.alias.as_deref()) {
                ([], alias) => alias,
                ([alias], None) => Some(*alias),
                _ => return Err(usage("set cluster takes one new alias and URLs")),
            };
            let urls = (!urls.is_empty()).then_some(urls.as_slice());
            let cluster = args.client()?.cluster_manager().update(name, alias, urls)?;
            print_clusters(&[cluster], true, args.json)
        }

        ["rm", kind @ ("user" | "role" | "cluster"), name] => {
            let client = args.client()?;
            match *kind {
                "user" => client.user_manager().delete(name, false)?,
                "role" => client.role_manager().delete(name, false)?,
                _ => client.cluster_manager().delete(name, false)?,
            }
            if args.json {
                println!("{}", json!({"removed": kind, "name": name}));
            } else {
                println!("Removed {kind} {name}");
            }
            Ok(())
        }
        ["rm", "token", rest @ ..] if rest.len() <= 1 => {
            let saved = match rest {
                [_] => None,
                _ => Some(args.token_file()?),
            };
            let token = match (rest, &saved) {
                ([token], _) => (*token).to_owned(),
                (_, Some(file)) => load_token_file(file)?,
                _ => unreachable!("a token or a saved one"),
            };
            let who = Token::parse(&token).map(|t| t.subject().to_owned());
            args.client_without_token()?
                .token_manager()
                .revoke(&token)?;
            // The saved token is of no more use: remove it, as logout does.
            if let Some(file) = &saved {
                std::fs::remove_file(file)?;
            }
            let who = who.unwrap_or_else(|_| "?".into());
            if args.json {
                println!("{}", json!({"revoked": true, "user": who}));
            } else {
                println!("Revoked a token of {who}");
            }
            Ok(())
        }

        [verb @ ("show" | "add" | "set" | "rm"), ..] => Err(usage(format!(
            "`{verb}` needs a kind: user, role or cluster{} (see `authn {verb} --help`)",
            if *verb == "rm" { ", token" } else { "" }
        ))),
        [other, ..] => Err(usage(format!(
            "unknown command `{other}` (see `authn --help`)"
        ))),
    }
}

fn main() -> ExitCode {
    // ureq logs request headers, the bearer token among them, at TRACE: keep it at INFO unless
    // RUST_LOG names it (`RUST_LOG=trace,ureq=trace`).
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    if !std::env::var("RUST_LOG").is_ok_and(|filter| filter.contains("ureq")) {
        logger
            .filter_module("ureq", log::LevelFilter::Info)
            .filter_module("ureq_proto", log::LevelFilter::Info);
    }
    logger.init();
    let result = Args::parse(std::env::args().skip(1)).and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("authn: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("authn: error: {}", msg.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}

//! What each command does, through the SDK: one module per command group, and [`run`], which
//! sends each command to its group.

pub mod access;
mod applying;
mod clusters;
mod completions;
mod config;
mod provision;
mod roles;
mod saved_plan;
mod server;
mod spec;
mod tokens;
mod users;

pub use applying::APPLY_EXIT_CODES;

use std::path::PathBuf;
use std::time::Duration;

use aistore_authn::env::{cli_config_dir, token_file_path, Settings, TokenSource, ENV_URL};
use aistore_authn::{Bucket, Client};
use serde_json::json;

use crate::args::{Add, Command, Rm, Set, Show};
use crate::output::{self, table};
use crate::Failure;

/// The global options a command needs.
pub struct Ctx {
    pub json: bool,
    pub no_headers: bool,
    /// `--url`, which wins over `AIS_AUTHN_URL`.
    pub url: Option<String>,
    /// `-f/--file` naming the token file, which wins over `AIS_AUTHN_TOKEN_FILE` and
    /// `AIS_AUTHN_TOKEN`.
    pub file: Option<PathBuf>,
    /// `-f/--file` of `plan` and `apply`, which names the spec there.
    pub spec_file: Option<PathBuf>,
    /// `--timeout`: how long one request may take, retries included.
    pub timeout: Option<Duration>,
}

const NOT_LOGGED_IN: &str = "not logged in (run `ais-authn login USER_NAME`, or set \
                             AIS_AUTHN_TOKEN or AIS_AUTHN_TOKEN_FILE)";

impl Ctx {
    /// The settings as the ais CLI would find them, the environment and cli.json, with the
    /// command line's `--url` and `-f/--file` in place of the variables they override.
    fn settings(&self) -> Result<Settings, Failure> {
        let vars = |name: &str| match (name, &self.url) {
            (ENV_URL, Some(url)) => Some(url.clone()),
            _ => std::env::var(name).ok(),
        };
        let mut settings = Settings::from_vars(vars, cli_config_dir().as_deref())?;
        if let Some(file) = &self.file {
            // A file named on the command line beats a token in the environment.
            settings.token = TokenSource::File(file.clone());
        }
        Ok(settings)
    }

    /// The client as the ais CLI would be configured: URL, TLS and token from the environment,
    /// cli.json and the token file.
    fn client(&self) -> Result<Client, Failure> {
        Ok(known(self.timed(self.settings()?.into_builder()?).build()?))
    }

    /// `builder` with `--timeout`, if given.
    fn timed(&self, builder: aistore_authn::ClientBuilder) -> aistore_authn::ClientBuilder {
        match self.timeout {
            Some(timeout) => builder.timeout(timeout),
            None => builder,
        }
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
        let mut settings = self.settings()?;
        settings.token = TokenSource::None;
        Ok(known(self.timed(settings.into_builder()?).build()?))
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
        Command::Login(login) => tokens::login(ctx, &login),
        Command::Logout => tokens::logout(ctx),
        Command::Whoami => tokens::whoami(ctx),
        Command::Show(show) => self::show(ctx, show),
        Command::Add(add) => self::add(ctx, add),
        Command::Set(set) => self::set(ctx, set),
        Command::Rm(rm) => self::rm(ctx, rm),
        Command::RotateKey => server::rotate_key(ctx),
        Command::Plan(args) => provision::show_plan(ctx, &args),
        Command::Apply(args) => provision::apply(ctx, &args),
        Command::Export => provision::export(ctx),
        Command::Can(args) => access::can(ctx, &args),
        Command::WhoCan(args) => access::who_can(ctx, &args),
        Command::ExplainToken(args) => access::explain_token(ctx, &args),
        Command::Validate { spec } => spec::validate(ctx, spec.as_ref()),
        Command::Completions { shell } => {
            completions::print(shell);
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, show: Show) -> Result<(), Failure> {
    match show {
        Show::User { name, verbosity } => users::show(ctx, name.as_deref(), &verbosity),
        Show::Role {
            name,
            verbosity,
            cluster,
        } => roles::show(ctx, name.as_deref(), &verbosity, cluster.as_deref()),
        Show::Cluster { id } => clusters::show(ctx, id),
        Show::Config { prefix } => config::show(ctx, prefix),
        Show::Oidc => server::show_oidc(ctx),
        Show::Jwks => server::show_jwks(ctx),
        Show::PublicKey => server::show_public_key(ctx),
    }
}

fn add(ctx: &Ctx, add: Add) -> Result<(), Failure> {
    match add {
        Add::User(spec) => users::add(ctx, spec),
        Add::Role(spec) => roles::add(ctx, &spec),
        Add::Cluster {
            args,
            id,
            allow_plain_http,
        } => clusters::add(ctx, args, id, allow_plain_http),
    }
}

fn set(ctx: &Ctx, set: Set) -> Result<(), Failure> {
    match set {
        Set::User(spec) => users::set(ctx, spec),
        Set::Role(spec) => roles::set(ctx, &spec),
        Set::Cluster {
            cluster,
            args,
            alias,
            allow_plain_http,
        } => clusters::set(ctx, cluster, args, alias, allow_plain_http),
        Set::Config {
            pairs,
            secret_stdin,
            secret_file,
        } => config::set(ctx, pairs, secret_stdin, secret_file),
    }
}

fn rm(ctx: &Ctx, rm: Rm) -> Result<(), Failure> {
    let (kind, name) = match rm {
        Rm::Token {
            token,
            token_stdin,
            yes,
        } => {
            let token = match (token_stdin, yes) {
                // The answer to the question would come from stdin, which holds the token.
                (true, false) => {
                    return Err(Failure::usage(
                        "--token-stdin takes stdin, where the confirmation would be read: add \
                         --yes (-y)",
                    ))
                }
                (true, true) => Some(crate::prompt::line_from_stdin("--token-stdin")?),
                (false, _) => token,
            };
            return tokens::rm_token(ctx, token, yes);
        }
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

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// A bucket as the ais CLI writes it, without the cluster namespace AuthN keeps in it.
fn bucket_uri(bucket: &Bucket) -> String {
    Bucket::new(&bucket.provider, &bucket.name).to_string()
}

/// A cluster entry's ID for a table: the empty ID is the entry for every cluster.
pub(crate) fn cluster_id(id: &str) -> String {
    if id.is_empty() {
        "(all clusters)".to_owned()
    } else {
        id.to_owned()
    }
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
    }
}

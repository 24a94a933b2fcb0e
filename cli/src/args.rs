//! The command line, declared for clap: the verbs, arguments and flags of `ais auth` v1.5.0.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

const AFTER_HELP: &str = "\
Configuration, as the ais CLI's: the server is --url, else $AIS_AUTHN_URL, else auth.url in
~/.config/ais/cli/cli.json; the login is the token file (-f/--file, else $AIS_AUTHN_TOKEN_FILE,
else ~/.config/ais/cli/auth.token), or $AIS_AUTHN_TOKEN. TLS: $AIS_CLIENT_CA,
$AIS_SKIP_VERIFY_CRT, $AIS_CRT/$AIS_CRT_KEY, or the cluster section of cli.json.

Errors go to stderr: `ais-authn: error: ...`, then one indented line per further problem (a
spec's problems, a tip, the usage); with --json, one line of JSON instead:
{\"error\": \"...\", \"details\": [\"...\"], \"exit_code\": N}.

Exit codes:
  0  done
  1  failed: the server refused or could not be reached, or a problem found after a request
     was sent (nothing more was done)
  2  usage: a bad command line, or an argument or spec refused before any request was sent
     (`validate`: the spec is not valid); `plan --detailed-exitcode`: there are changes
  3  partly applied: `apply` made some changes, or may have (a request that timed out), and
     not others (its report says which; `apply --help` has more)";

/// Manage users, roles, clusters and tokens on an AIStore AuthN server.
#[derive(Debug, Parser)]
#[command(name = "ais-authn", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after its name.
#[derive(Debug, Args)]
pub struct Global {
    /// The AuthN server [default: $AIS_AUTHN_URL, else auth.url in the ais CLI's cli.json]
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// The token file: where `login` saves the token and other commands read it [default:
    /// $AIS_AUTHN_TOKEN_FILE, else ~/.config/ais/cli/auth.token, shared with the ais CLI]
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print JSON instead of tables
    #[arg(short = 'j', long, global = true)]
    pub json: bool,
    /// Print tables without their header lines
    #[arg(
        short = 'H',
        long = "no-headers",
        visible_alias = "no-header",
        global = true
    )]
    pub no_headers: bool,
    /// How long one request may take, retries included, e.g. 10s, 500ms, 2m (a plain number
    /// is seconds) [default: 60s]
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

/// `--timeout`: a duration of more than 0.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    match crate::commands::parse_duration(text)? {
        zero if zero.is_zero() => Err("must be more than 0".to_owned()),
        timeout => Ok(timeout),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with a user name and password; save the token to the token file
    Login(Login),
    /// Revoke the saved token and remove the token file
    Logout,
    /// Show who the token is: identity, current roles, and the access the token grants
    Whoami,
    /// Show users, roles, clusters, the server's configuration and keys
    #[command(subcommand)]
    Show(Show),
    /// Add a user, role or cluster
    #[command(subcommand)]
    Add(Add),
    /// Change a user, role, cluster or the server's configuration
    #[command(subcommand, visible_alias = "update")]
    Set(Set),
    /// Remove a user, role or cluster; revoke a token
    #[command(subcommand)]
    Rm(Rm),
    /// Make a new RSA signing key (admin; RSA-signing servers only)
    RotateKey,
    /// Print a shell completion script, e.g. `ais-authn completions bash > /etc/bash_completion.d/ais-authn`
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Show what `apply` would change to make the server match a spec (reads only)
    #[command(after_help = PLAN_EXIT_CODES)]
    Plan(Plan),
    /// Make the server match a spec, or carry out a plan saved by `plan -o FILE`: the plan, a
    /// confirmation, then clusters, roles, users and prunes; exit 3 when only part of it was
    /// done
    #[command(after_help = crate::commands::APPLY_EXIT_CODES)]
    Apply(Apply),
    /// Print the server's clusters, roles and users as a spec (JSON; no passwords)
    Export,
    /// May a user (or --role) do PERMS on a cluster or bucket, by its roles now? Exit 0 yes,
    /// 1 no; a line says which role entry grants it or why nothing does
    Can(crate::commands::access::CanArgs),
    /// Who may do PERMS on a cluster or bucket: the users and roles that grant it (admins
    /// marked); three reads
    WhoCan(crate::commands::access::WhoCanArgs),
    /// The token's claims and what it allows on each registered cluster, verified with the
    /// server's key when it can be had (else marked NOT VERIFIED)
    ExplainToken(crate::commands::access::ExplainArgs),
    /// Check a spec without a server: every problem, one per line; exit 0 valid, 2 not
    Validate {
        /// The spec (JSON); or -f/--file SPEC
        #[arg(value_name = "SPEC")]
        spec: Option<PathBuf>,
    },
}

/// The commands whose `-f/--file` names the spec, not the token file.
pub const SPEC_COMMANDS: [&str; 3] = ["plan", "apply", "validate"];

/// The command line as clap parses it: [`Cli`], with `-f/--file` described as the spec on the
/// commands that take one. (A subcommand with an argument of its own of a global argument's id
/// keeps its own: clap propagates the global one to the others only.)
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let spec_file = clap::Arg::new("file")
        .short('f')
        .long("file")
        .value_name("SPEC")
        .value_parser(clap::value_parser!(PathBuf))
        .help(
            "The spec, as SPEC (for this command -f names the spec; the login comes from \
             $AIS_AUTHN_TOKEN_FILE, $AIS_AUTHN_TOKEN or ~/.config/ais/cli/auth.token)",
        );
    let mut cmd = Cli::command();
    for name in SPEC_COMMANDS {
        cmd = cmd.mut_subcommand(name, |sub| sub.arg(spec_file.clone()));
    }
    cmd
}

/// The spec file and what to do with entities it does not name, for `plan` and `apply`.
#[derive(Debug, Args)]
pub struct Provision {
    /// The spec (JSON); or -f/--file SPEC (not both). Relative {"file": PATH} password
    /// sources are read from the spec's directory (regular files of at most 4 KiB). `apply`
    /// also takes a plan saved by `plan -o`
    #[arg(value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// Also delete the users, roles and clusters the spec does not name (never `admin`,
    /// `Admin`, the logged-in user, `external_roles`, or the roles AuthN made for the spec's
    /// clusters)
    #[arg(long)]
    pub prune: bool,
    /// Let the plan take Admin from the logged-in user when the spec lists that user without
    /// it (refused otherwise: you could no longer administer AuthN, nor undo the plan)
    #[arg(long)]
    pub allow_own_admin_removal: bool,
}

const PLAN_EXIT_CODES: &str = "\
Exit codes with --detailed-exitcode (as terraform plan's):
  0  no changes: the server matches the spec
  1  error (a bad command line, an invalid spec, or a failed request included)
  2  changes: `apply` would change something (the plan is printed)";

#[derive(Debug, Args)]
pub struct Plan {
    #[command(flatten)]
    pub target: Provision,
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on any error
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also save the plan to FILE (mode 0600, replacing it) for `apply FILE`, which carries
    /// it out exactly or refuses if the server changed since; it holds the spec's password
    /// sources, never a password or token
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Apply {
    #[command(flatten)]
    pub target: Provision,
    /// How many changes are made at once (user creates are bcrypt-bound on the server)
    #[arg(long, value_name = "N", default_value_t = aistore_authn::provision::DEFAULT_PARALLEL)]
    pub parallel: usize,
    /// Apply without asking (needed when stdin is not a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `-p/--password` or `--password-stdin`; neither: a prompt without echo.
#[derive(Debug, Args)]
pub struct Password {
    /// The password (visible to other users in `ps` and kept in shell history: prefer the
    /// prompt or --password-stdin)
    #[arg(
        short = 'p',
        long,
        value_name = "PASSWORD",
        allow_hyphen_values = true,
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct Login {
    /// The user [prompted for when left out]
    #[arg(value_name = "USER_NAME")]
    pub user: Option<String>,
    #[command(flatten)]
    pub password: Password,
    /// Token lifetime, e.g. 90m, 12h, 1h30m, 7d (a plain number is seconds) [default: the
    /// server's]
    #[arg(short = 'e', long, value_name = "DURATION")]
    pub expire: Option<String>,
    /// Fail unless this cluster (ID or alias) is registered, as `ais auth login --cluster`
    /// (AuthN v1.5.0 issues the same token either way)
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
}

/// `-v/--verbose` and `--non-verbose/--nv`, for `show user` and `show role`.
#[derive(Debug, Args)]
pub struct Verbosity {
    /// Details for every entry (the default when showing one)
    #[arg(short = 'v', long, conflicts_with = "non_verbose")]
    pub verbose: bool,
    /// One table row per entry (the default when listing)
    #[arg(long = "non-verbose", visible_alias = "nv")]
    pub non_verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Show {
    /// List users, or show one
    User {
        #[arg(value_name = "USER_NAME")]
        name: Option<String>,
        #[command(flatten)]
        verbosity: Verbosity,
    },
    /// List roles, or show one
    Role {
        #[arg(value_name = "ROLE")]
        name: Option<String>,
        #[command(flatten)]
        verbosity: Verbosity,
        /// Only roles with permissions on these clusters: comma-separated IDs or aliases
        /// (',' alone for the every-cluster entry)
        #[arg(long, value_name = "CLUSTER[,CLUSTER...]")]
        cluster: Option<String>,
    },
    /// List registered AIS clusters, or show one
    Cluster {
        #[arg(value_name = "CLUSTER_ID")]
        id: Option<String>,
    },
    /// Show the server's configuration (admin), or the part under a prefix
    Config {
        /// e.g. `auth` or `log.level`
        #[arg(value_name = "PREFIX")]
        prefix: Option<String>,
    },
    /// Show the OpenID-style discovery document
    Oidc,
    /// Show the public signing keys (RSA-signing servers)
    Jwks,
    /// Show the current public signing key, PEM (RSA-signing servers)
    #[command(name = "public-key", visible_alias = "pubkey")]
    PublicKey,
}

/// `--description`, `--cluster`, `--bucket` for `add role` and `set role`.
#[derive(Debug, Args)]
pub struct RoleSpec {
    #[arg(value_name = "ROLE")]
    pub name: String,
    /// ro, rw, su, or operations such as GET, PUT, LIST-BUCKETS, CREATE-BUCKET (see
    /// `ais auth` docs); given together, they are combined
    #[arg(value_name = "PERMISSION")]
    pub perms: Vec<String>,
    /// The role's description
    #[arg(long = "description", visible_alias = "desc", value_name = "TEXT")]
    pub desc: Option<String>,
    /// The permissions apply to this cluster (ID or alias) [default: every cluster]
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// ... and only to this bucket of it: ais://name, s3://name, gs://name, az://name,
    /// oc://name (a plain name is ais://name)
    #[arg(long, value_name = "BUCKET", requires = "cluster")]
    pub bucket: Option<String>,
}

/// A user, its roles and its password, for `add user` and `set user`.
#[derive(Debug, Args)]
pub struct UserSpec {
    /// The user [prompted for when left out]
    #[arg(value_name = "USER_NAME")]
    pub name: Option<String>,
    #[arg(value_name = "ROLE")]
    pub roles: Vec<String>,
    #[command(flatten)]
    pub password: Password,
}

#[derive(Debug, Subcommand)]
pub enum Add {
    /// Add a user with roles
    User(UserSpec),
    /// Add a role with permissions on every cluster, one cluster, or one bucket
    Role(RoleSpec),
    /// Register an AIS cluster: by asking the first URL that answers for its ID (no URL: the
    /// ais CLI's cluster, $AIS_ENDPOINT or cluster.url in its cli.json), or with --id without
    /// contacting it
    #[command(override_usage = "ais-authn add cluster [ALIAS] [URL...]\n       \
                                ais-authn add cluster --id CLUSTER_ID [ALIAS] [URL...]")]
    Cluster {
        /// An alias, and the cluster's URLs (http:// or https://)
        #[arg(value_name = "ALIAS|URL")]
        args: Vec<String>,
        /// The cluster's ID (its UUID); with no URLs AuthN then contacts nothing
        #[arg(long, value_name = "CLUSTER_ID")]
        id: Option<String>,
        /// Accept plain http:// URLs to other hosts: AuthN sends each URL an admin token,
        /// readable on the way without TLS
        #[arg(long)]
        allow_plain_http: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Set {
    /// Change a user's password or roles (roles given replace the user's); neither: asks for
    /// a new password
    User(UserSpec),
    /// Change a role's description and permissions (merged into the role's: AuthN never
    /// removes a permission entry)
    Role(RoleSpec),
    /// Change a cluster's URLs or (with --alias) its alias
    #[command(
        override_usage = "ais-authn set cluster CLUSTER_ID|ALIAS [URL...] [--alias NEW_ALIAS]"
    )]
    Cluster {
        /// The cluster: ID or alias
        #[arg(value_name = "CLUSTER_ID|ALIAS")]
        cluster: String,
        /// New URLs (http:// or https://)
        #[arg(value_name = "URL")]
        args: Vec<String>,
        /// The new alias
        #[arg(long, value_name = "ALIAS")]
        alias: Option<String>,
        /// Accept plain http:// URLs to other hosts: AuthN sends each URL an admin token,
        /// readable on the way without TLS
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Change the server's configuration: auth.expiration_time, log.level, auth.secret
    #[command(
        override_usage = "ais-authn set config NAME=VALUE [NAME=VALUE...]\n       \
                          ais-authn set config NAME VALUE [NAME VALUE...]",
        after_help = "Names: auth.expiration_time (the default token lifetime, e.g. 12h; at least \
                      1m), log.level (0 to 5), auth.secret (a new HMAC secret: every token \
                      issued before stops working, the saved one included)."
    )]
    Config {
        #[arg(value_name = "NAME=VALUE", required_unless_present_any = ["secret_stdin", "secret_file"])]
        pairs: Vec<String>,
        /// A new auth.secret from the first line of stdin (kept out of ps and shell history)
        #[arg(long, conflicts_with = "secret_file")]
        secret_stdin: bool,
        /// A new auth.secret from this file (its first line; a regular file of at most 64 KiB)
        #[arg(long, value_name = "FILE")]
        secret_file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Rm {
    /// Remove a user
    User {
        #[arg(value_name = "USER_NAME")]
        name: String,
    },
    /// Remove a role
    Role {
        #[arg(value_name = "ROLE")]
        name: String,
    },
    /// Unregister a cluster
    Cluster {
        #[arg(value_name = "CLUSTER_ID|ALIAS")]
        name: String,
    },
    /// Revoke a token: TOKEN, else the one in the token file (which is then removed); asks
    /// for confirmation first
    Token {
        /// The token (visible to other users in `ps`: prefer --token-stdin or -f FILE)
        #[arg(value_name = "TOKEN")]
        token: Option<String>,
        /// The token from the first line of stdin (then --yes is needed: stdin is taken)
        #[arg(long, conflicts_with = "token")]
        token_stdin: bool,
        /// Revoke without asking (needed when stdin is not a terminal)
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
        let plan = super::command()
            .find_subcommand_mut("plan")
            .unwrap()
            .render_help()
            .to_string();
        assert!(plan.contains("-f, --file <SPEC>"), "{plan}");
    }
}

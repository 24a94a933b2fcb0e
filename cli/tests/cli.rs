//! `ais-authn` against the real AuthN server (the testkit starts one per test): every verb,
//! tables and JSON, exit codes, prompts and confirmations, and a login shared with the SDK and
//! the `ais` CLI's token file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aistore_authn::env::{load_token_file, save_token_file};
use aistore_authn::{Client, Error, Token};
use aistore_authn_testkit::LocalServer;
use serde_json::Value;

/// The binary under test, built by cargo for this integration test.
const BIN: &str = env!("CARGO_BIN_EXE_ais-authn");

/// What every error line starts with.
const ERROR: &str = "ais-authn: error: ";
/// The first words of the warning for a password on the command line.
const PASSWORD_WARNING: &str = "ais-authn: warning: a password on the command line";

/// A name no other test uses, valid as a user, role or alias name.
fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{:x}-{n}", std::process::id())
}

/// A real server, a home directory and a token file of the test's own.
struct Cli {
    server: LocalServer,
    url: String,
    home: PathBuf,
    token_file: PathBuf,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs the binary with `args`, `stdin` (closed when `None`) and `env` added to a cleaned
/// environment: no AIS_* or proxy variables from outside, no RUST_LOG.
fn run_bin(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("AIS_") || k.to_ascii_lowercase().ends_with("_proxy") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A child that fails before reading its input closes the pipe: that is its answer.
        let _ = input.write_all(text.as_bytes());
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Cli {
    fn new(name: &str) -> Cli {
        Cli::with(name, LocalServer::start())
    }

    fn with(
        name: &str,
        server: Result<LocalServer, aistore_authn_testkit::LocalServerError>,
    ) -> Cli {
        let server = server
            .unwrap_or_else(|e| panic!("cannot start the real AuthN server for the tests:\n{e}"));
        let home =
            std::env::temp_dir().join(format!("ais-authn-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        Cli {
            url: server.url(),
            server,
            token_file: home.join("auth.token"),
            home,
        }
    }

    fn run_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
        let token_file = self.token_file.to_str().unwrap();
        let home = self.home.to_str().unwrap();
        let mut all = vec![
            ("AIS_AUTHN_URL", self.url.as_str()),
            ("AIS_AUTHN_TOKEN_FILE", token_file),
            ("HOME", home),
        ];
        all.extend_from_slice(env);
        run_bin(args, stdin, &all)
    }

    fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Out {
        self.run_env(args, stdin, &[])
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    /// Runs and requires success.
    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(
            out.code, 0,
            "ais-authn {args:?}: {}{}",
            out.stdout, out.stderr
        );
        out
    }

    /// Runs with `--json` and returns the parsed output.
    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.ok(&args).json()
    }

    /// Runs and requires exit `code` with a one-line error containing `want`.
    fn exits(&self, code: i32, args: &[&str], want: &str) -> Out {
        let out = self.run(args);
        assert_exit(&out, code, args, want);
        out
    }

    /// Exit 1 (failed) with `want` in the one-line error.
    fn fails(&self, args: &[&str], want: &str) -> Out {
        self.exits(1, args, want)
    }

    fn admin_password(&self) -> String {
        self.server.admin_password().to_owned()
    }

    fn login_admin(&self) {
        let pw = format!("{}\n", self.admin_password());
        let out = self.run_with(&["login", "admin", "--password-stdin"], Some(&pw));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, "", "no warning for --password-stdin");
    }

    /// An SDK client logged in as the administrator.
    fn admin(&self) -> Client {
        self.server.admin_client().unwrap()
    }

    /// An SDK client sending `token`.
    fn with_token(&self, token: &str) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .token(token)
            .build()
            .unwrap()
    }

    /// A fresh token of `user`, from the SDK.
    fn token_of(&self, user: &str, password: &str) -> String {
        let mut client = Client::builder(&self.url)
            .proxy_from_env(false)
            .build()
            .unwrap();
        client
            .login(user, password, None)
            .unwrap()
            .as_str()
            .to_owned()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// Exit `code`, and a single error line (after any password warning) containing `want`.
fn assert_exit(out: &Out, code: i32, args: &[&str], want: &str) {
    assert_eq!(
        out.code, code,
        "ais-authn {args:?} should exit {code}: {}{}",
        out.stdout, out.stderr
    );
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with(PASSWORD_WARNING))
        .collect();
    assert_eq!(errors.len(), 1, "one line: {}", out.stderr);
    assert!(
        errors[0].starts_with(ERROR) && errors[0].contains(want),
        "ais-authn {args:?}: want {want:?} in: {}",
        out.stderr
    );
}

fn subject(file: &Path) -> String {
    Token::parse(&load_token_file(file).unwrap())
        .unwrap()
        .subject()
        .to_owned()
}

fn is_revoked(cli: &Cli, token: &str) -> bool {
    match cli.with_token(token).whoami() {
        Ok(_) => false,
        Err(Error::Unauthorized { .. }) => true,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn help_usage_errors_and_completions() {
    // No server needed: nothing here reaches one.
    let run = |args: &[&str]| run_bin(args, None, &[("AIS_AUTHN_URL", "http://127.0.0.1:9")]);
    for args in [&["--help"][..], &["help"], &["-h"]] {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for want in [
            "Usage: ais-authn",
            "rotate-key",
            "Exit codes:",
            "3  partly applied",
        ] {
            assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
        }
    }
    for verb in [
        &["login"][..],
        &["logout"],
        &["whoami"],
        &["show"],
        &["show", "role"],
        &["add", "cluster"],
        &["set", "config"],
        &["update", "user"],
        &["rm", "token"],
        &["rotate-key"],
        &["completions"],
    ] {
        let mut args = verb.to_vec();
        args.push("--help");
        let out = run(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains("Usage: ais-authn "),
            "{args:?}: {}",
            out.stdout
        );
    }
    let out = run(&["show", "role", "--help"]);
    assert!(out.stdout.contains("--cluster") && out.stdout.contains("--non-verbose"));
    let out = run(&["--version"]);
    assert_eq!((out.code, out.stdout.trim()), (0, "ais-authn 0.1.0"));

    // Usage errors: exit 2, one line.
    let usage = |args: &[&str], want: &str| assert_exit(&run(args), 2, args, want);
    usage(&["fly"], "unrecognized subcommand 'fly'");
    usage(
        &["show", "user", "--bogus"],
        "unexpected argument '--bogus'",
    );
    usage(&["show", "bogus"], "unrecognized subcommand 'bogus'");
    usage(
        &["login", "admin", "-p"],
        "a value is required for '--password",
    );
    usage(
        &["login", "admin", "-p", "x", "-e", "soon"],
        "--expire soon",
    );
    usage(&["login", "admin", "-p", "x", "--expire=0"], "--expire 0");
    usage(
        &["login", "admin", "-p", "x", "--password-stdin"],
        "cannot be used with",
    );
    usage(&["rm", "user"], "USER_NAME");
    usage(&["add", "role", "r", "--bucket", "ais://b"], "--cluster");
    usage(&["set", "config"], "NAME=VALUE");
    usage(&["set", "config", "net.http.port=1"], "cannot be set");
    usage(&["set", "config", "log.level"], "the value is missing");
    usage(&["completions", "tcsh"], "invalid value 'tcsh'");
    // No command: the help, on stderr, and exit 2.
    for args in [&[][..], &["show"], &["rm"]] {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains("Usage: ais-authn"), "{}", out.stderr);
    }

    // Completion scripts.
    let out = run(&["completions", "bash"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.len() > 1000
            && out.stdout.contains("complete -F _ais__authn")
            && out.stdout.contains("rotate-key")
            && out.stdout.contains("--password-stdin"),
        "{}",
        out.stdout
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(
            out.code == 0 && out.stdout.contains("ais-authn"),
            "{shell}: {}",
            out.stderr
        );
    }
}

#[test]
fn login_whoami_logout_share_the_token_file() {
    let cli = Cli::new("login");
    let pw = cli.admin_password();
    // `--flag=value` forms, and -e.
    let out = cli.ok(&["login", "admin", &format!("--password={pw}"), "--expire=2h"]);
    assert!(out.stdout.contains("Logged in as admin"), "{}", out.stdout);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    assert_eq!(subject(&cli.token_file), "admin");
    let token = Token::parse(&load_token_file(&cli.token_file).unwrap()).unwrap();
    let left = token.time_left();
    assert!(left > Duration::from_secs(7100) && left <= Duration::from_secs(7200));

    let out = cli.ok(&["whoami"]);
    for want in [
        "Identity",
        "User",
        "admin",
        "Admin",
        "yes",
        "Roles",
        "Full admin access",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let who = cli.json(&["whoami"]);
    assert_eq!(
        (
            who["user"].as_str(),
            who["admin"].as_bool(),
            who["stale"].as_bool()
        ),
        (Some("admin"), Some(true), Some(false))
    );
    assert_eq!(who["roles"], serde_json::json!(["Admin"]));
    assert_eq!(
        who["expires_at"].as_u64(),
        Some(
            token
                .claims()
                .expires_at
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        )
    );

    // The SDK reads the CLI's login, and the CLI reads one the SDK saved.
    let sdk = cli.with_token(&load_token_file(&cli.token_file).unwrap());
    let id = unique("shared");
    sdk.user_manager().create(&id, &[], "pw").unwrap();
    save_token_file(&cli.token_file, &cli.token_of(&id, "pw")).unwrap();
    let who = cli.json(&["whoami"]);
    assert_eq!(who["user"].as_str(), Some(id.as_str()));
    assert_eq!(who["roles"], serde_json::json!([]));

    // A password from stdin when not given (a script's pipe; a terminal gets a no-echo prompt).
    let out = cli.run_with(&["login", &id], Some("pw\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(subject(&cli.token_file), id);
    cli.fails(&["login", &id, "-p", "wrong"], "invalid credentials");
    // Without a user name and a terminal to ask on: usage.
    let out = cli.run_with(&["login", "--password-stdin"], Some("pw\n"));
    assert_exit(&out, 2, &["login"], "USER_NAME is required");

    // -f/--file: another token file, for login and for the commands after it.
    let other = cli.home.join("other.token");
    let other_s = other.to_str().unwrap();
    let out = cli.run_with(
        &["login", "admin", "--password-stdin", "--file", other_s],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(subject(&other), "admin");
    assert_eq!(
        subject(&cli.token_file),
        id,
        "the default file is left alone"
    );
    let who = cli.json(&["whoami", &format!("--file={other_s}")]);
    assert_eq!(who["user"].as_str(), Some("admin"));
    let who = cli.json(&["-f", other_s, "whoami"]);
    assert_eq!(
        who["user"].as_str(),
        Some("admin"),
        "global flags go before the verb too"
    );
    // --url beats AIS_AUTHN_URL.
    let out = cli.run_env(
        &["whoami", "--json", &format!("--url={}", cli.url)],
        None,
        &[("AIS_AUTHN_URL", "http://127.0.0.1:9")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = cli.run_env(
        &["show", "user"],
        None,
        &[("AIS_AUTHN_URL", "http://127.0.0.1:9")],
    );
    assert_exit(&out, 1, &["show", "user"], "127.0.0.1:9");
    // AIS_AUTHN_TOKEN, as the ais CLI reads it.
    let admin_token = load_token_file(&other).unwrap();
    let out = cli.run_env(
        &["whoami", "--json"],
        None,
        &[("AIS_AUTHN_TOKEN", &admin_token)],
    );
    assert_eq!(out.json()["user"].as_str(), Some("admin"));

    // logout revokes and removes.
    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.json(&["logout"]);
    assert_eq!(
        (out["logged_out"].as_bool(), out["revoked"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(!cli.token_file.exists(), "the token file is removed");
    assert!(is_revoked(&cli, &token));
    cli.fails(&["whoami"], "not logged in");
    cli.fails(&["show", "user"], "not logged in");
    cli.fails(&["logout"], "token file");
    let out = cli.ok(&["logout", "-f", other_s]);
    assert!(
        out.stdout.contains("Logged out (token revoked"),
        "{}",
        out.stdout
    );
    assert!(!other.exists());

    // A malformed token file does not block a new login; logging out with a token AuthN does
    // not accept (one it never signed) still ends the login.
    std::fs::write(&cli.token_file, "{broken").unwrap();
    cli.fails(&["whoami"], "is not JSON");
    cli.login_admin();
    assert_eq!(subject(&cli.token_file), "admin");
    let foreign = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    save_token_file(&cli.token_file, foreign).unwrap();
    let out = cli.ok(&["logout"]);
    assert!(
        out.stdout.contains("no longer valid") && !cli.token_file.exists(),
        "{}",
        out.stdout
    );
    // An expired token: whoami says so.
    let expired = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTAwMDAwMDAwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    save_token_file(&cli.token_file, expired).unwrap();
    cli.fails(&["whoami"], "token expired at 2001-09-09T01:46:40Z");
}

#[test]
fn users_roles_and_clusters_end_to_end() {
    let cli = Cli::new("crud");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("ops"), unique("al"));

    let c = cli.json(&["add", "cluster", "--id", &id, &alias]);
    assert_eq!(
        (c["id"].as_str(), c["alias"].as_str()),
        (Some(id.as_str()), Some(alias.as_str()))
    );
    let out = cli.ok(&["show", "cluster"]);
    assert!(
        out.stdout.starts_with("CLUSTER ID") && out.stdout.contains(&alias),
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "cluster", "--no-headers"]);
    assert!(
        out.stdout.starts_with(&id) && !out.stdout.contains("CLUSTER ID"),
        "{}",
        out.stdout
    );
    // `show cluster --json` is an array even with one cluster; a named one is an object.
    let all = cli.json(&["show", "cluster"]);
    assert!(
        all.as_array()
            .is_some_and(|a| a.iter().any(|c| c["id"] == id.as_str())),
        "{all}"
    );
    assert_eq!(
        cli.json(&["show", "cluster", &alias])["id"].as_str(),
        Some(id.as_str())
    );
    cli.fails(
        &["add", "cluster", "--id", &id, &unique("c")],
        "already registered",
    );
    cli.exits(
        2,
        &["add", "cluster", "a1", "a2", "--id", "x"],
        "second alias",
    );
    cli.exits(2, &["add", "cluster", "a1"], "needs the cluster's URL");

    let r = cli.json(&[
        "add",
        "role",
        &role,
        "ro",
        "CREATE-BUCKET",
        "--cluster",
        &alias,
        "--description=operators",
    ]);
    assert_eq!(r["desc"].as_str(), Some("operators"));
    assert_eq!(r["clusters"][0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(
        r["clusters"][0]["perm"].as_str(),
        Some("17155"),
        "ro|CREATE-BUCKET on the wire"
    );
    let out = cli.ok(&["show", "role", &role]);
    for want in ["Role", "operators", "CLUSTER ID", &id, "ro,CREATE-BUCKET"] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let out = cli.ok(&["show", "role", &role, "--nv"]);
    assert!(
        out.stdout.starts_with("ROLE") && out.stdout.lines().count() == 2,
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "role"]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&role))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains("operators"), "{line}");
    let all = cli.json(&["show", "role"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == role.as_str()));
    // --cluster keeps the roles with entries on that cluster (by ID or alias).
    let other = unique("other");
    cli.ok(&["add", "role", &other, "rw", "--desc", "on all clusters"]);
    for filter in [alias.as_str(), id.as_str()] {
        let names: Vec<String> = cli
            .json(&["show", "role", "--cluster", filter])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        // (AuthN adds its own roles for a new cluster: BucketOwner-ALIAS and others.)
        assert!(
            names.contains(&role) && !names.contains(&other),
            "--cluster {filter}: {names:?}"
        );
    }
    let filtered = cli.json(&["show", "role", "--cluster", ","]);
    assert!(filtered
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == other.as_str()));
    assert!(!filtered
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == role.as_str()));
    let out = cli.ok(&["show", "role", "--verbose"]);
    assert!(
        out.stdout.contains("on all clusters") && out.stdout.contains("(all clusters)"),
        "{}",
        out.stdout
    );
    cli.fails(
        &["show", "role", "--cluster", "no-such-cluster"],
        "no-such-cluster",
    );

    let u = cli.json(&["add", "user", &user, &role, "-p", "first"]);
    assert_eq!(u["id"].as_str(), Some(user.as_str()));
    assert_eq!(u["roles"][0]["name"].as_str(), Some(role.as_str()));
    let out = cli.ok(&["show", "user"]);
    assert!(out.stdout.starts_with("NAME"), "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&user))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains(&role), "{line}");
    let out = cli.ok(&["show", "user", "-H"]);
    assert!(
        !out.stdout.contains("NAME") && out.stdout.contains(&user),
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "user", &user]);
    for want in [
        "Name",
        &user,
        "Roles",
        &role,
        "CLUSTER ID",
        &id,
        "ro,CREATE-BUCKET",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let out = cli.ok(&["show", "user", &user, "--non-verbose", "--no-headers"]);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    let out = cli.ok(&["show", "user", "-v"]);
    assert!(
        out.stdout.contains(&format!("Name   {user}")),
        "{}",
        out.stdout
    );
    let users = cli.json(&["show", "user"]);
    assert!(
        users.get(&user).is_some() && users.get("admin").is_some(),
        "{users}"
    );
    assert_eq!(
        cli.json(&["show", "user", &user])["roles"][0]["name"].as_str(),
        Some(role.as_str())
    );
    cli.fails(&["add", "user", &user, "-p", "again"], "already exists");
    cli.fails(
        &["add", "user", &unique("u"), "ghost-role", "-p", "x"],
        "ghost-role",
    );

    // set user: a new password, new roles; `update` is `set`.
    let out = cli.ok(&["set", "user", &user, "-p", "second"]);
    assert!(
        out.stdout.contains(&format!("Updated user {user}")),
        "{}",
        out.stdout
    );
    cli.token_of(&user, "second");
    let u = cli.json(&["update", "user", &user, &other]);
    assert_eq!(u["roles"][0]["name"].as_str(), Some(other.as_str()));
    let out = cli.run_with(&["set", "user", &user], Some("third\n"));
    assert_eq!(out.code, 0, "asks for the new password: {}", out.stderr);
    cli.token_of(&user, "third");

    // set role merges: same cluster, new permissions.
    cli.ok(&["set", "role", &role, "PUT", "--cluster", &id]);
    let r = cli.json(&["show", "role", &role]);
    assert_eq!(r["clusters"][0]["perm"].as_str(), Some("4"), "{r}");
    let r = cli.json(&["update", "role", &role, "--desc", "new words"]);
    assert_eq!(r["desc"].as_str(), Some("new words"));
    cli.exits(2, &["set", "role", &role], "changes nothing");

    // Buckets in the ais CLI's form, plain names as ais://.
    let bk = unique("bk");
    let r = cli.json(&[
        "add",
        "role",
        &bk,
        "rw",
        "--cluster",
        &alias,
        "--bucket",
        "s3://logs",
    ]);
    let bck = &r["buckets"][0]["bck"];
    assert_eq!(
        (bck["provider"].as_str(), bck["name"].as_str()),
        (Some("aws"), Some("logs")),
        "{r}"
    );
    let out = cli.ok(&["show", "role", &bk]);
    assert!(
        out.stdout.contains("s3://logs") && out.stdout.contains(&id),
        "{}",
        out.stdout
    );
    let r = cli.json(&[
        "set",
        "role",
        &bk,
        "ro",
        "--cluster",
        &alias,
        "--bucket=raw",
    ]);
    let buckets: Vec<(&str, &str)> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bck"]["provider"].as_str().unwrap(),
                b["bck"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(buckets, [("aws", "logs"), ("ais", "raw")], "{r}");
    // Arguments the SDK refuses are usage errors.
    cli.exits(
        2,
        &[
            "set",
            "role",
            &bk,
            "ro",
            "--cluster",
            &alias,
            "--bucket",
            "ftp://x",
        ],
        "unknown provider \"ftp\"",
    );
    cli.exits(
        2,
        &["add", "role", &unique("r"), "FLY", "--cluster", &id],
        "unknown permission \"FLY\"",
    );

    // set cluster: a new alias positionally or with --alias; URLs.
    let renamed = unique("c");
    let c = cli.json(&["set", "cluster", &alias, "--alias", &renamed]);
    assert_eq!(c["alias"].as_str(), Some(renamed.as_str()));
    // (Not with URLs: AuthN v1.5.0 then contacts the cluster, and there is none here.)
    let again = unique("c");
    let c = cli.json(&["update", "cluster", &id, &again]);
    assert_eq!(c["alias"].as_str(), Some(again.as_str()));
    let out = cli.ok(&["show", "cluster", &again]);
    assert!(out.stdout.contains(&id), "{}", out.stdout);
    cli.exits(2, &["set", "cluster", &id, "a1", "a2"], "one new alias");

    // rm.
    let out = cli.ok(&["rm", "user", &user]);
    assert!(
        out.stdout.contains(&format!("Removed user {user}")),
        "{}",
        out.stdout
    );
    cli.fails(&["show", "user", &user], "does not exist");
    let out = cli.json(&["rm", "role", &role]);
    assert_eq!(
        (out["removed"].as_str(), out["name"].as_str()),
        (Some("role"), Some(role.as_str()))
    );
    cli.fails(&["rm", "role", &role], "does not exist");
    cli.ok(&["rm", "cluster", &again]);
    cli.fails(&["rm", "cluster", &again], "is not registered");
    assert!(cli.admin().cluster_manager().get(&id).is_err());
}

#[test]
fn rm_token_asks_first_and_revokes() {
    let cli = Cli::new("rmtoken");
    cli.login_admin();
    let id = unique("tok");
    let out = cli.run_with(&["add", "user", &id, "--password-stdin"], Some("pw\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = cli.token_of(&id, "pw");

    // Not a terminal and no --yes: usage, and nothing is revoked.
    let out = cli.run_with(&["rm", "token", &token], Some("y\n"));
    assert_exit(&out, 2, &["rm", "token"], "--yes");
    assert!(!is_revoked(&cli, &token), "nothing revoked without --yes");
    let saved = load_token_file(&cli.token_file).unwrap();
    let out = cli.run(&["rm", "token"]);
    assert_exit(&out, 2, &["rm", "token"], "stdin is not a terminal");
    assert!(cli.token_file.exists() && !is_revoked(&cli, &saved));

    // --yes revokes the given token; the saved login stays.
    let out = cli.ok(&["rm", "token", &token, "--yes"]);
    assert!(
        out.stdout.contains(&format!("Revoked a token of {id}")),
        "{}",
        out.stdout
    );
    assert!(is_revoked(&cli, &token));
    assert!(cli.token_file.exists());
    let other = cli.token_of(&id, "pw");
    let out = cli.json(&["rm", "token", &other, "-y"]);
    assert_eq!(
        (out["revoked"].as_bool(), out["user"].as_str()),
        (Some(true), Some(id.as_str()))
    );
    assert!(is_revoked(&cli, &other));

    // Not a token: failed, whatever --yes says.
    cli.fails(&["rm", "token", "not-a-token", "-y"], "invalid token");
    cli.fails(&["rm", "token", "not-a-token"], "command-line argument");

    // No TOKEN: the saved one, and the file is removed.
    let out = cli.ok(&["rm", "token", "-y"]);
    assert!(
        out.stdout.contains("Revoked a token of admin"),
        "{}",
        out.stdout
    );
    assert!(!cli.token_file.exists());
    assert!(is_revoked(&cli, &saved));
}

#[test]
fn server_config_oidc_and_hmac_keys() {
    let cli = Cli::new("config");
    cli.login_admin();
    let out = cli.ok(&["show", "config"]);
    assert!(out.stdout.starts_with("PROPERTY"), "{}", out.stdout);
    for want in [
        "auth.expiration_time",
        "auth.max_token_age",
        "log.level",
        "net.http.port",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let secret = cli
        .admin()
        .server_manager()
        .config()
        .unwrap()
        .secret()
        .unwrap()
        .to_owned();
    assert!(
        !out.stdout.contains(&secret),
        "the HMAC secret is never shown"
    );
    let out = cli.ok(&["show", "config", "log", "--no-headers"]);
    assert!(
        out.stdout.lines().all(|l| l.starts_with("log.")),
        "{}",
        out.stdout
    );
    cli.exits(
        2,
        &["show", "config", "nothing.here"],
        "no configuration name",
    );
    let config = cli.json(&["show", "config"]);
    assert_eq!(config["auth"]["secret"].as_str(), Some("[redacted]"));
    assert_eq!(
        config["net"]["http"]["port"].as_u64(),
        Some(u64::from(cli.server.port()))
    );

    // set config: NAME=VALUE and NAME VALUE.
    let out = cli.ok(&["set", "config", "auth.expiration_time=2h", "log.level", "4"]);
    assert!(
        out.stdout
            .contains("Updated auth.expiration_time=2h, log.level=4"),
        "{}",
        out.stdout
    );
    let now = cli.admin().server_manager().config().unwrap();
    assert_eq!(now.expiration_time(), Some(Duration::from_secs(7200)));
    assert_eq!(now.log_level(), Some(4));
    let set = cli.json(&["update", "config", "log.level=3"]);
    assert_eq!(set["updated"]["log.level"].as_str(), Some("3"));
    assert_eq!(
        cli.json(&["show", "config"])["log"]["level"].as_str(),
        Some("3")
    );
    // New logins get the new default lifetime.
    cli.login_admin();
    let left = Token::parse(&load_token_file(&cli.token_file).unwrap())
        .unwrap()
        .time_left();
    assert!(
        left > Duration::from_secs(7100) && left <= Duration::from_secs(7200),
        "{left:?}"
    );
    cli.exits(
        2,
        &["set", "config", "auth.expiration_time=30s"],
        "at least one minute",
    );
    cli.exits(2, &["set", "config", "log.level=9"], "0 to 5");
    cli.fails(
        &["set", "config", "auth.expiration_time=100000h"],
        "max_token_age",
    );

    let oidc = cli.json(&["show", "oidc"]);
    assert!(
        oidc["jwks_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/.well-known/jwks.json")),
        "{oidc}"
    );
    assert!(oidc["issuer"].as_str().is_some_and(|i| !i.is_empty()));
    let out = cli.ok(&["show", "oidc"]);
    assert!(
        out.stdout.contains("token_endpoint") && out.stdout.starts_with("PROPERTY"),
        "{}",
        out.stdout
    );

    // An HMAC server has no public key, and nothing to rotate.
    cli.fails(&["show", "jwks"], "");
    cli.fails(&["show", "public-key"], "");
    cli.fails(&["rotate-key"], "");

    // A new secret: every token before it, the saved one included, stops working.
    let before = load_token_file(&cli.token_file).unwrap();
    let out = cli.ok(&["set", "config", "auth.secret=n3w-s3cret-value"]);
    assert!(
        out.stdout.contains("auth.secret=[redacted]") && !out.stdout.contains("n3w-s3cret"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("a secret on the command line") && out.stderr.contains("log in again"),
        "{}",
        out.stderr
    );
    assert!(is_revoked(&cli, &before));
    cli.login_admin();
    cli.ok(&["show", "config"]);
}

#[test]
fn rsa_server_jwks_public_key_and_rotation() {
    let cli = Cli::with("rsa", LocalServer::builder().rsa_signing().start());
    cli.login_admin();
    let jwks = cli.json(&["show", "jwks"]);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["kty"].as_str(), Some("RSA"));
    let kid = keys[0]["kid"].as_str().unwrap().to_owned();
    let out = cli.ok(&["show", "jwks"]);
    assert!(
        out.stdout.starts_with("KID") && out.stdout.contains(&kid),
        "{}",
        out.stdout
    );
    for verb in ["public-key", "pubkey"] {
        let out = cli.ok(&["show", verb]);
        assert!(
            out.stdout.starts_with("-----BEGIN PUBLIC KEY-----"),
            "{}",
            out.stdout
        );
    }
    let pem = cli.json(&["show", "public-key"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    // The public endpoints need no login.
    std::fs::remove_file(&cli.token_file).unwrap();
    cli.ok(&["show", "jwks"]);
    cli.fails(&["rotate-key"], "not logged in");
    cli.login_admin();

    let out = cli.ok(&["rotate-key"]);
    assert!(
        out.stdout.contains("Key rotated successfully"),
        "{}",
        out.stdout
    );
    assert_eq!(cli.json(&["rotate-key"])["rotated"].as_bool(), Some(true));
    let keys = cli.json(&["show", "jwks"])["keys"]
        .as_array()
        .unwrap()
        .len();
    assert!(keys >= 2, "old keys stay in the JWKS: {keys}");
    let new_pem = cli.json(&["show", "public-key"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(pem, new_pem);
    // A new login is signed with the new key; the old token still works.
    let old = load_token_file(&cli.token_file).unwrap();
    cli.login_admin();
    let new = Token::parse(&load_token_file(&cli.token_file).unwrap()).unwrap();
    assert_ne!(new.key_id(), Some(kid.as_str()));
    assert!(!is_revoked(&cli, &old));
    cli.ok(&["whoami"]);
}

#[test]
fn whoami_shows_token_access_and_stale_roles() {
    let cli = Cli::new("whoami");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("r"), unique("u"));
    cli.ok(&["add", "cluster", "--id", &id, &alias]);
    cli.ok(&[
        "add",
        "role",
        &role,
        "ro",
        "--cluster",
        &alias,
        "--desc",
        "readers",
    ]);
    cli.ok(&[
        "add",
        "role",
        &format!("{role}b"),
        "rw",
        "--cluster",
        &alias,
        "--bucket",
        "ais://data",
    ]);
    cli.ok(&["add", "user", &user, &role, "-p", "pw"]);
    let user_file = cli.home.join("user.token");
    let f = user_file.to_str().unwrap();
    cli.ok(&["login", &user, "-p", "pw", "-f", f]);

    let out = cli.ok(&["whoami", "-f", f]);
    for want in [
        "Identity",
        &user,
        "no",
        "Roles",
        &role,
        "readers",
        "Access",
        "CLUSTER",
        "PERMISSIONS",
        "ro",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let who = cli.json(&["whoami", "-f", f]);
    assert_eq!(
        (who["admin"].as_bool(), who["stale"].as_bool()),
        (Some(false), Some(false)),
        "{who}"
    );
    assert_eq!(who["roles"], serde_json::json!([role]));
    assert_eq!(
        who["access"]["clusters"][0]["id"].as_str(),
        Some(id.as_str()),
        "{who}"
    );

    // The roles change after login: the token's access is stale.
    cli.ok(&["set", "user", &user, &role, &format!("{role}b")]);
    let out = cli.ok(&["whoami", "-f", f]);
    assert!(
        out.stderr.contains("warning: the user's roles changed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        cli.json(&["whoami", "-f", f])["stale"].as_bool(),
        Some(true)
    );
    cli.ok(&["login", &user, "-p", "pw", "-f", f]);
    let out = cli.ok(&["whoami", "-f", f]);
    assert!(
        out.stdout.contains("BUCKET") && out.stdout.contains("ais://data"),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // A user not allowed to list users: the server says so, exit 1.
    cli.fails(&["show", "user", "-f", f], "");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let cli = Cli::new("pipe");
    cli.login_admin();
    for _ in 0..3 {
        cli.ok(&["add", "role", &unique("r"), "ro"]);
    }
    for args in [&["--help"][..], &["completions", "bash"], &["show", "role"]] {
        let mut child = Command::new(BIN)
            .args(args)
            .env("AIS_AUTHN_URL", &cli.url)
            .env("AIS_AUTHN_TOKEN_FILE", &cli.token_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before the first line is written
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn passwords_warn_stdin_works_and_ureq_never_logs_the_token() {
    let cli = Cli::new("pwwarn");
    let pw = cli.admin_password();
    let out = cli.ok(&["login", "admin", "-p", &pw]);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = cli.ok(&["add", "user", &unique("u"), &format!("--password={pw}")]);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    let out = cli.run_with(
        &["login", "admin", "--password-stdin"],
        Some(&format!("{pw}\nignored\n")),
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "no warning for --password-stdin"
    );
    let empty = cli.run_with(&["login", "admin", "--password-stdin"], Some("\n"));
    assert_exit(&empty, 2, &["login"], "stdin holds no password");
    let wrong = cli.run_with(&["login", "admin", "--password-stdin"], Some("wrong\n"));
    assert_exit(&wrong, 1, &["login"], "invalid credentials");

    // RUST_LOG=trace: the SDK's own lines, but not ureq's header dumps with the token.
    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("aistore_authn"), "{}", out.stderr);
    assert!(!out.stderr.contains(&token), "the token was logged");
    // Asking for ureq by name gets its lines: the filter above is what kept them out.
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace,ureq=trace")]);
    assert!(out.stderr.contains("ureq"), "{}", out.stderr);
}

#[test]
fn plan_apply_export_with_json_exit_codes_and_confirmation() {
    let cli = Cli::new("provision");
    cli.login_admin();
    let dir = cli.home.join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    let (role, user, cluster) = (unique("ops"), unique("pu"), unique("pc"));
    std::fs::write(dir.join("pw"), "s3cret-pw\n").unwrap();
    let spec = serde_json::json!({
        "clusters": [{"id": format!("{cluster}-id"), "alias": cluster}],
        "roles": [{"name": role, "description": "operators",
                   "acls": [{"cluster": cluster, "perms": "ro,CREATE-BUCKET"},
                            {"cluster": cluster, "bucket": "s3://logs", "perms": "GET"}]}],
        "users": [{"id": user, "roles": [role], "password": {"file": dir.join("pw")}}]
    });
    let path = dir.join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let path = path.to_str().unwrap();

    // plan: what would change, as text and as JSON, with the spec positional or after -f.
    let out = cli.ok(&["plan", path]);
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("create user {user}")),
        "{}",
        out.stdout
    );
    let planned = cli.json(&["plan", "-f", path]);
    assert_eq!(planned["actions"].as_array().unwrap().len(), 3, "{planned}");
    assert!(
        !planned.to_string().contains("s3cret-pw"),
        "the plan shows no password"
    );

    // apply: refused without --yes when stdin is not a terminal, nothing done.
    cli.exits(2, &["apply", path], "--yes");
    assert!(cli.admin().user_manager().get(&user).is_err());
    let report = cli.json(&["apply", path, "--yes", "--parallel", "2"]);
    let statuses: Vec<&str> = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(statuses, ["done"; 3], "{report}");

    let mut alice = Client::builder(&cli.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    alice.login(&user, "s3cret-pw", None).unwrap();
    // Progress on stderr: plain lines when stderr is not a terminal.
    std::fs::write(
        path,
        spec.to_string().replace("operators", "operators of c1"),
    )
    .unwrap();
    let out = cli.ok(&["apply", path, "-y"]);
    assert!(
        out.stderr.contains("1/1 changes made (0 failed)"),
        "{}",
        out.stderr
    );
    // On a terminal (script(1) gives the command one), a bar redrawn in place.
    std::fs::write(
        path,
        spec.to_string()
            .replace("operators", "operators of c1 and c2"),
    )
    .unwrap();
    let command = format!(
        "{BIN} apply {path} -y --url {} --file {}",
        cli.url,
        cli.token_file.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(
        shown.contains("\r[##############################] 1/1 (0 failed)"),
        "{shown:?}"
    );
    let again = cli.ok(&["apply", "-f", path, "-y"]);
    assert!(again.stdout.contains("Nothing to do"), "{}", again.stdout);
    assert_eq!(cli.ok(&["plan", path]).stdout.trim(), "nothing to do");

    // export: the server as a spec, the role's ACLs in the CLI's words.
    let exported = cli.json(&["export"]);
    let exported_role = exported["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == role.as_str())
        .expect("the role is exported")
        .clone();
    assert_eq!(exported_role["description"], "operators of c1 and c2");
    assert!(exported.to_string().contains("s3://logs"), "{exported}");

    // A bad spec: exit 2 with every problem and its path; nothing sent.
    std::fs::write(dir.join("bad.json"), r#"{"roles": [{"name": "-bad", "acls": [{"cluster": "x", "perms": "FLY"}]}], "users": [{"id": "u", "roles": ["nope"]}]}"#).unwrap();
    let bad = cli.exits(
        2,
        &["plan", dir.join("bad.json").to_str().unwrap()],
        "not valid",
    );
    assert!(
        bad.stderr.contains("roles[0]") && bad.stderr.contains("users[0]"),
        "{}",
        bad.stderr
    );
    cli.exits(2, &["plan"], "which spec");

    // A role the server lacks, named as external: the plan is refused (exit 2), nothing done.
    let role2 = unique("r2");
    let external = serde_json::json!({
        "roles": [{"name": role2, "acls": [{"cluster": "*", "perms": "ro"}]}],
        "external_roles": ["ghost-role"]
    });
    std::fs::write(dir.join("external.json"), external.to_string()).unwrap();
    cli.exits(
        2,
        &[
            "apply",
            dir.join("external.json").to_str().unwrap(),
            "--yes",
        ],
        "ghost-role",
    );
    assert!(cli.admin().role_manager().get(&role2).is_err());

    // Partly applied: exit 3. A cluster whose URL answers AuthN's handshake with a 500 cannot
    // be registered, so its role and user are skipped; the independent role is made.
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refusing_url = format!("http://{}", refusing.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in refusing.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let (bad_cluster, role3, role4, user3) =
        (unique("bc"), unique("r3"), unique("r4"), unique("u3"));
    let partial = serde_json::json!({
        "clusters": [{"id": format!("{bad_cluster}-id"), "alias": bad_cluster, "urls": [refusing_url]}],
        "roles": [{"name": role3, "acls": [{"cluster": bad_cluster, "perms": "ro"}]},
                  {"name": role4, "acls": [{"cluster": "*", "perms": "ro"}]}],
        "users": [{"id": user3, "roles": [role3], "password": {"file": dir.join("pw")}}]
    });
    std::fs::write(dir.join("partial.json"), partial.to_string()).unwrap();
    let out = cli.run(&[
        "apply",
        dir.join("partial.json").to_str().unwrap(),
        "--yes",
        "--json",
    ]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("partly applied"), "{}", out.stderr);
    let report = out.json();
    let status_of = |name: &str| {
        report["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["status"].as_str().unwrap_or("?").to_owned())
    };
    assert_eq!(
        status_of(&format!("{bad_cluster}-id")).as_deref(),
        Some("failed"),
        "{report}"
    );
    assert_eq!(status_of(&role3).as_deref(), Some("skipped"), "{report}");
    assert_eq!(status_of(&user3).as_deref(), Some("skipped"), "{report}");
    assert_eq!(status_of(&role4).as_deref(), Some("done"), "{report}");
    let admin = cli.admin();
    assert!(admin.role_manager().get(&role4).is_ok());
    assert!(admin.user_manager().get(&user3).is_err());
}

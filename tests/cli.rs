//! The `authn` example CLI against the real AuthN server: every verb, tables and JSON, exit
//! codes, prompts, and a login shared with the `ais` CLI's token file.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aistore_authn::env::{load_token_file, save_token_file};
use aistore_authn::{Client, Error, Token};
use serde_json::Value;
use support::{unique, TestServer};

/// The example binary `cargo test` builds next to the test binaries.
fn authn_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir
        .join("examples")
        .join(format!("authn{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: plain `cargo test` builds the examples; with a test filter, run \
         `cargo build --example authn` first",
        bin.display()
    );
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/authn.rs");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).unwrap();
    assert!(
        modified(&bin) >= modified(&source),
        "{} is older than examples/authn.rs: run plain `cargo test`, or `cargo build --example \
         authn` first",
        bin.display()
    );
    bin
}

struct Cli {
    server: TestServer,
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

impl Cli {
    fn new(name: &str) -> Cli {
        let home = std::env::temp_dir().join(format!("authn-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        Cli {
            server: TestServer::start(),
            token_file: home.join("auth.token"),
            home,
        }
    }

    fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Out {
        self.run_env(args, stdin, &[])
    }

    fn run_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new(authn_bin());
        cmd.env_remove("RUST_LOG").envs(env.iter().copied());
        for (k, _) in std::env::vars() {
            if k.starts_with("AIS_") || k.ends_with("_PROXY") || k.ends_with("_proxy") {
                cmd.env_remove(k);
            }
        }
        cmd.args(args)
            .env("AIS_AUTHN_URL", &self.server.url)
            .env("AIS_AUTHN_TOKEN_FILE", &self.token_file)
            .env("HOME", &self.home)
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

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    /// Runs and requires success.
    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "authn {args:?}: {}{}", out.stdout, out.stderr);
        out
    }

    /// Runs and requires exit 1 with a one-line error containing `want`.
    fn fails(&self, args: &[&str], want: &str) {
        let out = self.run(args);
        assert_eq!(
            out.code, 1,
            "authn {args:?} should fail: {}{}",
            out.stdout, out.stderr
        );
        // The warning a password on the command line gets comes first.
        let errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| !l.starts_with("authn: warning: a password on the command line"))
            .collect();
        assert_eq!(errors.len(), 1, "one line: {}", out.stderr);
        assert!(
            errors[0].starts_with("authn: error: ") && errors[0].contains(want),
            "{}",
            out.stderr
        );
    }

    fn login_admin(&self) {
        let pw = format!("{}\n", self.server.admin_password);
        let out = self.run_with(
            &["login", &self.server.admin_user, "--password-stdin"],
            Some(&pw),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, "", "no warning for --password-stdin");
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn subject(file: &Path) -> String {
    Token::parse(&load_token_file(file).unwrap())
        .unwrap()
        .subject()
        .to_owned()
}

#[test]
fn help_and_usage_errors() {
    let cli = Cli::new("help");
    for args in [&["--help"][..], &["help"], &[]] {
        let out = cli.ok(args);
        assert!(
            out.stdout.contains("USAGE: authn") && out.stdout.contains("rm token"),
            "{}",
            out.stdout
        );
    }
    for verb in ["login", "show", "add", "set", "rm"] {
        let out = cli.ok(&[verb, "--help"]);
        assert!(
            out.stdout.starts_with(&format!("USAGE: authn {verb}")),
            "{verb}: {}",
            out.stdout
        );
    }
    cli.ok(&["add", "user", "--help"]);
    for (args, want) in [
        (&["fly"][..], "unknown command `fly`"),
        (&["show"], "`show` needs a kind"),
        (&["show", "user", "--bogus"], "unknown option --bogus"),
        (&["login", "admin", "-p"], "--password needs a value"),
        (&["login", "admin", "-p", "x", "-e", "soon"], "--expire"),
    ] {
        let out = cli.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("authn: ") && out.stderr.contains(want),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn login_whoami_logout_share_the_token_file() {
    let cli = Cli::new("login");
    let out = cli.ok(&[
        "login",
        &cli.server.admin_user,
        "-p",
        &cli.server.admin_password,
        "-e",
        "2h",
    ]);
    assert!(out.stdout.contains("Logged in as admin"), "{}", out.stdout);
    assert_eq!(subject(&cli.token_file), "admin");
    let left = Token::parse(&load_token_file(&cli.token_file).unwrap())
        .unwrap()
        .time_left();
    assert!(
        left > std::time::Duration::from_secs(7100) && left <= std::time::Duration::from_secs(7200)
    );

    let out = cli.ok(&["whoami"]);
    assert!(
        out.stdout.contains("user     admin") && out.stdout.contains("Admin"),
        "{}",
        out.stdout
    );
    let who = cli.ok(&["whoami", "--json"]).json();
    assert_eq!(
        (who["user"].as_str(), who["admin"].as_bool()),
        (Some("admin"), Some(true))
    );

    // The SDK reads the CLI's login, and the CLI reads one the SDK saved.
    let sdk = Client::builder(&cli.server.url)
        .proxy_from_env(false)
        .token(load_token_file(&cli.token_file).unwrap())
        .build()
        .unwrap();
    let id = unique("shared");
    sdk.user_manager().create(&id, &[], "pw").unwrap();
    let user_token = cli.server.login(&id, "pw").token().unwrap();
    save_token_file(&cli.token_file, &user_token).unwrap();
    let who = cli.ok(&["whoami", "--json"]).json();
    assert_eq!(who["user"].as_str(), Some(id.as_str()));

    // A password from stdin when not given (a script's pipe; a terminal gets a no-echo prompt).
    let out = cli.run_with(&["login", &id], Some("pw\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(subject(&cli.token_file), id);
    cli.fails(&["login", &id, "-p", "wrong"], "invalid credentials");

    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.ok(&["logout"]);
    assert!(out.stdout.contains("Logged out"), "{}", out.stdout);
    assert!(!cli.token_file.exists(), "the token file is removed");
    let revoked = cli
        .server
        .with_token(&token)
        .user_manager()
        .get(&id)
        .unwrap_err();
    assert!(
        matches!(revoked, Error::Unauthorized { ref message, .. } if message.contains("revoked")),
        "{revoked:?}"
    );
    cli.fails(&["whoami"], "not logged in");
    cli.fails(&["logout"], "token file");
}

#[test]
fn users_roles_and_clusters_end_to_end() {
    let cli = Cli::new("crud");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("ops"), unique("al"));

    let c = cli
        .ok(&["add", "cluster", "--id", &id, &alias, "--json"])
        .json();
    assert_eq!(
        (c["id"].as_str(), c["alias"].as_str()),
        (Some(id.as_str()), Some(alias.as_str()))
    );
    let out = cli.ok(&["show", "cluster"]);
    assert!(
        out.stdout.starts_with("ID") && out.stdout.contains(&alias),
        "{}",
        out.stdout
    );

    let r = cli
        .ok(&[
            "add",
            "role",
            &role,
            "ro",
            "CREATE-BUCKET",
            "--cluster",
            &alias,
            "--desc",
            "operators",
            "--json",
        ])
        .json();
    assert_eq!(r["clusters"][0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(
        r["clusters"][0]["perm"].as_str(),
        Some("17155"),
        "ro|CREATE-BUCKET on the wire"
    );
    let out = cli.ok(&["show", "role", &role]);
    assert!(
        out.stdout.contains("operators") && out.stdout.contains("ro,CREATE-BUCKET"),
        "{}",
        out.stdout
    );
    let all = cli.ok(&["show", "role", "--json"]).json();
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == role.as_str()));

    let u = cli
        .ok(&["add", "user", &user, &role, "-p", "first", "--json"])
        .json();
    assert_eq!(u["roles"][0]["name"].as_str(), Some(role.as_str()));
    let out = cli.ok(&["show", "user"]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&user))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains(&role), "{line}");
    let out = cli.ok(&["show", "user", &user]);
    assert!(
        out.stdout
            .contains(&format!("{alias} ({id}): ro,CREATE-BUCKET"))
            || out.stdout.contains(&format!("{id}: ro,CREATE-BUCKET")),
        "{}",
        out.stdout
    );
    let users = cli.ok(&["show", "user", "--json"]).json();
    assert!(users.get(&user).is_some() && users.get("admin").is_some());
    cli.fails(&["add", "user", &user, "-p", "again"], "already exists");
    cli.fails(
        &["add", "user", &unique("u"), "ghost-role", "-p", "x"],
        "role \"ghost-role\" does not exist",
    );

    cli.ok(&["set", "user", &user, "-p", "second"]);
    cli.server.login(&user, "second");
    cli.ok(&["set", "role", &role, "PUT", "--cluster", &id]);
    let r = cli.ok(&["show", "role", &role, "--json"]).json();
    assert_eq!(
        r["clusters"][0]["perm"].as_str(),
        Some("4"),
        "merged: same cluster, new perms"
    );
    let renamed = unique("c");
    let c = cli
        .ok(&["set", "cluster", &alias, "--alias", &renamed, "--json"])
        .json();
    assert_eq!(c["alias"].as_str(), Some(renamed.as_str()));

    let out = cli.ok(&["rm", "user", &user]);
    assert!(out.stdout.contains("Removed user"), "{}", out.stdout);
    cli.fails(&["show", "user", &user], "does not exist");
    cli.ok(&["rm", "role", &role, "--json"]);
    cli.ok(&["rm", "cluster", &renamed]);
    cli.fails(&["rm", "cluster", &renamed], "is not registered");
}

#[test]
fn rm_token_revokes_a_given_token() {
    let cli = Cli::new("rmtoken");
    cli.login_admin();
    let id = unique("tok");
    cli.ok(&["add", "user", &id, "-p", "pw"]);
    let token = cli.server.login(&id, "pw").token().unwrap();
    let out = cli.ok(&["rm", "token", &token]);
    assert!(
        out.stdout.contains(&format!("Revoked a token of {id}")),
        "{}",
        out.stdout
    );
    let err = cli
        .server
        .with_token(&token)
        .user_manager()
        .get(&id)
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    cli.fails(&["rm", "token", "not-a-token"], "invalid token");
}

#[test]
fn ais_style_forms_prompts_and_saved_tokens() {
    let cli = Cli::new("forms");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("bk"), unique("u"));
    cli.ok(&["add", "cluster", "--id", &id, &alias]);

    // `show cluster --json` is an array even with one cluster; a named one is an object.
    let all = cli.ok(&["show", "cluster", "--json"]).json();
    assert!(
        all.as_array()
            .is_some_and(|a| a.iter().any(|c| c["id"] == id.as_str())),
        "{all}"
    );
    let one = cli.ok(&["show", "cluster", &alias, "--json"]).json();
    assert_eq!(one["id"].as_str(), Some(id.as_str()));
    let out = cli.ok(&["show", "cluster", &alias]);
    assert!(
        out.stdout.starts_with("ID") && out.stdout.contains(&id),
        "{}",
        out.stdout
    );

    // The ais CLI's bucket URI names the provider; `update` is `set`; a new alias positionally.
    let r = cli
        .ok(&[
            "add",
            "role",
            &role,
            "rw",
            "--cluster",
            &alias,
            "--bucket",
            "s3://logs",
            "--json",
        ])
        .json();
    let bck = &r["buckets"][0]["bck"];
    assert_eq!(
        (bck["provider"].as_str(), bck["name"].as_str()),
        (Some("aws"), Some("logs")),
        "{r}"
    );
    let out = cli.ok(&["show", "role", &role]);
    assert!(
        out.stdout.contains(&format!("s3://logs on {id}: rw")),
        "{}",
        out.stdout
    );
    // `set role` takes the same URIs and merges; a URI the SDK refuses is a usage error.
    let r = cli
        .ok(&[
            "set",
            "role",
            &role,
            "ro",
            "--cluster",
            &alias,
            "--bucket",
            "gs://models",
            "--json",
        ])
        .json();
    let buckets: Vec<(&str, &str)> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bck"]["provider"].as_str().unwrap_or(""),
                b["bck"]["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(buckets, [("aws", "logs"), ("gcp", "models")], "{r}");
    let out = cli.run(&[
        "set",
        "role",
        &role,
        "ro",
        "--cluster",
        &alias,
        "--bucket",
        "ftp://x",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown provider \"ftp\""),
        "{}",
        out.stderr
    );
    let renamed = unique("c");
    let c = cli
        .ok(&["update", "cluster", &id, &renamed, "--json"])
        .json();
    assert_eq!(c["alias"].as_str(), Some(renamed.as_str()));

    // `set user NAME` alone asks for the new password (read from stdin when piped).
    cli.ok(&["add", "user", &user, "-p", "first"]);
    let out = cli.run_with(&["set", "user", &user], Some("second\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    cli.server.login(&user, "second");

    // Bad arguments the SDK refuses are usage errors: exit 2.
    let out = cli.run(&["add", "role", &unique("r"), "FLY", "--cluster", &id]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown permission \"FLY\""),
        "{}",
        out.stderr
    );
    for verb in ["logout", "whoami"] {
        let out = cli.ok(&[verb, "--help"]);
        assert!(
            out.stdout.starts_with(&format!("USAGE: authn {verb}")),
            "{}",
            out.stdout
        );
    }

    // `rm token` with no argument revokes the saved token and removes it, as logout does.
    let saved = load_token_file(&cli.token_file).unwrap();
    let out = cli.ok(&["rm", "token"]);
    assert!(
        out.stdout.contains("Revoked a token of admin"),
        "{}",
        out.stdout
    );
    assert!(!cli.token_file.exists());
    let err = cli
        .server
        .with_token(&saved)
        .user_manager()
        .list()
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");

    // A malformed token file does not block a new login.
    std::fs::write(&cli.token_file, "{broken").unwrap();
    cli.login_admin();
    assert_eq!(subject(&cli.token_file), "admin");
    // Logging out with a token AuthN does not accept (here: one it never signed) still ends
    // the login. (Revoking an already revoked token is fine with AuthN: it says 200.)
    let foreign = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    save_token_file(&cli.token_file, foreign).unwrap();
    let out = cli.ok(&["logout"]);
    assert!(
        out.stdout.contains("no longer valid") && !cli.token_file.exists(),
        "{}",
        out.stdout
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let cli = Cli::new("pipe");
    let mut child = Command::new(authn_bin())
        .args(["--help"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before the first line is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    drop(cli);
}

#[test]
fn passwords_on_the_command_line_warn_and_ureq_never_logs_the_token() {
    let cli = Cli::new("pwwarn");
    let (admin, pw) = (
        cli.server.admin_user.clone(),
        cli.server.admin_password.clone(),
    );
    let out = cli.ok(&["login", &admin, "-p", &pw]);
    assert!(
        out.stderr
            .starts_with("authn: warning: a password on the command line"),
        "{}",
        out.stderr
    );
    let both = cli.run_with(
        &["login", &admin, "-p", &pw, "--password-stdin"],
        Some("x\n"),
    );
    assert_eq!(both.code, 2, "{}", both.stderr);
    let empty = cli.run_with(&["login", &admin, "--password-stdin"], Some("\n"));
    assert_eq!(empty.code, 2, "{}", empty.stderr);

    // RUST_LOG=trace: the crate's own lines, but not ureq's header dumps with the token.
    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("aistore_authn"), "{}", out.stderr);
    assert!(!out.stderr.contains(&token), "the token was logged");
    // Asking for ureq by name gets its lines: the filter above is what kept them out.
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace,ureq=trace")]);
    assert!(out.stderr.contains("ureq"), "{}", out.stderr);
}

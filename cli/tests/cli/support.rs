//! What the tests share: the binary, a real server with a home directory and token file of
//! the test's own, and assertions on exit codes and error lines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use aistore_authn::env::load_token_file;
use aistore_authn::{Client, Error, Token};
use aistore_authn_testkit::LocalServer;
use serde_json::Value;

/// The binary under test, built by cargo for this integration test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ais-authn");

/// What every error line starts with.
pub const ERROR: &str = "ais-authn: error: ";
/// The first words of the warning for a password on the command line.
pub const PASSWORD_WARNING: &str = "ais-authn: warning: a password on the command line";
/// The start of every warning about a password, secret or token given as an argument.
pub const SECRET_WARNING: &str = "ais-authn: warning: a ";

/// A name no other test uses, valid as a user, role or alias name.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{:x}-{n}", std::process::id())
}

/// A real server, a home directory and a token file of the test's own.
pub struct Cli {
    pub server: LocalServer,
    pub url: String,
    pub home: PathBuf,
    pub token_file: PathBuf,
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs the binary with `args`, `stdin` (closed when `None`) and `env` added to a cleaned
/// environment: no AIS_* or proxy variables from outside, no RUST_LOG.
pub fn run_bin(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
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
    pub fn new(name: &str) -> Cli {
        Cli::with(name, LocalServer::start())
    }

    pub fn with(
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

    pub fn run_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
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

    pub fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Out {
        self.run_env(args, stdin, &[])
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    /// Runs and requires success.
    pub fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(
            out.code, 0,
            "ais-authn {args:?}: {}{}",
            out.stdout, out.stderr
        );
        out
    }

    /// Runs with `--json` and returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.ok(&args).json()
    }

    /// Runs and requires exit `code` with an error containing `want`.
    pub fn exits(&self, code: i32, args: &[&str], want: &str) -> Out {
        let out = self.run(args);
        assert_exit(&out, code, args, want);
        out
    }

    /// Exit 1 (failed) with `want` in the error.
    pub fn fails(&self, args: &[&str], want: &str) -> Out {
        self.exits(1, args, want)
    }

    pub fn admin_password(&self) -> String {
        self.server.admin_password().to_owned()
    }

    pub fn login_admin(&self) {
        let pw = format!("{}\n", self.admin_password());
        let out = self.run_with(&["login", "admin", "--password-stdin"], Some(&pw));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, "", "no warning for --password-stdin");
    }

    /// Whether a test of `what`, which needs AuthN `since` or newer, can run on this test's
    /// server (false, and the skip recorded, only on an older release run on purpose).
    pub fn requires(&self, since: &str, what: &str) -> bool {
        crate::versions::requires(Some(self.server.version()), since, what)
    }

    /// True when this test's server is a release older than `version`, run on purpose.
    pub fn older_than(&self, version: &str) -> bool {
        crate::versions::older_than(Some(self.server.version()), version)
    }

    /// An SDK client logged in as the administrator.
    pub fn admin(&self) -> Client {
        self.server.admin_client().unwrap()
    }

    /// An SDK client sending `token`.
    pub fn with_token(&self, token: &str) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .token(token)
            .build()
            .unwrap()
    }

    /// A fresh token of `user`, from the SDK.
    pub fn token_of(&self, user: &str, password: &str) -> String {
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

/// Exit `code`, and an error (after any warning about a secret on the command line) as
/// `ais-authn` writes one: a first line `ais-authn: error: ...`, then one indented line per
/// further problem, tip or usage; `want` is in one of them.
pub fn assert_exit(out: &Out, code: i32, args: &[&str], want: &str) {
    assert_eq!(
        out.code, code,
        "ais-authn {args:?} should exit {code}: {}{}",
        out.stdout, out.stderr
    );
    let errors = error_lines(out);
    assert!(
        errors.first().is_some_and(|l| l.starts_with(ERROR)),
        "ais-authn {args:?}: no error line: {}",
        out.stderr
    );
    assert!(
        errors[1..].iter().all(|l| l.starts_with("  ")),
        "ais-authn {args:?}: one error, further lines indented: {}",
        out.stderr
    );
    assert!(
        errors.iter().any(|l| l.contains(want)),
        "ais-authn {args:?}: want {want:?} in: {}",
        out.stderr
    );
}

/// The lines of stderr after any warning about a secret on the command line.
pub fn error_lines(out: &Out) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| !l.starts_with(SECRET_WARNING))
        .collect()
}

pub fn subject(file: &Path) -> String {
    Token::parse(&load_token_file(file).unwrap())
        .unwrap()
        .subject()
        .to_owned()
}

pub fn is_revoked(cli: &Cli, token: &str) -> bool {
    match cli.with_token(token).whoami() {
        Ok(_) => false,
        Err(Error::Unauthorized { .. }) => true,
        Err(e) => panic!("{e}"),
    }
}

/// Asserts that AuthN refuses `token` as revoked, on servers that refuse revoked tokens on
/// their own API (v1.5.0; v1.4 servers only tell the clusters: the skip is recorded).
#[track_caller]
pub fn assert_revoked(cli: &Cli, token: &str) {
    if cli.requires("v1.5.0", "AuthN refusing revoked tokens on its own API") {
        assert!(is_revoked(cli, token), "not refused as revoked");
    }
}

/// `command` (a shell line) run on a terminal that script(1) gives it, with `typed` as what is
/// typed on it: the exit status (script's `-e`: the command's) and what the terminal showed,
/// each CRLF as LF. `NO_COLOR` and `RUST_LOG` are not passed on (set them in `command`).
pub fn on_terminal(command: &str, typed: &str) -> (std::process::ExitStatus, String) {
    let mut tty = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    tty.stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = tty.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    (out.status, shown)
}

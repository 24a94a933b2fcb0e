//! The `ais` CLI's settings (`env::Settings`), cli.json and the token file, against the real
//! AuthN server. Nothing here changes this process's environment, which every test thread
//! reads: the settings take a lookup in its place, and the tests of `Client::from_env` itself
//! (and of the proxy variables the transport reads) run a child process of this test binary
//! with an environment of its own.

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use aistore_authn::env::{
    cli_config_dir, load_token_file, save_token_file, token_file_path, Settings, TokenSource,
};
use aistore_authn::{Client, Error};

use crate::support::{http_reply, unique, Raw, Stub, TestServer};

/// Stand-in environment variables.
type Vars = HashMap<&'static str, String>;

/// The client the settings from `vars` and the CLI directory `cli` give.
fn client(vars: &Vars, cli: &Path) -> Result<Client, Error> {
    Settings::from_vars(|name| vars.get(name).cloned(), Some(cli))?
        .into_builder()?
        .build()
}

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a Config error, got {other:?}"),
    }
}

/// The I/O error kind of an [`Error::ConfigFile`], found through `source()` as a caller would.
fn io_kind(result: Result<Client, Error>) -> ErrorKind {
    let e = result.expect_err("a file that cannot be read");
    assert!(matches!(e, Error::ConfigFile { .. }), "{e:?}");
    std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
        .expect("the io::Error is the source")
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authn-env-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn settings_follow_the_cli_conventions() {
    let server = TestServer::start();
    let admin = server.admin();
    // One user per token source, so that each check shows which source was used.
    let (in_var, in_file, in_default) = (unique("var"), unique("file"), unique("dflt"));
    let mut tokens = Vec::new();
    for id in [&in_var, &in_file, &in_default] {
        admin.user_manager().create(id, &[], "pw").unwrap();
        tokens.push(server.login(id, "pw").token().unwrap());
    }
    let dir = temp_dir("conventions");
    let cli = dir.join("cli");
    fs::create_dir_all(&cli).unwrap();
    let mut vars = Vars::new();
    let who = |vars: &Vars| client(vars, &cli).unwrap().whoami().unwrap().user.id;

    // The URL is required and checked.
    assert!(config_error(client(&vars, &cli)).contains("AIS_AUTHN_URL is not set"));
    vars.insert("AIS_AUTHN_URL", "localhost:52001".into());
    assert!(config_error(client(&vars, &cli)).starts_with("AIS_AUTHN_URL"));
    vars.insert("AIS_AUTHN_URL", server.url.clone());
    let anonymous = client(&vars, &cli).unwrap();
    assert_eq!(
        (anonymous.base_url(), anonymous.token()),
        (server.url.as_str(), None)
    );

    // Lowest first: the ais CLI's default file in its directory, in the CLI's own format.
    let default: PathBuf = cli.join("auth.token");
    fs::write(&default, format!("{{\"token\": \"{}\"}}\n", tokens[2])).unwrap();
    assert_eq!(who(&vars), in_default);

    // AIS_AUTHN_TOKEN_FILE wins over the default file; a missing one means no token, a bad one
    // is an error.
    let file = dir.join("my.token");
    save_token_file(&file, &tokens[1]).unwrap();
    vars.insert("AIS_AUTHN_TOKEN_FILE", file.display().to_string());
    assert_eq!(who(&vars), in_file);
    let missing = dir.join("missing.token");
    vars.insert("AIS_AUTHN_TOKEN_FILE", missing.display().to_string());
    assert_eq!(
        client(&vars, &cli).unwrap().token(),
        None,
        "missing: not logged in"
    );
    fs::write(dir.join("bad.token"), "{not json").unwrap();
    vars.insert(
        "AIS_AUTHN_TOKEN_FILE",
        dir.join("bad.token").display().to_string(),
    );
    assert!(config_error(client(&vars, &cli)).contains("bad.token"));
    // A token file over 64 KiB is refused before it is parsed.
    let huge = format!("{{\"token\": \"{}\"}}", "x".repeat(70 * 1024));
    fs::write(dir.join("huge.token"), huge).unwrap();
    vars.insert(
        "AIS_AUTHN_TOKEN_FILE",
        dir.join("huge.token").display().to_string(),
    );
    let message = config_error(client(&vars, &cli));
    assert!(
        message.contains("huge.token") && message.contains("64 KiB"),
        "{message}"
    );
    vars.insert("AIS_AUTHN_TOKEN_FILE", file.display().to_string());

    // AIS_AUTHN_TOKEN wins over both.
    vars.insert("AIS_AUTHN_TOKEN", tokens[0].clone());
    assert_eq!(who(&vars), in_var);
    vars.insert("AIS_AUTHN_TOKEN", "two words".into());
    assert!(config_error(client(&vars, &cli)).contains("AIS_AUTHN_TOKEN"));
    vars.remove("AIS_AUTHN_TOKEN");
    vars.remove("AIS_AUTHN_TOKEN_FILE");

    // A login saved by a Rust tool is what the CLI reads from its default file.
    save_token_file(&default, &tokens[0]).unwrap();
    assert_eq!(
        fs::read_to_string(&default).unwrap(),
        format!("{{\"token\":\"{}\"}}", tokens[0])
    );
    assert_eq!(load_token_file(&default).unwrap(), tokens[0]);
    assert_eq!(who(&vars), in_var);

    // TLS variables are checked for https URLs, naming the variable or file, and unused for
    // plain http.
    let path = |name: &str| dir.join(name).display().to_string();
    vars.insert("AIS_SKIP_VERIFY_CRT", "perhaps".into());
    vars.insert("AIS_CLIENT_CA", path("no-ca.pem"));
    vars.insert("AIS_CRT", path("no-crt.pem"));
    assert_eq!(who(&vars), in_var, "http: TLS settings unused");
    vars.insert("AIS_AUTHN_URL", "https://127.0.0.1:1".into());
    assert!(config_error(client(&vars, &cli)).contains("AIS_SKIP_VERIFY_CRT"));
    vars.insert("AIS_SKIP_VERIFY_CRT", "false".into());
    let message = config_error(client(&vars, &cli));
    assert!(
        message.contains("AIS_CRT_KEY"),
        "a certificate without its key: {message}"
    );
    vars.insert("AIS_CRT_KEY", path("no-key.pem"));
    let missing_ca = client(&vars, &cli).unwrap_err();
    assert!(missing_ca.to_string().contains("no-ca.pem"), "{missing_ca}");
    assert_eq!(io_kind(Err(missing_ca)), ErrorKind::NotFound);
    fs::write(dir.join("empty.pem"), "no certificate here").unwrap();
    vars.insert("AIS_CLIENT_CA", path("empty.pem"));
    assert!(config_error(client(&vars, &cli)).contains("empty.pem"));
    vars.remove("AIS_CLIENT_CA");
    let missing_cert = client(&vars, &cli).unwrap_err();
    assert!(
        missing_cert.to_string().contains("no-crt.pem"),
        "the client certificate is read: {missing_cert}"
    );
    for var in ["AIS_CRT", "AIS_CRT_KEY", "AIS_SKIP_VERIFY_CRT"] {
        vars.remove(var);
    }

    // cli.json: auth.url and the TLS settings under `cluster`, the environment winning.
    let cli_json = |json: serde_json::Value| {
        fs::write(
            cli.join("cli.json"),
            serde_json::to_vec_pretty(&json).unwrap(),
        )
        .unwrap()
    };
    vars.clear();
    cli_json(
        serde_json::json!({"auth": {"url": server.url}, "cluster": {"url": "http://x:8080"},
        "timeout": {"tcp_timeout": "60s"}, "aliases": {"get": "object get"}}),
    );
    assert_eq!(
        who(&vars),
        in_var,
        "cli.json and auth.token (saved above) alone are enough"
    );
    vars.insert("AIS_AUTHN_URL", "http://127.0.0.1:1".into());
    assert_eq!(
        client(&vars, &cli).unwrap().base_url(),
        "http://127.0.0.1:1",
        "the variable wins"
    );
    vars.clear();
    cli_json(
        serde_json::json!({"auth": {"url": "https://127.0.0.1:1"}, "cluster": {
        "client_ca_tls": dir.join("json-ca.pem"), "skip_verify_crt": false,
        "client_crt": dir.join("json-crt.pem"), "client_crt_key": dir.join("json-key.pem")}}),
    );
    assert!(client(&vars, &cli)
        .unwrap_err()
        .to_string()
        .contains("json-ca.pem"));
    vars.insert("AIS_CLIENT_CA", path("env-ca.pem"));
    assert!(
        client(&vars, &cli)
            .unwrap_err()
            .to_string()
            .contains("env-ca.pem"),
        "AIS_CLIENT_CA wins"
    );
    vars.clear();
    cli_json(
        serde_json::json!({"auth": {"url": "https://127.0.0.1:1"}, "cluster": {
        "skip_verify_crt": true, "client_crt": dir.join("json-crt.pem"),
        "client_crt_key": dir.join("json-key.pem")}}),
    );
    assert!(client(&vars, &cli)
        .unwrap_err()
        .to_string()
        .contains("json-crt.pem"));
    vars.insert("AIS_CRT", path("env-crt.pem"));
    vars.insert("AIS_CRT_KEY", path("env-key.pem"));
    assert!(
        client(&vars, &cli)
            .unwrap_err()
            .to_string()
            .contains("env-crt.pem"),
        "AIS_CRT wins"
    );
    vars.clear();
    cli_json(serde_json::json!({"auth": {"url": "https://127.0.0.1:1"},
        "cluster": {"skip_verify_crt": true, "client_crt": dir.join("json-crt.pem")}}));
    assert!(
        config_error(client(&vars, &cli)).contains("client_crt_key"),
        "a certificate needs a key"
    );
    cli_json(serde_json::json!({"auth": {"url": "https://127.0.0.1:1"},
        "cluster": {"skip_verify_crt": true}}));
    // Checked on the builder, not built: the one warning a process logs for turning
    // verification off belongs to tls::https_with_skip_verify_works_and_warns_once.
    let settings = Settings::from_vars(|_| None, Some(&cli)).unwrap();
    assert!(settings.skip_verify, "skip_verify_crt from cli.json");
    let _builder = settings
        .into_builder()
        .expect("skip_verify_crt from cli.json, no CA file needed");
    vars.insert("AIS_SKIP_VERIFY_CRT", "perhaps".into());
    assert!(
        config_error(client(&vars, &cli)).contains("AIS_SKIP_VERIFY_CRT"),
        "the variable is read"
    );
    vars.clear();
    fs::write(cli.join("cli.json"), "{not json").unwrap();
    assert!(config_error(client(&vars, &cli)).contains("cli.json"));
    cli_json(serde_json::json!({"auth": {"url": "localhost:52001"}}));
    assert!(config_error(client(&vars, &cli)).contains("auth.url"));
    fs::remove_file(cli.join("cli.json")).unwrap();
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_cannot_be_read_keeps_its_io_error() {
    // Told apart by the io::Error's kind, not by text; a directory where a file belongs is
    // unreadable for root too.
    let dir = temp_dir("io-kinds");
    let missing = dir.join("missing.token");
    let e = load_token_file(&missing).unwrap_err();
    match &e {
        Error::ConfigFile { path, source, .. } => {
            assert_eq!((path, source.kind()), (&missing, ErrorKind::NotFound));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("missing.token"), "{e}");

    let settings = |token: TokenSource| {
        let mut settings = Settings::default();
        settings.url = Some("https://127.0.0.1:1".into());
        settings.token = token;
        settings
    };
    let build = |settings: Settings| settings.into_builder()?.build();
    assert_eq!(
        io_kind(build(settings(TokenSource::File(dir.clone())))),
        ErrorKind::IsADirectory,
        "a directory as the token file"
    );
    let mut ca = settings(TokenSource::None);
    ca.ca_file = Some(dir.clone());
    assert_eq!(
        io_kind(build(ca)),
        ErrorKind::IsADirectory,
        "a directory as the CA"
    );
    ca = settings(TokenSource::None);
    ca.ca_file = Some(missing.clone());
    assert_eq!(io_kind(build(ca)), ErrorKind::NotFound, "no CA file");

    // cli.json too, when it is there but cannot be read.
    fs::create_dir_all(dir.join("cli.json")).unwrap();
    let e = Settings::from_vars(|_| None, Some(&dir)).unwrap_err();
    assert!(
        matches!(&e, Error::ConfigFile { source, .. } if source.kind() == ErrorKind::IsADirectory),
        "{e:?}"
    );
    // Writing: the token file's directory is a file.
    fs::write(dir.join("plain"), "x").unwrap();
    let e = save_token_file(&dir.join("plain/auth.token"), "eyJa.b.c").unwrap_err();
    assert!(matches!(&e, Error::ConfigFile { .. }), "{e:?}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn settings_read_cli_json_as_the_cli_does() {
    // cli.json's auth.url and cluster TLS fields, and auth.token beside it, from a CLI
    // directory given explicitly (no home directory, no root needed); the environment wins.
    let server = TestServer::start();
    let id = unique("json");
    server
        .admin()
        .user_manager()
        .create(&id, &[], "pw")
        .unwrap();
    let token = server.login(&id, "pw").token().unwrap();
    let cli = temp_dir("cli-json");
    fs::write(
        cli.join("cli.json"),
        serde_json::json!({"auth": {"url": server.url}, "cluster": {
            "client_ca_tls": "/etc/ais/ca.pem", "client_crt": "/etc/ais/c.crt",
            "client_crt_key": "/etc/ais/c.key", "skip_verify_crt": true}})
        .to_string(),
    )
    .unwrap();
    save_token_file(&cli.join("auth.token"), &token).unwrap();

    let from_files = Settings::from_vars(|_| None, Some(&cli)).unwrap();
    assert_eq!(from_files.url.as_deref(), Some(server.url.as_str()));
    assert_eq!(from_files.token, TokenSource::File(cli.join("auth.token")));
    assert_eq!(from_files.ca_file, Some(PathBuf::from("/etc/ais/ca.pem")));
    assert_eq!(
        from_files.client_cert,
        Some(PathBuf::from("/etc/ais/c.crt"))
    );
    assert_eq!(
        from_files.client_cert_key,
        Some(PathBuf::from("/etc/ais/c.key"))
    );
    assert!(from_files.skip_verify);
    assert_eq!(from_files.cli_dir(), Some(cli.as_path()));
    let client = from_files.into_builder().unwrap().build().unwrap();
    assert_eq!(
        client.whoami().unwrap().user.id,
        id,
        "http: TLS files unused"
    );

    let env = HashMap::from([
        ("AIS_AUTHN_URL", "http://127.0.0.1:1"),
        ("AIS_AUTHN_TOKEN", "eyJa.b.c"),
        ("AIS_CLIENT_CA", "/env/ca.pem"),
        ("AIS_CRT", "/env/c.crt"),
        ("AIS_CRT_KEY", "/env/c.key"),
        ("AIS_SKIP_VERIFY_CRT", "false"),
    ]);
    let from_env =
        Settings::from_vars(|name| env.get(name).map(|v| v.to_string()), Some(&cli)).unwrap();
    assert_eq!(from_env.url.as_deref(), Some("http://127.0.0.1:1"));
    assert_eq!(from_env.token, TokenSource::Token("eyJa.b.c".into()));
    assert_eq!(from_env.ca_file, Some(PathBuf::from("/env/ca.pem")));
    assert_eq!(from_env.client_cert, Some(PathBuf::from("/env/c.crt")));
    assert_eq!(from_env.client_cert_key, Some(PathBuf::from("/env/c.key")));
    assert!(!from_env.skip_verify);
    fs::remove_dir_all(&cli).unwrap();
}

/// Runs the ignored test `name` of this binary in a child process whose environment is only
/// `vars`, and returns its standard output (the test's `println!`s).
fn run_child(name: &str, vars: &[(&str, &str)]) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Run by `from_env_reads_the_process_environment` in a child process (see there).
#[test]
#[ignore = "run in a child process by from_env_reads_the_process_environment"]
fn child_prints_what_from_env_says() {
    println!("TOKEN_FILE={:?}", token_file_path());
    println!("CLI_DIR={:?}", cli_config_dir());
    if std::env::var_os("AIS_AUTHN_TOKEN_FILE").is_some() {
        let client = Client::from_env().unwrap();
        println!("WHO={}", client.whoami().unwrap().user.id);
    }
}

#[test]
fn from_env_reads_the_process_environment() {
    // `Client::from_env` and `token_file_path` themselves, in a child process with an
    // environment of its own.
    let server = TestServer::start();
    let id = unique("penv");
    server
        .admin()
        .user_manager()
        .create(&id, &[], "pw")
        .unwrap();
    let dir = temp_dir("process-env");
    let file = dir.join("my.token");
    save_token_file(&file, &server.login(&id, "pw").token().unwrap()).unwrap();
    let file_text = file.display().to_string();
    let out = run_child(
        "env::child_prints_what_from_env_says",
        &[
            ("AIS_AUTHN_URL", &server.url),
            ("AIS_AUTHN_TOKEN_FILE", &file_text),
        ],
    );
    assert!(out.contains(&format!("WHO={id}")), "{out}");
    assert!(
        out.contains(&format!("TOKEN_FILE={:?}", Some(&file))),
        "{out}"
    );
    // With no AIS_AUTHN_TOKEN_FILE, the token file is the CLI's, in its directory (the child
    // reads no token then: the real one of whoever runs the tests).
    let out = run_child("env::child_prints_what_from_env_says", &[]);
    let default = cli_config_dir().map(|d| d.join("auth.token"));
    assert!(out.contains(&format!("TOKEN_FILE={default:?}")), "{out}");
    assert!(!out.contains("WHO="), "{out}");
    fs::remove_dir_all(&dir).unwrap();
}

/// The home directory the user database gives `uid`, as `getent passwd` prints it.
fn passwd_home(uid: &str) -> Option<PathBuf> {
    let out = Command::new("getent").args(["passwd", uid]).output().ok()?;
    let line = String::from_utf8(out.stdout).ok()?;
    line.trim().split(':').nth(5).map(PathBuf::from)
}

#[test]
fn the_cli_directory_is_under_the_user_databases_home_then_home() {
    let uid = Command::new("id").arg("-u").output().unwrap();
    let uid = String::from_utf8(uid.stdout).unwrap().trim().to_owned();
    let dir = cli_config_dir().expect("a home directory");
    match passwd_home(&uid) {
        Some(home) => assert_eq!(dir, home.join(".config/ais/cli"), "the user database first"),
        None => assert_eq!(
            dir,
            PathBuf::from(std::env::var("HOME").unwrap()).join(".config/ais/cli"),
            "no entry for uid {uid}: $HOME"
        ),
    }
}

/// Run by `proxies_come_from_the_environment` in a child process (see there).
#[test]
#[ignore = "run in a child process by proxies_come_from_the_environment"]
fn child_lists_roles() {
    match Client::builder_from_cli_dir(None).and_then(|b| b.build()) {
        Ok(client) => println!("ROLES={}", client.role_manager().list().unwrap().len()),
        Err(e) => println!("BUILD ERROR={e}"),
    }
}

#[test]
fn proxies_come_from_the_environment() {
    // Chosen by the target's scheme, and never for loopback. A non-loopback target
    // (192.0.2.1, never reached: the stub proxy answers for it through a CONNECT tunnel) goes
    // through HTTP_PROXY or ALL_PROXY; the loopback server is reached directly although
    // HTTP_PROXY points at a dead port. Each case runs in a child with its own environment.
    let server = TestServer::start();
    let proxy = Stub::start_raw(|r, _| match r.method.as_str() {
        "CONNECT" => Raw::Reply(b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()),
        _ => Raw::Reply(http_reply(200, "[]")),
    });
    let far = "http://192.0.2.1:52001";
    let tunnelled = [
        "CONNECT 192.0.2.1:52001".to_owned(),
        "GET /v1/roles".to_owned(),
    ];
    for var in ["HTTP_PROXY", "ALL_PROXY"] {
        let out = run_child(
            "env::child_lists_roles",
            &[("AIS_AUTHN_URL", far), (var, &proxy.url)],
        );
        assert!(out.contains("ROLES=0"), "{var}: the proxy answered: {out}");
    }
    assert_eq!(proxy.lines(), [tunnelled.clone(), tunnelled].concat());
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = format!("http://{dead}");
    let out = run_child(
        "env::child_lists_roles",
        &[
            ("AIS_AUTHN_URL", &server.url),
            ("HTTP_PROXY", &dead),
            ("http_proxy", &dead),
            ("ALL_PROXY", &dead),
        ],
    );
    assert!(
        out.contains("ROLES=") && !out.contains("ROLES=0"),
        "loopback: the server answered directly: {out}"
    );
    assert_eq!(
        proxy.lines().len(),
        4,
        "nothing more went through the proxy"
    );
    // NO_PROXY ranges, as Go reads them: the real server reached at 0.0.0.0 and [::] (this
    // machine, but not loopback, so the proxy rules apply) goes direct when a range names it,
    // and through the proxy when none does.
    let port = server.url.rsplit(':').next().unwrap();
    for (target, no_proxy) in [
        (format!("http://0.0.0.0:{port}"), "10.0.0.0/8, 0.0.0.0/8"),
        (format!("http://[::]:{port}"), "fd00::/8,::/127"),
    ] {
        let out = run_child(
            "env::child_lists_roles",
            &[
                ("AIS_AUTHN_URL", &target),
                ("HTTP_PROXY", &proxy.url),
                ("NO_PROXY", no_proxy),
            ],
        );
        assert!(
            out.contains("ROLES=") && !out.contains("ROLES=0"),
            "{target} with NO_PROXY={no_proxy}: the server answered directly: {out}"
        );
    }
    assert_eq!(proxy.lines().len(), 4, "the proxy saw no request");
    let out = run_child(
        "env::child_lists_roles",
        &[
            ("AIS_AUTHN_URL", &format!("http://0.0.0.0:{port}")),
            ("HTTP_PROXY", &proxy.url),
            ("NO_PROXY", "10.0.0.0/8"),
        ],
    );
    assert!(
        out.contains("ROLES=0"),
        "a range that does not name it: {out}"
    );
    assert_eq!(
        proxy.lines()[4..],
        [
            format!("CONNECT 0.0.0.0:{port}"),
            "GET /v1/roles".to_owned()
        ]
    );
    let out = run_child(
        "env::child_lists_roles",
        &[("AIS_AUTHN_URL", far), ("HTTP_PROXY", "ftp://u:s3cr3t@x y")],
    );
    assert!(
        out.contains("BUILD ERROR=") && out.contains("HTTP_PROXY") && !out.contains("s3cr3t"),
        "{out}"
    );
}

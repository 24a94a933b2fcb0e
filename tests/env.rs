//! Client::from_env, the ais CLI's cli.json and the token file, against the real AuthN server.
//!
//! `from_env_follows_the_cli_conventions` runs in order and alone changes this process's
//! environment, which every thread shares; the other tests only read it or start a child
//! process with an environment of its own.

#[path = "it/support.rs"]
mod support;

use std::fs;
use std::path::PathBuf;

use aistore_authn::env::{cli_config_dir, load_token_file, save_token_file, token_file_path};
use aistore_authn::{Client, ClientBuilder, Error};
use support::{http_reply, unique, Raw, Stub, TestServer};

const VARS: [&str; 18] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "no_proxy",
    "AIS_AUTHN_URL",
    "AIS_AUTHN_TOKEN",
    "AIS_AUTHN_TOKEN_FILE",
    "AIS_CLIENT_CA",
    "AIS_SKIP_VERIFY_CRT",
    "AIS_CRT",
    "AIS_CRT_KEY",
    "HOME",
    "NO_PROXY",
    "HTTPS_PROXY",
    "https_proxy",
];

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a Config error, got {other:?}"),
    }
}

/// The ais CLI configuration directory these tests use in place of `~/.config/ais/cli`.
fn cli_dir() -> PathBuf {
    std::env::temp_dir().join(format!("authn-env-test-{}/cli", std::process::id()))
}

/// `Client::from_env`, with the test's CLI directory in place of the user's.
fn from_env() -> Result<Client, Error> {
    ClientBuilder::build(Client::builder_from_cli_dir(Some(&cli_dir()))?)
}

/// Whose token the environment and the CLI directory gave, as the server sees it.
fn who() -> String {
    let client = from_env().unwrap();
    client.whoami().unwrap().user.id
}

#[test]
fn from_env_follows_the_cli_conventions() {
    let server = TestServer::start();
    let admin = server.admin();
    // One user per token source, so that each check shows which source was used.
    let (in_var, in_file, in_default) = (unique("var"), unique("file"), unique("dflt"));
    let mut tokens = Vec::new();
    for id in [&in_var, &in_file, &in_default] {
        admin.user_manager().create(id, &[], "pw").unwrap();
        tokens.push(server.login(id, "pw").token().unwrap());
    }

    let saved: Vec<(&str, Option<String>)> =
        VARS.iter().map(|v| (*v, std::env::var(v).ok())).collect();
    let cli = cli_dir();
    let dir = cli.parent().unwrap().to_owned();
    fs::create_dir_all(&cli).unwrap();
    for var in VARS {
        std::env::remove_var(var);
    }
    std::env::set_var("HOME", dir.join("home"));

    // The URL is required and checked.
    assert!(config_error(from_env()).contains("AIS_AUTHN_URL is not set"));
    std::env::set_var("AIS_AUTHN_URL", "localhost:52001");
    assert!(config_error(from_env()).starts_with("AIS_AUTHN_URL"));
    std::env::set_var("AIS_AUTHN_URL", &server.url);
    let anonymous = from_env().unwrap();
    assert_eq!(
        (anonymous.base_url(), anonymous.token()),
        (server.url.as_str(), None)
    );

    // Lowest first: the ais CLI's default file in its directory, in the CLI's own format.
    let default: PathBuf = cli.join("auth.token");
    assert_eq!(
        token_file_path(),
        cli_config_dir().map(|d| d.join("auth.token")),
        "the real default is in the CLI's directory"
    );
    fs::write(&default, format!("{{\"token\": \"{}\"}}\n", tokens[2])).unwrap();
    assert_eq!(who(), in_default);

    // AIS_AUTHN_TOKEN_FILE wins over the default file; a missing one means no token, a bad one
    // is an error.
    let file = dir.join("my.token");
    save_token_file(&file, &tokens[1]).unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", &file);
    assert_eq!(token_file_path(), Some(file.clone()));
    assert_eq!(who(), in_file);
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", dir.join("missing.token"));
    assert_eq!(from_env().unwrap().token(), None, "missing: not logged in");
    fs::write(dir.join("bad.token"), "{not json").unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", dir.join("bad.token"));
    assert!(config_error(from_env()).contains("bad.token"));
    // A token file over 64 KiB is refused before it is parsed.
    let huge = format!("{{\"token\": \"{}\"}}", "x".repeat(70 * 1024));
    fs::write(dir.join("huge.token"), huge).unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", dir.join("huge.token"));
    let message = config_error(from_env());
    assert!(
        message.contains("huge.token") && message.contains("64 KiB"),
        "{message}"
    );
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", &file);

    // AIS_AUTHN_TOKEN wins over both.
    std::env::set_var("AIS_AUTHN_TOKEN", &tokens[0]);
    assert_eq!(who(), in_var);
    std::env::set_var("AIS_AUTHN_TOKEN", "two words");
    assert!(config_error(from_env()).contains("AIS_AUTHN_TOKEN"));
    std::env::remove_var("AIS_AUTHN_TOKEN");
    std::env::remove_var("AIS_AUTHN_TOKEN_FILE");

    // A login saved by a Rust tool is what the CLI reads from its default file.
    save_token_file(&default, &tokens[0]).unwrap();
    assert_eq!(
        fs::read_to_string(&default).unwrap(),
        format!("{{\"token\":\"{}\"}}", tokens[0])
    );
    assert_eq!(load_token_file(&default).unwrap(), tokens[0]);
    assert_eq!(who(), in_var);

    // TLS variables are checked for https URLs, naming the variable or file, and unused for
    // plain http.
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "perhaps");
    std::env::set_var("AIS_CLIENT_CA", dir.join("no-ca.pem"));
    std::env::set_var("AIS_CRT", dir.join("no-crt.pem"));
    assert_eq!(who(), in_var, "http: TLS settings unused");
    std::env::set_var("AIS_AUTHN_URL", "https://127.0.0.1:1");
    assert!(config_error(from_env()).contains("AIS_SKIP_VERIFY_CRT"));
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "false");
    let message = config_error(from_env());
    assert!(
        message.contains("AIS_CRT_KEY"),
        "a certificate without its key: {message}"
    );
    std::env::set_var("AIS_CRT_KEY", dir.join("no-key.pem"));
    assert!(config_error(from_env()).contains("no-ca.pem"));
    fs::write(dir.join("empty.pem"), "no certificate here").unwrap();
    std::env::set_var("AIS_CLIENT_CA", dir.join("empty.pem"));
    assert!(config_error(from_env()).contains("empty.pem"));
    std::env::remove_var("AIS_CLIENT_CA");
    assert!(
        config_error(from_env()).contains("no-crt.pem"),
        "the client certificate is read"
    );
    for var in ["AIS_CRT", "AIS_CRT_KEY", "AIS_SKIP_VERIFY_CRT"] {
        std::env::remove_var(var);
    }

    // cli.json: auth.url and the TLS settings under `cluster`, the environment winning.
    let cli_json = |json: serde_json::Value| {
        fs::write(
            cli.join("cli.json"),
            serde_json::to_vec_pretty(&json).unwrap(),
        )
        .unwrap()
    };
    std::env::remove_var("AIS_AUTHN_URL");
    std::env::remove_var("AIS_AUTHN_TOKEN");
    cli_json(
        serde_json::json!({"auth": {"url": server.url}, "cluster": {"url": "http://x:8080"},
        "timeout": {"tcp_timeout": "60s"}, "aliases": {"get": "object get"}}),
    );
    assert_eq!(
        who(),
        in_var,
        "cli.json and auth.token (saved above) alone are enough"
    );
    std::env::set_var("AIS_AUTHN_URL", "http://127.0.0.1:1");
    assert_eq!(
        from_env().unwrap().base_url(),
        "http://127.0.0.1:1",
        "the variable wins"
    );
    std::env::remove_var("AIS_AUTHN_URL");
    cli_json(
        serde_json::json!({"auth": {"url": "https://127.0.0.1:1"}, "cluster": {
        "client_ca_tls": dir.join("json-ca.pem"), "skip_verify_crt": false,
        "client_crt": dir.join("json-crt.pem"), "client_crt_key": dir.join("json-key.pem")}}),
    );
    assert!(config_error(from_env()).contains("json-ca.pem"));
    std::env::set_var("AIS_CLIENT_CA", dir.join("env-ca.pem"));
    assert!(
        config_error(from_env()).contains("env-ca.pem"),
        "AIS_CLIENT_CA wins"
    );
    std::env::remove_var("AIS_CLIENT_CA");
    cli_json(
        serde_json::json!({"auth": {"url": "https://127.0.0.1:1"}, "cluster": {
        "skip_verify_crt": true, "client_crt": dir.join("json-crt.pem"),
        "client_crt_key": dir.join("json-key.pem")}}),
    );
    assert!(config_error(from_env()).contains("json-crt.pem"));
    std::env::set_var("AIS_CRT", dir.join("env-crt.pem"));
    std::env::set_var("AIS_CRT_KEY", dir.join("env-key.pem"));
    assert!(
        config_error(from_env()).contains("env-crt.pem"),
        "AIS_CRT wins"
    );
    std::env::remove_var("AIS_CRT");
    std::env::remove_var("AIS_CRT_KEY");
    cli_json(serde_json::json!({"auth": {"url": "https://127.0.0.1:1"},
        "cluster": {"skip_verify_crt": true, "client_crt": dir.join("json-crt.pem")}}));
    assert!(
        config_error(from_env()).contains("client_crt_key"),
        "a certificate needs a key"
    );
    cli_json(serde_json::json!({"auth": {"url": "https://127.0.0.1:1"},
        "cluster": {"skip_verify_crt": true}}));
    from_env().expect("skip_verify_crt from cli.json, no CA file needed");
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "perhaps");
    assert!(
        config_error(from_env()).contains("AIS_SKIP_VERIFY_CRT"),
        "the variable is read"
    );
    std::env::remove_var("AIS_SKIP_VERIFY_CRT");
    fs::write(cli.join("cli.json"), "{not json").unwrap();
    assert!(config_error(from_env()).contains("cli.json"));
    cli_json(serde_json::json!({"auth": {"url": "localhost:52001"}}));
    assert!(config_error(from_env()).contains("auth.url"));
    fs::remove_file(cli.join("cli.json")).unwrap();

    // Proxies: chosen by the target's scheme, and never for loopback. A non-loopback target
    // (192.0.2.1, never reached: the stub proxy answers for it through a CONNECT tunnel) goes
    // through HTTP_PROXY or ALL_PROXY; the loopback server is reached directly although
    // HTTP_PROXY points at a dead port.
    let proxy = Stub::start_raw(|r, _| match r.method.as_str() {
        "CONNECT" => Raw::Reply(b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()),
        _ => Raw::Reply(http_reply(200, "[]")),
    });
    let far = "http://192.0.2.1:52001";
    std::env::set_var("AIS_AUTHN_URL", far);
    let tunnelled = [
        "CONNECT 192.0.2.1:52001".to_owned(),
        "GET /v1/roles".to_owned(),
    ];
    for var in ["HTTP_PROXY", "ALL_PROXY"] {
        std::env::set_var(var, &proxy.url);
        let via_proxy = from_env().unwrap();
        assert!(
            via_proxy.role_manager().list().unwrap().is_empty(),
            "{var}: the proxy answered"
        );
        std::env::remove_var(var);
    }
    assert_eq!(proxy.lines(), [tunnelled.clone(), tunnelled].concat());
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        std::env::set_var(var, format!("http://{dead}"));
    }
    std::env::set_var("AIS_AUTHN_URL", &server.url);
    assert!(
        from_env()
            .unwrap()
            .role_manager()
            .get("Admin")
            .unwrap()
            .admin,
        "loopback: the server answered directly"
    );
    assert_eq!(
        proxy.lines().len(),
        4,
        "nothing more went through the proxy"
    );
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        std::env::remove_var(var);
    }
    std::env::set_var("HTTP_PROXY", "ftp://u:s3cr3t@x y");
    std::env::set_var("AIS_AUTHN_URL", far);
    let message = config_error(from_env());
    assert!(
        message.contains("HTTP_PROXY") && !message.contains("s3cr3t"),
        "{message}"
    );
    std::env::remove_var("HTTP_PROXY");

    for (var, value) in saved {
        match value {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// The home directory the user database gives `uid`, as `getent passwd` prints it.
fn passwd_home(uid: &str) -> Option<PathBuf> {
    let out = std::process::Command::new("getent")
        .args(["passwd", uid])
        .output()
        .ok()?;
    let line = String::from_utf8(out.stdout).ok()?;
    line.trim().split(':').nth(5).map(PathBuf::from)
}

#[test]
fn the_cli_directory_is_under_the_user_databases_home_then_home() {
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
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

/// Run by `from_env_reads_cli_json_as_the_cli_does` in a child process (see there).
#[test]
#[ignore = "run in a child process by from_env_reads_cli_json_as_the_cli_does"]
fn child_prints_who_from_env_says() {
    let client = Client::from_env().unwrap();
    println!("WHO={}", client.whoami().unwrap().user.id);
}

#[test]
fn from_env_reads_cli_json_as_the_cli_does() {
    // `Client::from_env` itself, with nothing but the CLI's files: a child process of this test
    // binary runs as a user the user database does not know (so the CLI, and this crate, fall
    // back to $HOME), with HOME at a temporary directory holding cli.json and auth.token.
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8(uid.stdout).unwrap().trim(),
        "0",
        "this test starts a child as another user with setpriv: run the tests as root (as CI \
         does), or run the others with `cargo test -- --skip from_env_reads_cli_json`"
    );
    let server = TestServer::start();
    let id = unique("json");
    server
        .admin()
        .user_manager()
        .create(&id, &[], "pw")
        .unwrap();
    let token = server.login(&id, "pw").token().unwrap();
    let stranger = "54321";
    assert_eq!(
        passwd_home(stranger),
        None,
        "uid {stranger} must have no passwd entry"
    );
    let home = std::env::temp_dir().join(format!("authn-json-home-{}", std::process::id()));
    let cli = home.join(".config/ais/cli");
    fs::create_dir_all(&cli).unwrap();
    fs::write(
        cli.join("cli.json"),
        serde_json::json!({"auth": {"url": server.url}}).to_string(),
    )
    .unwrap();
    save_token_file(&cli.join("auth.token"), &token).unwrap();
    // A copy of this test binary the stranger can run wherever the checkout lives (a home
    // directory is often closed to other users).
    let exe = home.join("env-test");
    fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    let chown = std::process::Command::new("chown")
        .args(["-R", &format!("{stranger}:{stranger}")])
        .arg(&home)
        .status()
        .unwrap();
    assert!(chown.success());
    let out = std::process::Command::new("setpriv")
        .args([
            &format!("--reuid={stranger}"),
            &format!("--regid={stranger}"),
            "--clear-groups",
        ])
        .arg(&exe)
        .args([
            "--ignored",
            "--exact",
            "child_prints_who_from_env_says",
            "--nocapture",
        ])
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("setpriv (util-linux) runs the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("WHO={id}")),
        "child: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::remove_dir_all(&home).unwrap();
}

//! Client::from_env and the token file, against the real AuthN server.
//!
//! One test, run in order: it changes this process's environment, which every thread shares.

mod support;

use std::fs;
use std::path::PathBuf;

use aistore_authn::env::{load_token_file, save_token_file, token_file_path};
use aistore_authn::{Client, Error};
use support::{http_reply, unique, Raw, Stub, TestServer};

const VARS: [&str; 14] = [
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
    "HOME",
    "NO_PROXY",
];

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a Config error, got {other:?}"),
    }
}

/// Whose token `Client::from_env` picked, as the server sees it.
fn who() -> String {
    let client = Client::from_env().unwrap();
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
    let dir = std::env::temp_dir().join(format!("authn-env-test-{}", std::process::id()));
    let home = dir.join("home");
    fs::create_dir_all(&home).unwrap();
    for var in VARS {
        std::env::remove_var(var);
    }
    std::env::set_var("HOME", &home);
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");

    // The URL is required and checked.
    assert!(config_error(Client::from_env()).contains("AIS_AUTHN_URL is not set"));
    std::env::set_var("AIS_AUTHN_URL", "localhost:52001");
    assert!(config_error(Client::from_env()).starts_with("AIS_AUTHN_URL"));
    std::env::set_var("AIS_AUTHN_URL", &server.url);
    let anonymous = Client::from_env().unwrap();
    assert_eq!(
        (anonymous.base_url(), anonymous.token()),
        (server.url.as_str(), None)
    );

    // Lowest first: the ais CLI's default file under $HOME, in the CLI's own format.
    let default: PathBuf = home.join(".config/ais/cli/auth.token");
    assert_eq!(token_file_path(), Some(default.clone()));
    fs::create_dir_all(default.parent().unwrap()).unwrap();
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
    assert_eq!(
        Client::from_env().unwrap().token(),
        None,
        "missing: not logged in"
    );
    fs::write(dir.join("bad.token"), "{not json").unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", dir.join("bad.token"));
    assert!(config_error(Client::from_env()).contains("bad.token"));
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", &file);

    // AIS_AUTHN_TOKEN wins over both.
    std::env::set_var("AIS_AUTHN_TOKEN", &tokens[0]);
    assert_eq!(who(), in_var);
    std::env::set_var("AIS_AUTHN_TOKEN", "two words");
    assert!(config_error(Client::from_env()).contains("AIS_AUTHN_TOKEN"));
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
    assert_eq!(who(), in_var, "http: TLS settings unused");
    std::env::set_var("AIS_AUTHN_URL", "https://127.0.0.1:1");
    assert!(config_error(Client::from_env()).contains("AIS_SKIP_VERIFY_CRT"));
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "false");
    assert!(config_error(Client::from_env()).contains("no-ca.pem"));
    fs::write(dir.join("empty.pem"), "no certificate here").unwrap();
    std::env::set_var("AIS_CLIENT_CA", dir.join("empty.pem"));
    assert!(config_error(Client::from_env()).contains("empty.pem"));

    // Proxies come from the usual variables unless the builder turns that off. ureq tunnels
    // through an HTTP proxy with CONNECT; the stub proxy accepts the tunnel and answers the
    // request sent through it.
    std::env::set_var("AIS_AUTHN_URL", &server.url);
    std::env::remove_var("NO_PROXY");
    let proxy = Stub::start_raw(|r, _| match r.method.as_str() {
        "CONNECT" => Raw::Reply(b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()),
        _ => Raw::Reply(http_reply(200, "[]")),
    });
    let target = server.url.trim_start_matches("http://");
    let tunnelled = [format!("CONNECT {target}"), "GET /v1/roles".to_owned()];
    for var in ["HTTP_PROXY", "ALL_PROXY"] {
        std::env::set_var(var, &proxy.url);
        let via_proxy = Client::from_env().unwrap();
        assert!(
            via_proxy.role_manager().list().unwrap().is_empty(),
            "{var}: the proxy answered"
        );
        std::env::remove_var(var);
    }
    assert_eq!(proxy.lines(), [tunnelled.clone(), tunnelled].concat());
    std::env::set_var("HTTP_PROXY", &proxy.url);
    let direct = Client::builder_from_env()
        .unwrap()
        .proxy_from_env(false)
        .build()
        .unwrap();
    assert!(
        direct.role_manager().get("Admin").unwrap().admin,
        "the server answered"
    );
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let bypass = Client::from_env().unwrap();
    assert!(
        bypass.role_manager().get("Admin").unwrap().admin,
        "NO_PROXY: the server answered"
    );
    assert_eq!(
        proxy.lines().len(),
        4,
        "nothing more went through the proxy"
    );

    for (var, value) in saved {
        match value {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

//! Client::from_env and the token file, against the real AuthN server.
//!
//! One test, run in order: it changes this process's environment, which every thread shares.

mod support;

use std::fs;
use std::path::PathBuf;

use aistore_authn::env::{load_token_file, save_token_file, token_file_path};
use aistore_authn::{Client, Error};
use support::TestServer;

const VARS: [&str; 7] = [
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

#[test]
fn from_env_follows_the_cli_conventions() {
    let server = TestServer::start();
    let token = server.admin().token().unwrap().to_owned();
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
    let works = |what: &str| {
        let client = Client::from_env().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(client.base_url(), server.url, "{what}");
        let users = client
            .user_manager()
            .list()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(users.contains_key(&server.admin_user), "{what}");
    };

    // The URL is required.
    assert!(config_error(Client::from_env()).contains("AIS_AUTHN_URL"));
    std::env::set_var("AIS_AUTHN_URL", &server.url);
    let anonymous = Client::from_env().unwrap();
    assert_eq!(anonymous.token(), None, "no token anywhere: none");

    // 1. The token itself.
    std::env::set_var("AIS_AUTHN_TOKEN", &token);
    works("AIS_AUTHN_TOKEN");

    // 2. The token file named by AIS_AUTHN_TOKEN_FILE, when AIS_AUTHN_TOKEN is unset.
    std::env::remove_var("AIS_AUTHN_TOKEN");
    let file = dir.join("my.token");
    save_token_file(&file, &token).unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", &file);
    assert_eq!(token_file_path(), Some(file.clone()));
    works("AIS_AUTHN_TOKEN_FILE");
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", dir.join("missing.token"));
    assert!(config_error(Client::from_env()).contains("missing.token"));
    fs::write(&file, "{not json").unwrap();
    std::env::set_var("AIS_AUTHN_TOKEN_FILE", &file);
    assert!(config_error(Client::from_env()).contains("my.token"));

    // 3. The ais CLI's default file under $HOME, in the CLI's own layout and format.
    std::env::remove_var("AIS_AUTHN_TOKEN_FILE");
    let default: PathBuf = home.join(".config/ais/cli/auth.token");
    assert_eq!(token_file_path(), Some(default.clone()));
    fs::create_dir_all(default.parent().unwrap()).unwrap();
    fs::write(&default, format!("{{\"token\": \"{token}\"}}\n")).unwrap();
    works("the default token file");
    assert_eq!(load_token_file(&default).unwrap(), token);

    // A login saved by a Rust tool is what the CLI reads, and the other way round.
    let mut cli_user = Client::from_env().unwrap();
    cli_user.set_token(None);
    let fresh = cli_user
        .login(
            &server.admin_user,
            &server.admin_password,
            Some(std::time::Duration::from_secs(900)),
        )
        .unwrap();
    save_token_file(&default, &fresh).unwrap();
    assert_eq!(
        fs::read_to_string(&default).unwrap(),
        format!("{{\"token\":\"{fresh}\"}}")
    );
    assert_eq!(Client::from_env().unwrap().token(), Some(fresh.as_str()));

    // TLS settings are read and checked, naming the variable or file.
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "perhaps");
    assert!(config_error(Client::from_env()).contains("AIS_SKIP_VERIFY_CRT"));
    std::env::set_var("AIS_SKIP_VERIFY_CRT", "false");
    works("AIS_SKIP_VERIFY_CRT=false");
    std::env::set_var("AIS_CLIENT_CA", dir.join("no-ca.pem"));
    assert!(config_error(Client::from_env()).contains("no-ca.pem"));
    fs::write(dir.join("empty.pem"), "no certificate here").unwrap();
    std::env::set_var("AIS_CLIENT_CA", dir.join("empty.pem"));
    assert!(config_error(Client::from_env()).contains("empty.pem"));

    for (var, value) in saved {
        match value {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

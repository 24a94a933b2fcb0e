//! The server: `show config`, `set config`, `show oidc`, `show jwks`, `show public-key`,
//! `rotate-key`, on HMAC and RSA servers.

use std::time::Duration;

use aistore_authn::env::load_token_file;
use aistore_authn::Token;
use aistore_authn_testkit::LocalServer;

use crate::support::*;

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
    if cli.requires("v1.5.0", "setting the log level (v1.4 servers ignore it)") {
        assert_eq!(now.log_level(), Some(4));
    }
    if cli.older_than("v1.5.0") {
        // v1.4 servers have no log level to set: an update of nothing else is empty to them.
        cli.fails(
            &["update", "config", "log.level=3"],
            "configuration is empty",
        );
    } else {
        let set = cli.json(&["update", "config", "log.level=3"]);
        assert_eq!(set["updated"]["log.level"].as_str(), Some("3"));
        assert_eq!(
            cli.json(&["show", "config"])["log"]["level"].as_str(),
            Some("3")
        );
    }
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

    // The secret from stdin or a file: no warning, and it takes effect all the same.
    let before = load_token_file(&cli.token_file).unwrap();
    let out = cli.run_with(
        &["set", "config", "--secret-stdin"],
        Some("fr0m-stdin-secret\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("auth.secret=[redacted]"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stderr.contains("warning") && !out.stdout.contains("fr0m"),
        "{out:?}"
    );
    assert!(is_revoked(&cli, &before));
    cli.login_admin();
    let file = cli.home.join("new-secret");
    std::fs::write(&file, "fr0m-a-file-secret\n").unwrap();
    let before = load_token_file(&cli.token_file).unwrap();
    let file_arg = file.display().to_string();
    let out = cli.ok(&["set", "config", "--secret-file", &file_arg, "log.level=3"]);
    assert!(out.stdout.contains("auth.secret=[redacted]") && out.stdout.contains("log.level=3"));
    assert!(is_revoked(&cli, &before));
    cli.login_admin();
    // Anything but a small regular file is refused before anything is sent, naming the
    // file and never its content.
    let home = cli.home.display().to_string();
    cli.exits(
        2,
        &["set", "config", "--secret-file", &home],
        "not a regular file",
    );
    cli.exits(
        2,
        &["set", "config", "--secret-file", "/dev/zero"],
        "not a regular file",
    );
    let big = cli.home.join("big-secret");
    std::fs::write(&big, "x".repeat(70 * 1024)).unwrap();
    let big_arg = big.display().to_string();
    cli.exits(
        2,
        &["set", "config", "--secret-file", &big_arg],
        "over 64 KiB",
    );
    cli.exits(
        2,
        &["set", "config", "auth.secret=a", "--secret-file", &file_arg],
        "given twice",
    );
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

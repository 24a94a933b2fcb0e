//! The testkit's own checks on a real server: what it writes to disk stays private to this
//! user (the config holds the HMAC secret and the server listens on all interfaces), and its
//! secrets stay out of `Debug`.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use aistore_authn_testkit::LocalServer;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn the_config_dir_is_0700_and_authn_json_0600_across_restarts() {
    let mut server =
        LocalServer::start().unwrap_or_else(|e| panic!("cannot start the real AuthN server:\n{e}"));
    let dir = server.config_dir().to_owned();
    let config = dir.join("authn.json");
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    assert_eq!(mode(&config), 0o600, "{}", config.display());

    // The file is the one the server runs on: it holds the random HMAC secret.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let secret = json["auth"]["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(is_hex32(&secret), "secret is not 32 hex digits");
    assert!(
        is_hex32(server.admin_password()),
        "password is not 32 hex digits"
    );
    assert_ne!(secret, server.admin_password());
    assert_eq!(json["net"]["http"]["port"], u64::from(server.port()));

    // Neither secret shows in Debug.
    let debug = format!("{server:?}");
    assert!(!debug.contains(&secret), "the HMAC secret is in Debug");
    assert!(
        !debug.contains(server.admin_password()),
        "the admin password is in Debug"
    );
    assert!(debug.contains("[redacted]"), "{debug}");

    // The server runs with these modes, and a restart (which rewrites the config) keeps them.
    let admin = server.admin_client().unwrap();
    assert!(admin.user_manager().list().unwrap().contains_key("admin"));
    server.restart().unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&config), 0o600);
    assert!(server
        .admin_client()
        .unwrap()
        .user_manager()
        .list()
        .unwrap()
        .contains_key("admin"));

    drop(server);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

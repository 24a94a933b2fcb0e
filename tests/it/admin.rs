//! Server administration against the real AuthN server, in both signing modes.

use std::time::Duration;

use crate::support::{rsa_server, unique, Stub, TestServer};
use aistore_authn::{ConfigUpdate, Error, Token};
use aistore_authn_testkit::LocalServer;

fn hmac() -> TestServer {
    TestServer::from_local(LocalServer::start().unwrap())
}

/// An HMAC server (true) and an RSA one (false), unless the release has no RSA signing (the
/// skip recorded).
fn both_modes() -> Vec<(TestServer, bool)> {
    let rsa = rsa_server().map(|server| (server, false));
    [(hmac(), true)].into_iter().chain(rsa).collect()
}

#[test]
fn config_is_read_with_the_secret_held_apart() {
    for (server, hmac_mode) in both_modes() {
        let config = server.admin().server_manager().config().unwrap();
        assert_eq!(config.secret().is_some(), hmac_mode);
        assert_eq!(
            config.expiration_time(),
            Some(Duration::from_secs(24 * 3600))
        );
        // Servers before v1.4.7 have no maximum token age.
        let max_age = Some(Duration::from_secs(2160 * 3600));
        assert_eq!(
            config.max_token_age(),
            max_age.filter(|_| !server.older_than("v1.4.7"))
        );
        assert_eq!(
            config.port().map(u32::from),
            server.url.rsplit(':').next().and_then(|p| p.parse().ok())
        );
        assert_eq!(config.log_level(), Some(3));
        assert!(!config.uses_https());
        if let Some(secret) = config.secret() {
            let shown = format!("{config:?} {}", config.as_json());
            assert!(
                !shown.contains(secret) && shown.contains("[redacted]"),
                "{shown}"
            );
        }
        let err = server.anonymous().server_manager().config().unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    }
}

#[test]
fn set_config_changes_lifetime_and_log_level() {
    let server = hmac();
    let admin = server.admin();
    let srv = admin.server_manager();
    srv.set_config(
        &ConfigUpdate::new()
            .expiration_time(Duration::from_secs(7200))
            .log_level(4),
    )
    .unwrap();
    let config = srv.config().unwrap();
    assert_eq!(config.expiration_time(), Some(Duration::from_secs(7200)));
    if server.requires("v1.5.0", "setting the log level (v1.4 servers ignore it)") {
        assert_eq!(config.log_level(), Some(4));
    }
    let mut client = server.anonymous();
    let token = client
        .login(&server.admin_user, &server.admin_password, None)
        .unwrap();
    let left = token.time_left();
    assert!(
        left > Duration::from_secs(7100) && left <= Duration::from_secs(7200),
        "{left:?}"
    );

    for bad in [
        ConfigUpdate::new(),
        ConfigUpdate::new().secret(""),
        ConfigUpdate::new().expiration_time(Duration::from_secs(59)),
        ConfigUpdate::new().log_level(6),
    ] {
        assert!(
            matches!(srv.set_config(&bad), Err(Error::InvalidArgument(_))),
            "{bad:?}"
        );
    }
    // Over the server's maximum token age: the server refuses. Servers before v1.4.7 have
    // no maximum and take it.
    let long =
        srv.set_config(&ConfigUpdate::new().expiration_time(Duration::from_secs(3000 * 3600)));
    if server.older_than("v1.4.7") {
        long.unwrap();
    } else {
        let err = long.unwrap_err();
        assert!(matches!(err, Error::Api { status: 400, .. }), "{err:?}");
    }
    let id = unique("plain");
    admin.user_manager().create(&id, &[], "pw").unwrap();
    let err = server
        .login(&id, "pw")
        .server_manager()
        .set_config(&ConfigUpdate::new().log_level(2))
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[test]
fn a_new_secret_invalidates_every_token_and_switches_rsa_to_hmac() {
    for (server, _) in both_modes() {
        let admin = server.admin();
        admin
            .server_manager()
            .set_config(&ConfigUpdate::new().secret(&unique("secret")))
            .unwrap();
        if server.older_than("v1.4.4") {
            // These check tokens with the secret they started with until they restart: the
            // old token still works, the new secret's tokens do not.
            admin.user_manager().list().unwrap();
            let err = server.admin().user_manager().list().unwrap_err();
            assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
            continue;
        }
        let err = admin.user_manager().list().unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "the caller's own token: {err:?}"
        );
        let mut again = server.anonymous();
        let token = again
            .login(
                &server.admin_user,
                &server.admin_password,
                Some(Duration::from_secs(900)),
            )
            .unwrap();
        assert_eq!(token.algorithm(), "HS256");
        again.user_manager().list().unwrap();
    }
}

#[test]
fn discovery_document_in_both_modes() {
    for (server, _) in both_modes() {
        let oidc = server.anonymous().server_manager().oidc_configuration();
        if server.older_than("v1.4.2") {
            assert!(
                matches!(
                    &oidc,
                    Err(Error::Unsupported {
                        since: "v1.4.2",
                        ..
                    })
                ),
                "{oidc:?}"
            );
            continue;
        }
        let oidc = oidc.unwrap();
        let port = server.url.rsplit(':').next().unwrap();
        assert_eq!(oidc.issuer, format!("http://localhost:{port}"));
        assert_eq!(
            oidc.jwks_uri,
            format!("{}/.well-known/jwks.json", oidc.issuer)
        );
        assert_eq!(oidc.token_endpoint, format!("{}/v1/tokens", oidc.issuer));
        assert!(oidc
            .id_token_signing_alg_values_supported
            .iter()
            .any(|a| a == "RS256"));
        // Tokens name their issuer from v1.4.4 on.
        let token = Token::parse(&server.admin().token().unwrap()).unwrap();
        if !server.older_than("v1.4.4") {
            assert_eq!(token.claims().issuer, oidc.issuer);
        }
    }
}

/// What servers before v1.4.2 (v1.4.4 for the public key and rotation) answer for an
/// endpoint they lack: their HTTP router's plain-text 404. The SDK says which endpoint is
/// missing and since when AuthN has it. (A stub: the default v1.5.0 server has them all.)
#[test]
fn endpoints_an_older_server_lacks_are_unsupported_not_a_bare_404() {
    let stub = Stub::start(|_| (404, "404 page not found\n".to_owned()));
    let client = stub.client();
    let srv = client.server_manager();
    let results = [
        (
            "/.well-known/openid-configuration",
            "v1.4.2",
            srv.oidc_configuration().map(drop),
        ),
        ("/.well-known/jwks.json", "v1.4.2", srv.jwks().map(drop)),
        ("/v1/public-key", "v1.4.4", srv.public_key().map(drop)),
        ("/v1/rotate-key", "v1.4.4", srv.rotate_key()),
    ];
    for (path, version, result) in results {
        let err = result.unwrap_err();
        match &err {
            Error::Unsupported {
                since,
                path: p,
                what,
                ..
            } => {
                assert_eq!((p.as_str(), *since), (path, version));
                let shown = err.to_string();
                assert!(
                    shown.contains(what) && shown.contains(version) && shown.contains(path),
                    "{shown}"
                );
            }
            other => panic!("{path}: {other:?}"),
        }
        assert_eq!(err.status(), Some(404));
        assert!(!err.is_not_found());
    }
    // Other calls keep their own errors: a plain 404 on a user is no "unsupported".
    let err = client.user_manager().get("bob").unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
}

#[test]
fn hmac_mode_has_no_public_keys() {
    let server = hmac();
    let admin = server.admin();
    let srv = admin.server_manager();
    for (result, since) in [
        (srv.jwks().map(drop), "v1.4.2"),
        (srv.public_key().map(drop), "v1.4.4"),
        (srv.rotate_key(), "v1.4.4"),
    ] {
        // Servers without the endpoint: the SDK's typed error, not their bare 404.
        let older = server.older_than(since);
        assert!(
            match &result {
                Err(Error::Unsupported { since: s, .. }) => older && *s == since,
                Err(Error::Api { status: 400, .. }) => !older,
                _ => false,
            },
            "{result:?}"
        );
    }
}

#[test]
fn rsa_keys_and_rotation() {
    let Some(server) = rsa_server() else {
        return;
    };
    if !server.requires("v1.4.4", "the public key and key rotation") {
        return;
    }
    let admin = server.admin();
    let srv = admin.server_manager();
    let pem = srv.public_key().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let jwks = srv.jwks().unwrap();
    assert_eq!(jwks.keys.len(), 1);
    let old_kid = Token::parse(&admin.token().unwrap())
        .unwrap()
        .key_id()
        .unwrap()
        .to_owned();
    assert_eq!(jwks.keys[0].kid, old_kid);
    assert_eq!(jwks.keys[0].kty, "RSA");
    assert!(!jwks.keys[0].n.is_empty() && !jwks.keys[0].e.is_empty());

    let err = server
        .anonymous()
        .server_manager()
        .rotate_key()
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    srv.rotate_key().unwrap();
    let kids: Vec<String> = srv
        .jwks()
        .unwrap()
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids.len(), 2, "the old key stays: {kids:?}");
    assert_ne!(srv.public_key().unwrap(), pem);
    let mut fresh = server.anonymous();
    let token = fresh
        .login(
            &server.admin_user,
            &server.admin_password,
            Some(Duration::from_secs(900)),
        )
        .unwrap();
    let new_kid = token.key_id().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    assert!(kids.contains(&new_kid) && kids.contains(&old_kid));
    fresh.user_manager().list().unwrap();
    admin.user_manager().list().unwrap();
}

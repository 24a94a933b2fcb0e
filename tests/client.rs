//! Client: login, tokens, and error typing against the real AuthN server.

mod support;

use std::time::Duration;

use aistore_authn::{Client, Error, TransportErrorKind};
use support::{unique, TestServer};

/// `exp - iat` of a JWT, in seconds.
fn lifetime_secs(jwt: &str) -> u64 {
    let claims = aistore_authn::Token::parse(jwt).unwrap().claims().clone();
    let issued = claims.issued_at.expect("AuthN tokens carry iat");
    claims.expires_at.duration_since(issued).unwrap().as_secs()
}

#[test]
fn login_stores_the_token_and_every_manager_uses_it() {
    let server = TestServer::start();
    let mut client = server.anonymous();
    assert_eq!(client.token(), None);
    assert!(matches!(
        client.user_manager().list(),
        Err(Error::Unauthorized { .. })
    ));

    let token = client
        .login(&server.admin_user, &server.admin_password, None)
        .unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(client.token(), Some(token.as_str()));
    assert!(client
        .user_manager()
        .list()
        .unwrap()
        .contains_key(&server.admin_user));
    assert!(
        !format!("{client:?}").contains(&token),
        "Debug must not print the token"
    );

    client.set_token(None);
    let err = client.user_manager().list().unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message } if message.contains("token required")),
        "{err:?}"
    );
    client.set_token(Some(token));
    client.user_manager().list().unwrap();

    // A token set on the builder works the same.
    let built = server.with_token(client.token().unwrap());
    built.user_manager().list().unwrap();
}

#[test]
fn bad_logins_are_invalid_credentials() {
    let server = TestServer::start();
    let mut client = server.anonymous();
    let err = client
        .login(&server.admin_user, "wrong-password", None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCredentials(u) if *u == server.admin_user),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(401));
    let ghost = unique("nobody");
    let err = client.login(&ghost, "whatever", None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCredentials(u) if *u == ghost),
        "{err:?}"
    );
    assert_eq!(client.token(), None, "a failed login leaves no token");
    for (user, pw) in [("", "pw"), ("admin", ""), ("admin", " \t")] {
        assert!(
            matches!(client.login(user, pw, None), Err(Error::InvalidArgument(_))),
            "{user:?}/{pw:?}"
        );
    }
}

#[test]
fn login_expiry() {
    let server = TestServer::start();
    let mut client = server.anonymous();
    let (user, pw) = (server.admin_user.clone(), server.admin_password.clone());
    let token = client
        .login(&user, &pw, Some(Duration::from_secs(120)))
        .unwrap();
    assert_eq!(lifetime_secs(&token), 120);
    let token = client.login(&user, &pw, None).unwrap();
    assert_eq!(
        lifetime_secs(&token),
        24 * 3600,
        "the local server's default"
    );

    for short in [Duration::ZERO, Duration::from_secs(59)] {
        let err = client.login(&user, &pw, Some(short)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument(_)),
            "{short:?}: {err:?}"
        );
    }
    // Past the maximum token age: refused by the client (the server's default maximum, 90
    // days), and by the server when the client is told of a larger maximum.
    let too_long = Some(Duration::from_secs(91 * 24 * 3600));
    let err = client.login(&user, &pw, too_long).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let mut lax = Client::builder(&server.url)
        .proxy_from_env(false)
        .max_token_age(Duration::from_secs(365 * 24 * 3600))
        .build()
        .unwrap();
    let err = lax.login(&user, &pw, too_long).unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message, .. } if message.contains("max token age")),
        "{err:?}"
    );
}

#[test]
fn non_admins_and_foreign_tokens_are_unauthorized_without_leaking_the_token() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("plain");
    admin.user_manager().create(&id, &[], "pw").unwrap();
    let plain = server.login(&id, "pw");
    let err = plain
        .user_manager()
        .delete(&server.admin_user, false)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message } if message.contains("requires admin")),
        "{err:?}"
    );

    // A well-formed token with a signature this server did not make: AuthN echoes it in its
    // 401 message. (Header {"alg":"HS256"}, claims {"sub":"admin","exp":4102444800,"admin":true}.)
    let foreign = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    let err = server
        .with_token(foreign)
        .user_manager()
        .list()
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(foreign), "token leaked: {shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
    // Any token shape is echoed and cut out.
    let err = server
        .with_token("not-a-jwt-secret")
        .user_manager()
        .list()
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(
        !format!("{err} {err:?}").contains("not-a-jwt-secret"),
        "{err:?}"
    );
}

#[test]
fn base_url_forms() {
    let server = TestServer::start();
    for url in [
        server.url.clone(),
        format!("{}/", server.url),
        format!("{}//", server.url),
    ] {
        let client = Client::builder(&url).proxy_from_env(false).build().unwrap();
        assert_eq!(client.base_url(), server.url);
        assert!(client.role_manager().get("Admin").unwrap().admin);
    }
}

#[test]
fn connection_refused_is_a_transport_error() {
    // Bind and drop a listener: nothing listens on that port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .proxy_from_env(false)
        .build()
        .unwrap();
    let err = client.role_manager().list().unwrap_err();
    match &err {
        Error::Transport {
            kind, method, path, ..
        } => {
            assert_eq!(
                (*kind, *method, path.as_str()),
                (TransportErrorKind::Connect, "GET", "/v1/roles")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), None);
}

//! Client: login, tokens, and error typing against the real AuthN server.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{unique, TestServer};
use aistore_authn::{Client, Error, TransportErrorKind};

/// Logs in for `requested` and checks that the token lives `expected` seconds: `exp - iat`,
/// or, from servers before v1.4.4 (tokens without `iat`), `exp - expected` in whole seconds
/// between the login's start and end (AuthN truncates `exp` to the second).
fn check_lifetime(
    client: &mut Client,
    (user, pw): (&str, &str),
    requested: Option<Duration>,
    expected: u64,
) {
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let start = secs(SystemTime::now());
    let token = client.login(user, pw, requested).unwrap();
    let end = secs(SystemTime::now());
    let claims = token.claims();
    let exp = secs(claims.expires_at);
    match claims.issued_at {
        Some(issued) => assert_eq!(exp - secs(issued), expected, "{requested:?}"),
        None => assert!(
            (start..=end).contains(&(exp - expected)),
            "{requested:?}: exp {exp}, login from {start} to {end}"
        ),
    }
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
    assert_eq!(token.subject(), server.admin_user);
    assert!(token.is_admin() && !token.is_expired());
    let token = token.as_str().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(client.token().as_deref(), Some(token.as_str()));
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
        matches!(&err, Error::Unauthorized { message, .. } if message.contains("token required")),
        "{err:?}"
    );
    client.set_token(Some(token));
    client.user_manager().list().unwrap();

    // A token set on the builder works the same.
    let built = server.with_token(&client.token().unwrap());
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
    let creds = (user.as_str(), pw.as_str());
    check_lifetime(&mut client, creds, Some(Duration::from_secs(120)), 120);
    // The local server's default.
    check_lifetime(&mut client, creds, None, 24 * 3600);

    let err = client
        .login(&user, &pw, Some(Duration::from_secs(59)))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    // Zero: the server's longest lifetime, its maximum token age (90 days by default); 20
    // years from servers before v1.4.7, which have no maximum.
    let longest = match server.older_than("v1.4.7") {
        true => 20 * 365 * 24 * 3600,
        false => 90 * 24 * 3600,
    };
    check_lifetime(&mut client, creds, Some(Duration::ZERO), longest);
    // Past the maximum token age: refused by the client (the server's default maximum, 90
    // days), and by the server when the client is told of a larger maximum (servers before
    // v1.4.7 have none: they issue it).
    let too_long = Some(Duration::from_secs(91 * 24 * 3600));
    let err = client.login(&user, &pw, too_long).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let mut lax = Client::builder(&server.url)
        .proxy_from_env(false)
        .max_token_age(Duration::from_secs(365 * 24 * 3600))
        .build()
        .unwrap();
    if server.older_than("v1.4.7") {
        check_lifetime(&mut lax, creds, too_long, 91 * 24 * 3600);
        return;
    }
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
        matches!(&err, Error::Unauthorized { message, .. } if message.contains("requires admin")),
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
    // The cause is there to inspect: the OS's "connection refused".
    let source = std::error::Error::source(&err).expect("a transport error has a source");
    let io = source
        .downcast_ref::<std::io::Error>()
        .unwrap_or_else(|| panic!("not an io::Error: {source:?}"));
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// A client with no token that logs in as `user` whenever it needs to.
fn with_credentials(server: &TestServer, user: &str, password: &str) -> Client {
    Client::builder(&server.url)
        .proxy_from_env(false)
        .credentials(user, password)
        .build()
        .unwrap()
}

#[test]
fn clones_and_with_token_share_settings_but_not_identity() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("twin");
    admin.user_manager().create(&id, &[], "pw").unwrap();
    let alice_jwt = server.login(&id, "pw").token().unwrap();

    let alice = admin.with_token(alice_jwt.clone()).unwrap();
    assert_eq!(alice.base_url(), admin.base_url());
    assert_eq!(alice.whoami().unwrap().user.id, id);
    assert!(matches!(
        alice.user_manager().list(),
        Err(Error::Unauthorized { .. })
    ));
    // The admin is still the admin.
    assert!(admin.whoami().unwrap().user.is_admin());

    let mut clone = admin.clone();
    assert_eq!(clone.token(), admin.token());
    clone.logout().unwrap();
    assert_eq!(clone.token(), None);
    assert!(
        admin.token().is_some(),
        "logging out a clone leaves the original's token"
    );
    if server.refuses_revoked_tokens() {
        assert!(
            matches!(admin.user_manager().list(), Err(Error::Unauthorized { .. })),
            "but the token itself is revoked, for every holder"
        );
    }

    // Clones work from several threads at once over the one pool. (A plain admin login in
    // this same second would get the revoked token back; credentials handle that.)
    let server_admin = with_credentials(&server, &server.admin_user, &server.admin_password);
    assert_eq!(server_admin.user_manager().get(&id).unwrap().id, id);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let c = server_admin.clone();
            let id = id.clone();
            s.spawn(move || assert_eq!(c.user_manager().get(&id).unwrap().id, id));
        }
    });
}

#[test]
fn credentials_log_in_on_first_need_and_again_after_revocation() {
    let server = TestServer::start();
    let client = with_credentials(&server, &server.admin_user, &server.admin_password);
    // Public endpoints need no login.
    client.role_manager().list().unwrap();
    assert_eq!(client.token(), None);
    // The first call that needs a token logs in.
    assert!(client
        .user_manager()
        .list()
        .unwrap()
        .contains_key(&server.admin_user));
    let first = client.token().expect("logged in");
    if !server.refuses_revoked_tokens() {
        return;
    }
    // Revoked behind the client's back: the next call logs in again and succeeds.
    server.anonymous().token_manager().revoke(&first).unwrap();
    assert!(client.user_manager().list().is_ok());
    let second = client.token().expect("logged in again");
    assert_ne!(second, first);
    assert_eq!(
        aistore_authn::Token::parse(&second).unwrap().subject(),
        server.admin_user
    );
    // The old token really is refused: the call above succeeded only through the new login.
    assert!(matches!(
        server.with_token(&first).user_manager().list(),
        Err(Error::Unauthorized { .. })
    ));
}

#[test]
fn credentials_replace_an_expired_token_before_sending_it() {
    let server = TestServer::start();
    // {"alg":"HS256"} {"sub":"admin","exp":1000}: long expired.
    let expired = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTAwMH0.c2ln";
    let client = Client::builder(&server.url)
        .proxy_from_env(false)
        .token(expired)
        .credentials(&server.admin_user, &server.admin_password)
        .build()
        .unwrap();
    client.user_manager().list().unwrap();
    let token = client.token().unwrap();
    assert_ne!(token, expired);
    assert!(!aistore_authn::Token::parse(&token).unwrap().is_expired());
}

#[test]
fn credentials_never_retry_a_refused_login_or_a_missing_right() {
    let server = TestServer::start();
    let wrong = with_credentials(&server, &server.admin_user, "wrong-password");
    for _ in 0..2 {
        let err = wrong.user_manager().list().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidCredentials(u) if *u == server.admin_user),
            "{err:?}"
        );
    }
    assert_eq!(wrong.token(), None);

    // A valid token without admin rights: 401, but no new login (the token stays the same).
    let id = unique("plain");
    server
        .admin()
        .user_manager()
        .create(&id, &[], "pw")
        .unwrap();
    let plain = with_credentials(&server, &id, "pw");
    assert_eq!(plain.user_manager().get(&id).unwrap().id, id);
    let token = plain.token().unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // a new login would now give a new token
    let err = plain.user_manager().list().unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message, .. } if message.contains("requires admin")),
        "{err:?}"
    );
    assert_eq!(
        plain.token().unwrap(),
        token,
        "no login for a missing right"
    );
}

#[test]
fn a_credentials_client_can_ask_whoami_first() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("who");
    admin.user_manager().create(&id, &[], "pw-who").unwrap();
    let client = with_credentials(&server, &id, "pw-who");
    assert_eq!(client.token(), None);
    // The first call needs the token's claims: it logs in for them.
    let me = client.whoami().unwrap();
    assert_eq!(
        (me.claims.subject.as_str(), me.user.id.as_str()),
        (id.as_str(), id.as_str())
    );
    assert_eq!(client.token_claims().unwrap().subject, id);
    assert!(client.token().is_some());
    // Without credentials it stays an error that sends nothing.
    let err = server.anonymous().whoami().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument(m) if m.contains("not logged in")),
        "{err:?}"
    );
}

#[test]
fn every_manager_gives_back_the_client_it_borrows() {
    let a = Client::new("http://127.0.0.1:1").unwrap();
    let b = a.clone();
    assert!(std::ptr::eq(a.user_manager().client(), &a));
    assert!(std::ptr::eq(a.role_manager().client(), &a));
    assert!(std::ptr::eq(a.cluster_manager().client(), &a));
    assert!(std::ptr::eq(a.token_manager().client(), &a));
    assert!(std::ptr::eq(a.server_manager().client(), &a));
    assert!(!std::ptr::eq(b.user_manager().client(), &a));
}

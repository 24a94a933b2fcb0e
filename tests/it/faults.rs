//! Faults and retries, on a loopback stub that misbehaves on purpose, and on the real server
//! killed and restarted mid-sequence.

use std::net::TcpListener;
use std::time::Duration;

use crate::support::{http_reply, unique, Raw, Stub, TestServer};
use aistore_authn::{Client, ConfigUpdate, Error, RetryPolicy, TransportErrorKind};
use aistore_authn_testkit::LocalServer;

fn client(stub: &Stub) -> Client {
    Client::builder(&stub.url)
        .proxy_from_env(false)
        .token("stub-token")
        .retry(RetryPolicy::new(
            4,
            Duration::from_millis(10),
            Duration::from_millis(50),
        ))
        .build()
        .unwrap()
}

fn once(stub: &Stub) -> Client {
    Client::builder(&stub.url)
        .proxy_from_env(false)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn transport_kind(err: &Error) -> TransportErrorKind {
    match err {
        Error::Transport { kind, .. } => *kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn idempotent_requests_survive_failed_attempts() {
    // Two connections reset before any reply, then an answer.
    let stub = Stub::start_raw(|_, n| {
        if n < 2 {
            Raw::Close
        } else {
            Raw::Reply(http_reply(200, "[]"))
        }
    });
    assert!(client(&stub).role_manager().list().unwrap().is_empty());
    assert_eq!(stub.lines(), ["GET /v1/roles"; 3]);

    // 503 and 502 from a proxy, then the answer; for GET, PUT and DELETE alike.
    let stub = Stub::start_raw(|r, n| match n % 3 {
        0 => Raw::Reply(http_reply(503, "")),
        1 => Raw::Reply(http_reply(502, "")),
        _ if r.method == "GET" => Raw::Reply(http_reply(200, r#"{"id":"bob","roles":[]}"#)),
        _ => Raw::Reply(http_reply(200, "")),
    });
    let c = client(&stub);
    c.user_manager().get("bob").unwrap();
    c.user_manager().delete("bob", false).unwrap();
    c.token_manager().revoke("eyJa.b.c").unwrap();
    c.server_manager()
        .set_config(&ConfigUpdate::new().log_level(4))
        .unwrap();
    let methods: Vec<String> = stub.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(
        methods,
        [["GET"; 3], ["DELETE"; 3], ["DELETE"; 3], ["PUT"; 3]].concat()
    );
}

#[test]
fn a_stale_pooled_connection_is_replaced_for_put_and_delete() {
    // Every reply closes its connection, so each next request finds its pooled one dead.
    let stub = Stub::start_raw(|_, _| Raw::Last(http_reply(200, "")));
    let c = client(&stub);
    c.server_manager()
        .set_config(&ConfigUpdate::new().log_level(4))
        .unwrap();
    c.token_manager().revoke("eyJa.b.c").unwrap();
    c.server_manager()
        .set_config(&ConfigUpdate::new().log_level(3))
        .unwrap();
    assert_eq!(
        stub.lines(),
        ["PUT /v1/daemon", "DELETE /v1/tokens", "PUT /v1/daemon"]
    );
    assert_eq!(stub.connection_count(), 3);
}

#[test]
fn a_delete_that_was_applied_before_a_retry_is_done_not_missing() {
    // The first DELETE is carried out, but its reply is lost (a proxy's 502); the retry then
    // finds nothing. That is success, not UserNotFound.
    let stub = Stub::start_raw(|_, n| match n {
        0 => Raw::Reply(http_reply(502, "")),
        _ => Raw::Reply(http_reply(
            404,
            r#"{"message":"user \"bob\" does not exist"}"#,
        )),
    });
    client(&stub).user_manager().delete("bob", false).unwrap();
    assert_eq!(stub.lines(), ["DELETE /v1/users/bob"; 2]);
    // Without a lost first attempt, a 404 is still UserNotFound.
    let err = client(&stub)
        .user_manager()
        .delete("bob", false)
        .unwrap_err();
    assert!(matches!(err, Error::UserNotFound(_)), "{err:?}");
}

#[test]
fn after_a_lost_delete_only_authns_own_not_found_counts_as_done() {
    // A proxy's plain-text 404 after a lost first attempt: the server's state is unknown.
    let stub = Stub::start_raw(|_, n| match n {
        0 => Raw::Close,
        _ => Raw::Reply(http_reply(404, "404 page not found")),
    });
    let err = client(&stub)
        .user_manager()
        .delete("bob", false)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 404, message, .. } if message == "404 page not found"),
        "{err:?}"
    );
    assert_eq!(stub.lines(), ["DELETE /v1/users/bob"; 2]);

    // Revocation names no entity: a 404 after a lost attempt is an error, never "revoked".
    let stub = Stub::start_raw(|_, n| match n {
        0 => Raw::Close,
        _ => Raw::Reply(http_reply(404, r#"{"message":"not found","status":404}"#)),
    });
    let err = client(&stub)
        .token_manager()
        .revoke("eyJa.eyJb.c")
        .unwrap_err();
    assert!(matches!(&err, Error::Api { status: 404, .. }), "{err:?}");
    assert_eq!(stub.lines(), ["DELETE /v1/tokens"; 2]);
}

#[test]
fn a_new_secret_is_sent_once() {
    // Once applied, a new secret invalidates the token a repeat would carry.
    let stub = Stub::start_raw(|_, _| Raw::Reply(http_reply(502, "")));
    let err = client(&stub)
        .server_manager()
        .set_config(&ConfigUpdate::new().secret("new-secret-1"))
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
    assert_eq!(stub.lines(), ["PUT /v1/daemon"]);
}

#[test]
fn retries_stop_at_the_policy_and_give_the_last_error() {
    let stub = Stub::start_raw(|_, _| Raw::Reply(http_reply(503, r#"{"message":"busy"}"#)));
    let err = client(&stub).role_manager().list().unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 503, message, .. } if message == "busy"),
        "{err:?}"
    );
    assert_eq!(stub.lines().len(), 4);
    let stub = Stub::start_raw(|_, _| Raw::Close);
    let err = once(&stub).role_manager().list().unwrap_err();
    assert_eq!(
        stub.lines().len(),
        1,
        "RetryPolicy::none sends once: {err:?}"
    );
}

#[test]
fn a_post_that_may_have_arrived_is_sent_exactly_once() {
    for fault in [
        (|| Raw::Close) as fn() -> Raw,
        || Raw::Reply(http_reply(503, "")),
        || Raw::Last(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{".to_vec()),
    ] {
        let stub = Stub::start_raw(move |r, _| {
            if r.method == "POST" {
                fault()
            } else {
                Raw::Reply(http_reply(404, r#"{"message":"no"}"#))
            }
        });
        let c = client(&stub);
        assert!(c.user_manager().create("alice", &[], "pw").is_err());
        assert!(c
            .cluster_manager()
            .register_with_id("uuid1", "", &[])
            .is_err());
        assert!(c.server_manager().rotate_key().is_err());
        let posts: Vec<String> = stub
            .lines()
            .into_iter()
            .filter(|l| l.starts_with("POST"))
            .collect();
        assert_eq!(
            posts,
            ["POST /v1/users", "POST /v1/clusters", "POST /v1/rotate-key"],
            "one each"
        );
        let mut login = Client::builder(&stub.url)
            .proxy_from_env(false)
            .build()
            .unwrap();
        assert!(login.login("alice", "pw", None).is_err());
        assert_eq!(
            stub.lines()
                .iter()
                .filter(|l| *l == "POST /v1/users/alice")
                .count(),
            1
        );
    }
}

#[test]
fn a_post_whose_connection_was_refused_is_retried_and_arrives_once() {
    // Nothing listens on the port at first; the server comes up while the client retries.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        Stub::start_raw_on(listener, |_, _| {
            Raw::Reply(http_reply(
                200,
                r#"{"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln"}"#,
            ))
        })
    });
    let mut c = Client::builder(&format!("http://127.0.0.1:{port}"))
        .proxy_from_env(false)
        .retry(RetryPolicy::new(
            8,
            Duration::from_millis(50),
            Duration::from_millis(200),
        ))
        .build()
        .unwrap();
    let token = c.login("alice", "pw", None).unwrap();
    assert_eq!(
        token.as_str(),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln"
    );
    let stub = starter.join().unwrap();
    assert_eq!(stub.lines(), ["POST /v1/users/alice"]);
}

#[test]
fn every_fault_is_a_typed_error() {
    type Case = (&'static str, Raw, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        ("reset before headers", Raw::Close, |e| matches!(transport_kind(e), TransportErrorKind::Io | TransportErrorKind::Protocol)),
        ("reset after headers", Raw::Last(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec()), |e| matches!(transport_kind(e), TransportErrorKind::Io | TransportErrorKind::Protocol)),
        ("truncated body", Raw::Last(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n[{\"name\":\"Adm".to_vec()), |e| matches!(transport_kind(e), TransportErrorKind::Io | TransportErrorKind::Protocol)),
        ("not HTTP", Raw::Last(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()), |e| transport_kind(e) == TransportErrorKind::Protocol),
        ("non-JSON 200", Raw::Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec()), |e| matches!(e, Error::Decode { .. })),
        ("text/plain 404", Raw::Reply(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\n404 page not found\n".to_vec()), |e| matches!(e, Error::Api { status: 404, message, .. } if message == "404 page not found")),
        ("text/plain 405", Raw::Reply(b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\nMethod Not Allowed\n".to_vec()), |e| matches!(e, Error::Api { status: 405, .. })),
        ("HTML 502 from a proxy", Raw::Reply(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n<html><h1>502 Bad Gateway</h1></html>\r\n\r\n".to_vec()), |e| matches!(e, Error::Api { status: 502, message, .. } if message.contains("Bad Gateway"))),
        ("redirect", Raw::Reply(http_reply(302, "")), |e| matches!(e, Error::Api { status: 302, .. })),
        ("chunked garbage", Raw::Last(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec()), |e| matches!(transport_kind(e), TransportErrorKind::Io | TransportErrorKind::Protocol)),
    ];
    for (what, raw, check) in cases {
        let stub = Stub::start_raw(move |_, _| raw.clone());
        let err = client(&stub).role_manager().list().unwrap_err();
        assert!(check(&err), "{what}: {err:?}");
    }
}

#[test]
fn an_oversized_reply_is_refused() {
    let big = format!(
        "[{}]",
        vec![r#"{"name":"x","desc":"y","clusters":null,"buckets":null,"admin":false}"#; 2000]
            .join(",")
    );
    let stub = Stub::start(move |_| (200, big.clone()));
    let c = Client::builder(&stub.url)
        .proxy_from_env(false)
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let err = c.role_manager().list().unwrap_err();
    assert_eq!(
        transport_kind(&err),
        TransportErrorKind::TooLarge,
        "{err:?}"
    );
    let c = Client::builder(&stub.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    assert_eq!(
        c.role_manager().list().unwrap().len(),
        2000,
        "the default cap is far above it"
    );
}

#[test]
fn a_slow_reply_times_out_and_is_not_waited_for_again() {
    let stub = Stub::start(|_| {
        std::thread::sleep(Duration::from_secs(2));
        (200, "[]".into())
    });
    let c = Client::builder(&stub.url)
        .proxy_from_env(false)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = c.role_manager().list().unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        stub.lines().len(),
        1,
        "the timeout covers retries too: no second attempt"
    );
}

#[test]
fn connections_are_kept_alive_and_reused() {
    let stub = Stub::start(|_| (200, "[]".into()));
    let c = client(&stub);
    for _ in 0..5 {
        c.role_manager().list().unwrap();
    }
    assert_eq!(stub.connection_count(), 1);
    let stub = Stub::start(|_| (200, "[]".into()));
    let c = Client::builder(&stub.url)
        .proxy_from_env(false)
        .max_idle_connections(0)
        .build()
        .unwrap();
    for _ in 0..3 {
        c.role_manager().list().unwrap();
    }
    assert_eq!(stub.connection_count(), 3);
}

#[test]
fn the_real_server_killed_and_restarted_mid_sequence() {
    let mut local = LocalServer::start().unwrap();
    let server_url = local.url();
    // A retry budget set up front (about 10 s of pauses), so that the restart fits in it on
    // a loaded machine; at call time the caller does nothing.
    let admin = Client::builder(&server_url)
        .proxy_from_env(false)
        .token(local.admin_client().unwrap().token().unwrap())
        .retry(RetryPolicy::new(
            12,
            Duration::from_millis(100),
            Duration::from_secs(1),
        ))
        .build()
        .unwrap();
    let id = unique("kept");
    admin.user_manager().create(&id, &[], "pw").unwrap();
    admin.user_manager().list().unwrap(); // leaves a pooled connection to the old process

    local.stop();
    let err = Client::builder(&server_url)
        .proxy_from_env(false)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .role_manager()
        .list()
        .unwrap_err();
    assert_eq!(
        transport_kind(&err),
        TransportErrorKind::Connect,
        "down: {err:?}"
    );
    // The next idempotent call rides out the restart by itself: it starts while the server
    // is down, and the server comes back on the same port and data directory.
    let user = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            local.restart().unwrap();
        });
        admin.user_manager().get(&id)
    });
    assert_eq!(user.unwrap().id, id, "no data lost, the caller did nothing");
    // The admin's token still works (same signing secret), and writes work again.
    admin.user_manager().update(&id, Some("pw2"), None).unwrap();
    let server = TestServer::from_local(local);
    server.login(&id, "pw2");
}

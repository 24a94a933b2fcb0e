//! Secrets a call sends never come back in its error, even when the server echoes the request.
//! The real AuthN server never echoes a password, so a stub does: each refusal's message holds
//! the request body as sent (where the secret is JSON-escaped) and every string in it
//! (where it is plain). Each test fails when its call site stops handing the secret to the
//! redactor (`Request::secret`).

use std::time::{Duration, Instant};

use aistore_authn::{ConfigUpdate, Error, RetryPolicy};

use crate::support::{Recorded, Stub};

/// A secret with characters JSON escapes, so its plain and escaped forms differ.
const SECRET: &str = r#"Pw"with\quote-7f3a"#;

/// Every string value in a JSON document, recursively.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// A stub that refuses every request with a 400 whose message echoes the request.
fn echoing_stub() -> Stub {
    Stub::start(|r: &Recorded| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let mut plain = Vec::new();
        if let Ok(json) = serde_json::from_slice(&r.body) {
            strings(&json, &mut plain);
        }
        let message = format!("cannot accept {body}; values: {}", plain.join(" "));
        (400, serde_json::json!({ "message": message }).to_string())
    })
}

/// The error shows the secret in neither form, and the stub really did receive it (so the
/// echo was there to cut).
fn assert_cut(stub: &Stub, err: &Error) {
    let escaped = serde_json::to_string(SECRET).unwrap();
    let escaped = escaped.trim_matches('"');
    assert!(
        stub.requests()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains(escaped)),
        "the request did not carry the secret: {:?}",
        stub.requests()
    );
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(shown.contains("cannot accept"), "not the echo: {shown}");
        assert!(!shown.contains(SECRET), "plain secret in {shown}");
        assert!(!shown.contains(escaped), "escaped secret in {shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[test]
fn login_cuts_the_password_from_an_echoing_error() {
    let stub = echoing_stub();
    let mut client = aistore_authn::Client::builder(&stub.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    let err = client.login("alice", SECRET, None).unwrap_err();
    assert_cut(&stub, &err);
}

#[test]
fn user_create_cuts_the_password_from_an_echoing_error() {
    let stub = echoing_stub();
    let err = stub
        .client()
        .user_manager()
        .create("alice", &[], SECRET)
        .unwrap_err();
    assert_cut(&stub, &err);
}

#[test]
fn user_update_cuts_the_password_from_an_echoing_error() {
    let stub = echoing_stub();
    let err = stub
        .client()
        .user_manager()
        .update("alice", Some(SECRET), None)
        .unwrap_err();
    assert_cut(&stub, &err);
}

#[test]
fn set_config_cuts_the_new_secret_from_an_echoing_error() {
    let stub = echoing_stub();
    let update = ConfigUpdate::new().secret(SECRET);
    let err = stub
        .client()
        .server_manager()
        .set_config(&update)
        .unwrap_err();
    assert_cut(&stub, &err);
}

/// The timeout bounds the whole call, retries and their pauses included: a server that
/// answers 503 forever, a 1 s timeout, pauses of 300 ms and attempts enough for five minutes.
/// The call retries, then stops when no time is left for another attempt. A margin is left
/// for a slow machine (this is a bound, not a benchmark), and the test waits at most 10 s for
/// the call, so a loop that ignores the time left fails here instead of hanging the suite.
#[test]
fn the_timeout_bounds_a_call_that_is_retried() {
    let stub = Stub::start(|_| (503, r#"{"message":"busy"}"#.to_owned()));
    let client = aistore_authn::Client::builder(&stub.url)
        .proxy_from_env(false)
        .token("stub-token")
        .timeout(Duration::from_secs(1))
        .retry(RetryPolicy::new(
            1_000,
            Duration::from_millis(300),
            Duration::from_millis(300),
        ))
        .build()
        .unwrap();
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let err = client.user_manager().list().unwrap_err();
        let _ = done.send((started.elapsed(), err));
    });
    let (took, err) = result
        .recv_timeout(Duration::from_secs(10))
        .expect("the call outlived its 1 s timeout by 9 s");
    assert!(took < Duration::from_secs(3), "took {took:?}: {err:?}");
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    let attempts = stub.requests().len();
    assert!((2..=5).contains(&attempts), "{attempts} attempts in 1 s");
}

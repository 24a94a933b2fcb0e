//! Exact requests, checked on a loopback stub: what the real server cannot show us.

use std::time::Duration;

use crate::support::Stub;
use aistore_authn::{AccessAttr, Client, Error, RoleUpdate};
use serde_json::{json, Value};

fn role_json(name: &str) -> Value {
    json!({"name": name, "desc": format!("{name} role"), "clusters": [{"id": "uuid-1", "perm": "771"}], "buckets": null, "admin": false})
}

/// A stub AuthN with roles r0..r9 and a user `alice`; `ghost` is unknown.
fn authn_stub() -> Stub {
    Stub::start(|r| {
        let roles: Vec<Value> = (0..10).map(|i| role_json(&format!("r{i}"))).collect();
        match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/v1/roles") => (200, Value::Array(roles).to_string()),
            ("GET", p) if p.starts_with("/v1/roles/r") => (200, role_json(&p[10..]).to_string()),
            ("GET", "/v1/clusters") => (
                200,
                json!({"clusters": {"uuid-1": {"id": "uuid-1", "alias": "c1"}}}).to_string(),
            ),
            ("GET", "/v1/users/alice") => (
                200,
                json!({"id": "alice", "roles": [role_json("r1")]}).to_string(),
            ),
            ("POST", "/v1/users/alice") => {
                (200, r#"{"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln"}"#.into())
            }
            ("POST" | "PUT", _) => (200, String::new()),
            _ => (
                404,
                json!({"message": "does not exist", "status": 404}).to_string(),
            ),
        }
    })
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[test]
fn create_with_five_roles_is_three_requests_with_exact_fields() {
    let stub = authn_stub();
    let client = stub.client();
    let user = client
        .user_manager()
        .create("alice", &["r4", "r0", "r3", "r0", "r9", "r7"], "s3cret")
        .unwrap();
    assert_eq!(user.id, "alice");
    assert_eq!(
        stub.lines(),
        ["GET /v1/roles", "POST /v1/users", "GET /v1/users/alice"]
    );

    let post = &stub.requests()[1];
    let body = post.json();
    assert_eq!(
        keys(&body),
        ["id", "pass", "roles"],
        "only what the server reads"
    );
    assert_eq!(
        (body["id"].as_str(), body["pass"].as_str()),
        (Some("alice"), Some("s3cret"))
    );
    let names: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["r4", "r0", "r3", "r9", "r7"],
        "full roles, duplicates once"
    );
    assert_eq!(
        body["roles"][0]["clusters"][0]["perm"], "771",
        "perm is a decimal string"
    );
    assert!(post
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(post.header("authorization"), Some("Bearer stub-token"));
    assert_eq!(
        post.header("user-agent"),
        Some(concat!("aistore-authn/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn create_with_one_role_is_three_requests_and_with_none_two() {
    let stub = authn_stub();
    stub.client()
        .user_manager()
        .create("alice", &["r1"], "pw")
        .unwrap();
    assert_eq!(
        stub.lines(),
        ["GET /v1/roles/r1", "POST /v1/users", "GET /v1/users/alice"]
    );
    let stub = authn_stub();
    stub.client()
        .user_manager()
        .create("alice", &[], "pw")
        .unwrap();
    assert_eq!(stub.lines(), ["POST /v1/users", "GET /v1/users/alice"]);
    assert_eq!(stub.requests()[0].json()["roles"], json!([]));
}

#[test]
fn update_sends_only_the_changed_fields() {
    let stub = authn_stub();
    stub.client()
        .user_manager()
        .update("alice", Some("n3w"), None)
        .unwrap();
    assert_eq!(stub.lines(), ["PUT /v1/users/alice", "GET /v1/users/alice"]);
    assert_eq!(
        stub.requests()[0].json(),
        json!({"id": "alice", "pass": "n3w"}),
        "no null password, no roles"
    );

    let stub = authn_stub();
    stub.client()
        .user_manager()
        .update("alice", None, Some(&["r2", "r5"]))
        .unwrap();
    assert_eq!(
        stub.lines(),
        [
            "GET /v1/roles",
            "PUT /v1/users/alice",
            "GET /v1/users/alice"
        ]
    );
    let body = stub.requests()[1].json();
    assert_eq!(keys(&body), ["id", "roles"]);
    assert_eq!(body["roles"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unknown_role_stops_before_any_write() {
    let stub = authn_stub();
    let users = stub.client();
    let err = users
        .user_manager()
        .create("alice", &["ghost"], "pw")
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoleNotFound(n) if n == "ghost"),
        "{err:?}"
    );
    let err = users
        .user_manager()
        .update("alice", None, Some(&["r1", "ghost"]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoleNotFound(n) if n == "ghost"),
        "{err:?}"
    );
    assert_eq!(stub.lines(), ["GET /v1/roles/ghost", "GET /v1/roles"]);
}

#[test]
fn login_body_path_and_headers() {
    let stub = authn_stub();
    let mut client = Client::builder(&stub.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    let token = client
        .login("alice", "pw", Some(Duration::from_secs(120)))
        .unwrap();
    assert_eq!(client.token().as_deref(), Some(token.as_str()));
    assert_eq!(token.subject(), "alice");
    let login = &stub.requests()[0];
    assert_eq!(
        (login.method.as_str(), login.path.as_str()),
        ("POST", "/v1/users/alice")
    );
    assert_eq!(
        login.json(),
        json!({"password": "pw", "expires_in": 120_000_000_000u64}),
        "integer nanoseconds"
    );
    assert_eq!(login.header("authorization"), None, "no token yet");
    client.login("alice", "pw", None).unwrap();
    assert_eq!(stub.requests()[1].json(), json!({"password": "pw"}));
}

#[test]
fn names_are_percent_encoded_path_segments() {
    let stub = authn_stub();
    let client = stub.client();
    let _ = client.user_manager().get("a b?c#d%e");
    let _ = client.role_manager().delete("ClusterOwner-x y", false);
    let _ = client.cluster_manager().get("é");
    assert_eq!(
        stub.lines(),
        [
            "GET /v1/users/a%20b%3Fc%23d%25e",
            "DELETE /v1/roles/ClusterOwner-x%20y",
            "GET /v1/clusters/%C3%A9"
        ]
    );
}

#[test]
fn role_writes_carry_the_cluster_id_and_string_perms() {
    let stub = authn_stub();
    let client = stub.client();
    let _ = client.role_manager().create(
        "ops",
        "d",
        "c1",
        AccessAttr::ACCESS_RO | AccessAttr::GET,
        Some("b1"),
    );
    let _ = client.role_manager().update(
        "ops",
        &RoleUpdate::new()
            .cluster("c1", AccessAttr::ACCESS_RW)
            .bucket("c1", "s3://logs", AccessAttr::ACCESS_RO),
    );
    assert_eq!(
        stub.lines(),
        [
            "GET /v1/clusters",
            "POST /v1/roles",
            "GET /v1/roles/ops",
            "GET /v1/clusters",
            "PUT /v1/roles/ops",
            "GET /v1/roles/ops"
        ]
    );
    let reqs = stub.requests();
    assert_eq!(
        reqs[1].json()["buckets"],
        json!([{"bck": {"name": "b1", "provider": "ais", "namespace": {"uuid": "uuid-1", "name": ""}}, "perm": "771"}])
    );
    // The alias the entry was named by goes along, as `ais auth` sends it.
    assert_eq!(
        reqs[4].json()["clusters"],
        json!([{"id": "uuid-1", "alias": "c1", "perm": "831"}])
    );
    assert_eq!(
        reqs[4].json()["buckets"],
        json!([{"bck": {"name": "logs", "provider": "aws", "namespace": {"uuid": "uuid-1", "name": ""}}, "perm": "771"}])
    );
}

#[test]
fn a_404_that_is_not_authn_json_is_not_a_missing_entity() {
    // What a wrong base path or a proxy answers: missing_ok must not turn it into success.
    let stub = Stub::start(|_| (404, "404 page not found\n".into()));
    let err = stub
        .client()
        .user_manager()
        .delete("alice", true)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 404, message, .. } if message == "404 page not found"),
        "{err:?}"
    );
}

#[test]
fn every_bad_input_is_refused_before_any_request() {
    let stub = authn_stub();
    let client = stub.client();
    let (users, roles, clusters, tokens) = (
        client.user_manager(),
        client.role_manager(),
        client.cluster_manager(),
        client.token_manager(),
    );
    let long = "n".repeat(33);
    let long_pw = "p".repeat(73);
    // Names the server would refuse on create, or that would change the URL.
    let bad_new_names = [
        "", "a/b", "..", "a?b", "a#b", "a%2Fb", "a b", "é", "日本", &long, "-lead", "trail-",
        "_lead", "trail_", "a.b", "a\nb",
    ];
    let mut rows: Vec<(String, Result<(), Error>)> = Vec::new();
    for name in bad_new_names {
        rows.push((
            format!("create user {name:?}"),
            users.create(name, &["r1"], "pw").map(drop),
        ));
        rows.push((
            format!("ensure user {name:?}"),
            users.ensure_user(name, &["r1"], "pw").map(drop),
        ));
        rows.push((
            format!("create role {name:?}"),
            roles
                .create(name, "", "c1", AccessAttr::GET, None)
                .map(drop),
        ));
        // An empty alias is allowed (a cluster without one); an empty ID is not.
        if !name.is_empty() {
            rows.push((
                format!("register alias {name:?}"),
                clusters.register_with_id("uuid9", name, &[]).map(drop),
            ));
        }
    }
    // Cluster IDs: AuthN checks none, but roles are named after them; any length is fine.
    for id in [
        "", "a/b", "..", "a?b", "a#b", "a%2Fb", "a b", "é", "a.b", "a\nb",
    ] {
        rows.push((
            format!("register id {id:?}"),
            clusters.register_with_id(id, "", &[]).map(drop),
        ));
    }
    // Names that cannot address anything.
    for name in ["", "/", "a/b", ".", ".."] {
        rows.push((format!("get user {name:?}"), users.get(name).map(drop)));
        rows.push((format!("delete role {name:?}"), roles.delete(name, true)));
        rows.push((
            format!("get cluster {name:?}"),
            clusters.get(name).map(drop),
        ));
        rows.push((
            format!("role in a list {name:?}"),
            users.update("alice", None, Some(&["r1", name])).map(drop),
        ));
    }
    for pw in ["", " ", "\t\n", &long_pw] {
        rows.push((
            format!("create with password {pw:?}"),
            users.create("alice", &["r1"], pw).map(drop),
        ));
        rows.push((
            format!("update to password {pw:?}"),
            users.update("alice", Some(pw), None).map(drop),
        ));
    }
    for url in [
        "ftp://x",
        "127.0.0.1:8080",
        "http://",
        "http://user:pw@host",
    ] {
        rows.push((
            format!("cluster URL {url:?}"),
            clusters.register_with_id("uuid9", "", &[url]).map(drop),
        ));
        rows.push((
            format!("register by URL {url:?}"),
            clusters.register("c9", &[url]).map(drop),
        ));
    }
    // Updates that would change nothing (AuthN reads "empty" as "keep") or break the rules.
    let p = AccessAttr::PUT;
    for (what, result) in [
        (
            "update user: nothing",
            users.update("alice", None, None).map(drop),
        ),
        (
            "update user: empty roles",
            users.update("alice", Some("pw"), Some(&[])).map(drop),
        ),
        (
            "update role: nothing",
            roles.update("r1", &RoleUpdate::new()).map(drop),
        ),
        (
            "update role: empty desc",
            roles
                .update("r1", &RoleUpdate::new().description(""))
                .map(drop),
        ),
        (
            "update role: empty cluster",
            roles
                .update("r1", &RoleUpdate::new().cluster("", p))
                .map(drop),
        ),
        (
            "update role: bucket, no cluster",
            roles
                .update("r1", &RoleUpdate::new().bucket("", "ais://b", p))
                .map(drop),
        ),
        (
            "update role: plain bucket name",
            roles
                .update("r1", &RoleUpdate::new().bucket("c1", "b", p))
                .map(drop),
        ),
        (
            "update role: unknown provider",
            roles
                .update("r1", &RoleUpdate::new().bucket("c1", "ftp://b", p))
                .map(drop),
        ),
        (
            "update role: bucket with a namespace",
            roles
                .update("r1", &RoleUpdate::new().bucket("c1", "ais://@u/b", p))
                .map(drop),
        ),
        (
            "create role: empty bucket",
            roles
                .create("r9", "", "c1", AccessAttr::GET, Some(""))
                .map(drop),
        ),
        (
            "create role: bucket URI",
            roles
                .create("r9", "", "c1", AccessAttr::GET, Some("ais://b"))
                .map(drop),
        ),
        (
            "update cluster: nothing",
            clusters.update("c1", None, None).map(drop),
        ),
        (
            "update cluster: empty alias",
            clusters.update("c1", Some(""), None).map(drop),
        ),
        (
            "update cluster: no URLs",
            clusters.update("c1", None, Some(&[])).map(drop),
        ),
    ] {
        rows.push((what.to_owned(), result));
    }
    rows.push(("revoke an empty token".into(), tokens.revoke("")));
    rows.push(("revoke a blank token".into(), tokens.revoke("  ")));
    for (what, result) in rows {
        assert!(
            matches!(result, Err(Error::InvalidArgument(_))),
            "{what}: {result:?}"
        );
    }
    let mut login = Client::builder(&stub.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    for (user, pw, exp) in [
        ("", "pw", None),
        ("a/b", "pw", None),
        ("alice", "", None),
        ("alice", " \t", None),
        ("alice", &*long_pw, None),
        ("alice", "pw", Some(Duration::from_secs(59))),
        ("alice", "pw", Some(Duration::from_secs(91 * 24 * 3600))),
    ] {
        let result = login.login(user, pw, exp);
        assert!(
            matches!(result, Err(Error::InvalidArgument(_))),
            "login {user:?} {exp:?}: {result:?}"
        );
    }
    assert_eq!(
        stub.lines(),
        Vec::<String>::new(),
        "no request reached the server"
    );
}

#[test]
fn a_reply_that_is_not_json_is_a_decode_error_with_its_cause() {
    // A proxy's HTML in a 200: what no AuthN server sends.
    let stub = Stub::start(|_| (200, "<html>gateway</html>".into()));
    let err = stub.client().role_manager().list().unwrap_err();
    assert!(
        matches!(&err, Error::Decode { method: "GET", .. }),
        "{err:?}"
    );
    let source = std::error::Error::source(&err).expect("a decode error has a source");
    assert!(
        source.downcast_ref::<serde_json::Error>().is_some(),
        "{source:?}"
    );
}

#[test]
fn credentials_log_in_once_per_call_and_not_again_after_a_refused_login() {
    // Every token is refused and every login fails: the client must not loop.
    let stub = Stub::start(|r| {
        match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/users/bob") => (
            401,
            json!({"message": "AuthN: failed to generate token for bob, err: invalid credentials", "status": 401}).to_string(),
        ),
        _ => (401, json!({"message": "token required", "status": 401}).to_string()),
    }
    });
    let client = Client::builder(&stub.url)
        .proxy_from_env(false)
        .credentials("bob", "pw")
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(matches!(
            client.user_manager().list(),
            Err(Error::InvalidCredentials(_))
        ));
    }
    assert_eq!(stub.lines(), ["POST /v1/users/bob"], "one login, then none");
}

#[test]
fn credentials_retry_a_refused_token_once() {
    // Logins succeed, but the server refuses every token: one login before the call, one after
    // the refusal, then the error.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";
    let stub = Stub::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/users/bob") => (200, format!(r#"{{"token": "{jwt}"}}"#)),
        _ => (
            401,
            json!({"message": "not authorized (invalid token: token revoked)", "status": 401})
                .to_string(),
        ),
    });
    let client = Client::builder(&stub.url)
        .proxy_from_env(false)
        .retry(aistore_authn::RetryPolicy::none())
        .credentials("bob", "pw")
        .build()
        .unwrap();
    let err = client.user_manager().list().unwrap_err();
    assert!(matches!(&err, Error::Unauthorized { .. }), "{err:?}");
    // The same token again from the second login: the client waits a second and tries a third.
    let lines = stub.lines();
    assert_eq!(
        lines,
        [
            "POST /v1/users/bob",
            "GET /v1/users",
            "POST /v1/users/bob",
            "POST /v1/users/bob",
            "GET /v1/users"
        ]
    );
}

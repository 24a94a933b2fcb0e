//! Real AIStore clusters keyed to real AuthN servers: tokens are checked (HMAC and RSA), the
//! cluster ID is the one `/v1/health?cii=true` gives, AuthN can register the cluster by URL,
//! and an HTTPS cluster can require client certificates.
#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use aistore_authn::Client;
use aistore_authn_testkit::{LocalCluster, LocalServer};
use support::{agent, call, call_following, make_certs, scratch_dir};

fn start_cluster(server: &LocalServer) -> LocalCluster {
    let started = Instant::now();
    let cluster = LocalCluster::builder()
        .authn(server)
        .start()
        .unwrap_or_else(|e| panic!("cannot start the AIStore cluster:\n{e}"));
    eprintln!(
        "cluster {} at {} started in {} ms",
        cluster.uuid(),
        cluster.endpoint(),
        started.elapsed().as_millis()
    );
    cluster
}

fn cii_uuid(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["smap"]["uuid"].as_str().unwrap().to_owned()
}

/// What every cluster must do with tokens, over plain HTTP.
fn check_tokens(server: &LocalServer, cluster: &LocalCluster) {
    let http = agent(None, None);
    let ep = cluster.endpoint();
    let logs = || cluster.log_tail();

    // Public: health and the cluster info, whose map UUID is the cluster's ID.
    let health = call(&http, "GET", &format!("{ep}/v1/health"), None, None).unwrap();
    assert_eq!(health.status, 200, "{health:?}\n{}", logs());
    let cii = call(
        &http,
        "GET",
        &format!("{ep}/v1/health?cii=true"),
        None,
        None,
    )
    .unwrap();
    assert_eq!(cii.status, 200, "{cii:?}");
    assert!(!cluster.uuid().is_empty());
    assert_eq!(cii_uuid(&cii.body), cluster.uuid());

    // No token, a garbage token, a token signed by another server: 401.
    let buckets = format!("{ep}/v1/buckets?provider=ais");
    let none = call(&http, "GET", &buckets, None, None).unwrap();
    assert_eq!(none.status, 401, "{none:?}");
    let garbage = call(&http, "GET", &buckets, Some("not.a.jwt"), None).unwrap();
    assert_eq!(garbage.status, 401, "{garbage:?}");

    // The admin's token from this AuthN server: 2xx, through the redirect to the target too.
    let admin = server.admin_client().unwrap();
    let token = admin.token().unwrap();
    let list = call(&http, "GET", &buckets, Some(&token), None).unwrap();
    assert_eq!(list.status, 200, "{list:?}\n{}", logs());
    let bucket = format!("{ep}/v1/buckets/b1?provider=ais");
    let create = call_following(
        &http,
        "POST",
        &bucket,
        Some(&token),
        Some(br#"{"action":"create-bck"}"#),
    );
    assert_eq!(create.status, 200, "{create:?}\n{}", logs());
    let object = format!("{ep}/v1/objects/b1/o1?provider=ais");
    let put = call(&http, "PUT", &object, Some(&token), Some(b"hello")).unwrap();
    assert_eq!(put.status, 307, "the proxy redirects a PUT: {put:?}");
    let put = call_following(&http, "PUT", &object, Some(&token), Some(b"hello"));
    assert_eq!(put.status, 200, "{put:?}\n{}", logs());
    let get = call_following(&http, "GET", &object, Some(&token), None);
    assert_eq!((get.status, get.body.as_str()), (200, "hello"), "{get:?}");
    let anonymous_get = call(&http, "GET", &object, None, None).unwrap();
    assert_eq!(anonymous_get.status, 401, "{anonymous_get:?}");

    // A token from another AuthN server (another key) is refused.
    let other = LocalServer::start().unwrap();
    let foreign = other.admin_client().unwrap().token().unwrap();
    let refused = call(&http, "GET", &buckets, Some(&foreign), None).unwrap();
    assert_eq!(refused.status, 401, "{refused:?}");
}

/// Registers the cluster in AuthN by URL: AuthN reads its map with the admin token (client
/// auth is required) and hands it its key; the ID is the map UUID.
fn check_register(server: &LocalServer, cluster: &LocalCluster) -> Client {
    let admin = server.admin_client().unwrap();
    let info = admin
        .cluster_manager()
        .register("c1", &[&cluster.endpoint()])
        .unwrap_or_else(|e| panic!("register: {e}\n{}", cluster.log_tail()));
    assert_eq!(info.id, cluster.uuid());
    assert_eq!(info.alias, "c1");
    assert_eq!(info.urls, [cluster.endpoint()]);
    admin
}

#[test]
fn an_hmac_cluster_checks_tokens_and_learns_of_revocations() {
    let server = LocalServer::start().unwrap();
    let cluster = start_cluster(&server);
    assert!(cluster.dir().join("proxy/ais.json").is_file());
    check_tokens(&server, &cluster);
    let admin = check_register(&server, &cluster);

    // A user with the role registration made; its token works until it is revoked in AuthN,
    // which tells the registered cluster.
    admin
        .user_manager()
        .create("bob", &["ClusterOwner-c1"], "bob-pass")
        .unwrap();
    let mut bob = server.admin_client().unwrap();
    let token = bob.login("bob", "bob-pass", None).unwrap();
    let token = token.as_str().to_owned();
    let http = agent(None, None);
    let buckets = format!("{}/v1/buckets?provider=ais", cluster.endpoint());
    let ok = call(&http, "GET", &buckets, Some(&token), None).unwrap();
    assert_eq!(ok.status, 200, "{ok:?}");
    admin.token_manager().revoke(&token).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = call(&http, "GET", &buckets, Some(&token), None).unwrap();
        if reply.status == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a revoked token still works: {reply:?}\n{}",
            cluster.log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The admin's own token still works.
    let still = call(&http, "GET", &buckets, admin.token().as_deref(), None).unwrap();
    assert_eq!(still.status, 200, "{still:?}");
    // Writes are refused only on a full disk (a test's temp dir is often on a busy one; the
    // default refuses them above 95% used).
    let config = format!("{}/v1/daemon?what=config", cluster.endpoint());
    let config = call(&http, "GET", &config, admin.token().as_deref(), None).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config.body).unwrap();
    assert_eq!(config["space"]["out_of_space"], 100, "{}", config["space"]);

    let dir = cluster.dir().to_owned();
    drop(cluster);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[test]
fn an_rsa_cluster_checks_tokens() {
    let server = LocalServer::builder().rsa_signing().start().unwrap();
    let cluster = start_cluster(&server);
    check_tokens(&server, &cluster);
    check_register(&server, &cluster);
}

#[test]
fn an_https_cluster_can_require_client_certificates() {
    let dir = scratch_dir("mtls");
    let certs = make_certs(&dir);
    let server = LocalServer::start().unwrap();
    let started = Instant::now();
    let cluster = LocalCluster::builder()
        .authn(&server)
        .https(&certs.server_cert, &certs.server_key, &certs.ca)
        .require_client_cert(&certs.client_ca)
        .start()
        .unwrap_or_else(|e| panic!("cannot start the HTTPS cluster:\n{e}"));
    eprintln!(
        "HTTPS cluster started in {} ms",
        started.elapsed().as_millis()
    );
    let ep = cluster.endpoint();
    assert!(ep.starts_with("https://127.0.0.1:"), "{ep}");
    let health = format!("{ep}/v1/health");

    // Without a client certificate the TLS handshake is refused: no HTTP reply at all.
    let no_cert = agent(Some(&certs.ca), None);
    let refused = call(&no_cert, "GET", &health, None, None);
    assert!(refused.is_err(), "no client certificate, yet {refused:?}");
    // A certificate from another CA is refused too (the server's own one, here).
    let wrong_cert = agent(
        Some(&certs.ca),
        Some((&certs.server_cert, &certs.server_key)),
    );
    assert!(call(&wrong_cert, "GET", &health, None, None).is_err());

    // With one, HTTP works as on a plain cluster: tokens still checked, redirects (to the
    // target, whose public endpoint also wants the certificate) included.
    let mtls = agent(
        Some(&certs.ca),
        Some((&certs.client_cert, &certs.client_key)),
    );
    let ok = call(&mtls, "GET", &health, None, None).unwrap();
    assert_eq!(ok.status, 200, "{ok:?}\n{}", cluster.log_tail());
    let cii = call(&mtls, "GET", &format!("{health}?cii=true"), None, None).unwrap();
    assert_eq!(cii_uuid(&cii.body), cluster.uuid());
    let buckets = format!("{ep}/v1/buckets?provider=ais");
    assert_eq!(
        call(&mtls, "GET", &buckets, None, None).unwrap().status,
        401
    );
    let token = server.admin_client().unwrap().token().unwrap();
    assert_eq!(
        call(&mtls, "GET", &buckets, Some(&token), None)
            .unwrap()
            .status,
        200
    );
    let create = call_following(
        &mtls,
        "POST",
        &format!("{ep}/v1/buckets/b1?provider=ais"),
        Some(&token),
        Some(br#"{"action":"create-bck"}"#),
    );
    assert_eq!(create.status, 200, "{create:?}\n{}", cluster.log_tail());
    let object = format!("{ep}/v1/objects/b1/o1?provider=ais");
    let put = call_following(&mtls, "PUT", &object, Some(&token), Some(b"hello"));
    assert_eq!(put.status, 200, "{put:?}\n{}", cluster.log_tail());
    let get = call_following(&mtls, "GET", &object, Some(&token), None);
    assert_eq!((get.status, get.body.as_str()), (200, "hello"), "{get:?}");

    // The SDK's client certificates against the real cluster: its ID is read with one, and
    // the handshake is refused without one.
    let sdk = |cert: Option<(&std::path::Path, &std::path::Path)>| {
        let builder = Client::builder(&ep)
            .proxy_from_env(false)
            .ca_cert_file(&certs.ca);
        match cert {
            Some((cert, key)) => builder.client_cert_file(cert, key),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let with_cert = sdk(Some((&certs.client_cert, &certs.client_key)));
    assert_eq!(
        with_cert.cluster_manager().discover_id(&ep).unwrap(),
        cluster.uuid()
    );
    let err = sdk(None).cluster_manager().discover_id(&ep).unwrap_err();
    assert!(
        matches!(err, aistore_authn::Error::Transport { .. }),
        "{err:?}"
    );

    drop(cluster);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn require_client_cert_without_https_is_an_error() {
    let server = LocalServer::start().unwrap();
    let e = LocalCluster::builder()
        .authn(&server)
        .require_client_cert("/nonexistent/client-ca.pem")
        .start()
        .unwrap_err()
        .to_string();
    assert!(e.contains("https(cert, key, ca)"), "{e}");
}

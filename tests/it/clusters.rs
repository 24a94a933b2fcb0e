//! ClusterManager against the real AuthN server.

use crate::support::{unique, Stub, TestServer};
use aistore_authn::{AccessAttr, Error, Token};

#[test]
fn register_get_list_by_id_and_alias() {
    let server = TestServer::start();
    let admin = server.admin();
    let clusters = admin.cluster_manager();
    let (id, alias) = (unique("id"), unique("c"));

    let c = clusters.register_with_id(&id, &alias, &[]).unwrap();
    assert_eq!(
        (c.id.as_str(), c.alias.as_str()),
        (id.as_str(), alias.as_str())
    );
    assert!(c.urls.is_empty());
    assert_eq!(clusters.get(&id).unwrap(), c);
    assert_eq!(clusters.get(&alias).unwrap(), c);
    let anon = server.anonymous();
    assert_eq!(
        anon.cluster_manager().list().unwrap().get(&id),
        Some(&c),
        "list needs no token"
    );

    // AuthN makes three roles for a new cluster, named after the alias, holding the ID.
    // From v1.4.2 to v1.4.9, AIStore's `rw` (apc.AccessRW) included PROMOTE, and so does
    // the role.
    let rw = if server.older_than("v1.5.0") && !server.older_than("v1.4.2") {
        AccessAttr::ACCESS_RW | AccessAttr::PROMOTE
    } else {
        AccessAttr::ACCESS_RW
    };
    let roles = admin.role_manager();
    for (prefix, perm) in [
        ("ClusterOwner", AccessAttr::ACCESS_SU),
        ("BucketOwner", rw),
        ("Guest", AccessAttr::ACCESS_RO),
    ] {
        let r = roles.get(&format!("{prefix}-{alias}")).unwrap();
        assert_eq!(
            (r.clusters[0].id.as_str(), r.clusters[0].perm),
            (id.as_str(), perm)
        );
    }

    // Without an alias.
    let bare = unique("id");
    let c = clusters.register_with_id(&bare, "", &[]).unwrap();
    assert_eq!(c.alias, "");
    roles.get(&format!("Guest-{bare}")).unwrap();
}

#[test]
fn empty_server_lists_no_clusters() {
    let server = TestServer::start();
    if std::env::var("AIS_AUTHN_URL").is_ok() {
        return; // an external server may have clusters; the other tests cover list there
    }
    assert!(server
        .anonymous()
        .cluster_manager()
        .list()
        .unwrap()
        .is_empty());
}

#[test]
fn register_conflicts() {
    let server = TestServer::start();
    let admin = server.admin();
    let clusters = admin.cluster_manager();
    let (id, alias) = (unique("id"), unique("c"));
    clusters.register_with_id(&id, &alias, &[]).unwrap();

    let err = clusters
        .register_with_id(&id, &unique("c"), &[])
        .unwrap_err();
    assert!(
        matches!(&err, Error::ClusterAlreadyRegistered(n) if *n == id),
        "same ID: {err:?}"
    );
    let other = unique("id");
    let err = clusters.register_with_id(&other, &alias, &[]).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterAlreadyRegistered(n) if *n == other),
        "alias taken: {err:?}"
    );
    assert!(matches!(
        clusters.get(&other),
        Err(Error::ClusterNotFound(_))
    ));
    // The server would accept an ID equal to another cluster's alias; the client refuses.
    let err = clusters.register_with_id(&alias, "", &[]).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterAlreadyRegistered(n) if *n == alias),
        "ID = alias: {err:?}"
    );
    assert!(
        !clusters.list().unwrap().contains_key(&alias),
        "no cluster has the alias as ID"
    );
    assert_eq!(clusters.get(&alias).unwrap().id, id);

    for (bad_id, bad_alias, urls) in [
        ("", "ok", vec![]),
        ("has space", "ok", vec![]),
        ("a/b", "ok", vec![]),
        ("okid", "-bad", vec![]),
        ("okid", "ok", vec!["ftp://x"]),
    ] {
        let err = clusters
            .register_with_id(bad_id, bad_alias, &urls)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument(_)),
            "{bad_id:?} {bad_alias:?}: {err:?}"
        );
    }
    let err = server
        .anonymous()
        .cluster_manager()
        .register_with_id(&unique("id"), "", &[])
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[test]
fn update_by_id_or_alias() {
    let server = TestServer::start();
    let admin = server.admin();
    let clusters = admin.cluster_manager();
    let (id, alias, renamed) = (unique("id"), unique("c"), unique("c"));
    clusters.register_with_id(&id, &alias, &[]).unwrap();

    // By alias: the server's PUT takes only IDs, so the client resolves it.
    let c = clusters.update(&alias, Some(&renamed), None).unwrap();
    assert_eq!(
        (c.id.as_str(), c.alias.as_str()),
        (id.as_str(), renamed.as_str())
    );
    assert_eq!(clusters.get(&renamed).unwrap(), c);
    assert!(matches!(
        clusters.get(&alias),
        Err(Error::ClusterNotFound(_))
    ));
    let c = clusters.update(&id, Some(&alias), None).unwrap();
    assert_eq!(c.alias, alias);

    // An alias that another cluster holds.
    let (id2, alias2) = (unique("id"), unique("c"));
    clusters.register_with_id(&id2, &alias2, &[]).unwrap();
    let err = clusters.update(&id, Some(&alias2), None).unwrap_err();
    assert!(matches!(err, Error::Api { status: 409, .. }), "{err:?}");
    assert_eq!(clusters.get(&id).unwrap().alias, alias);

    assert!(matches!(
        clusters.update(&id, None, None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        clusters.update(&id, Some(""), None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        clusters.update(&id, None, Some(&[])),
        Err(Error::InvalidArgument(_))
    ));
    let ghost = unique("ghost");
    let err = clusters.update(&ghost, Some("x"), None).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );
}

#[test]
fn delete_by_id_and_alias_missing_ok_both_ways() {
    let server = TestServer::start();
    let admin = server.admin();
    let clusters = admin.cluster_manager();
    let (id1, alias1, id2) = (unique("id"), unique("c"), unique("id"));
    clusters.register_with_id(&id1, &alias1, &[]).unwrap();
    clusters.register_with_id(&id2, "", &[]).unwrap();

    clusters.delete(&alias1, false).unwrap();
    assert!(matches!(clusters.get(&id1), Err(Error::ClusterNotFound(_))));
    clusters.delete(&id2, false).unwrap();
    assert!(matches!(clusters.get(&id2), Err(Error::ClusterNotFound(_))));

    clusters.delete(&id1, true).unwrap();
    let err = clusters.delete(&id1, false).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == id1),
        "{err:?}"
    );
    let err = clusters.get(&alias1).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == alias1),
        "{err:?}"
    );
    // The roles AuthN made for the cluster stay.
    admin
        .role_manager()
        .get(&format!("Guest-{alias1}"))
        .unwrap();
}

/// A loopback stand-in for an AIS node: serves its health with cluster info and its cluster
/// map, and accepts AuthN's handshake.
fn ais_node(uuid: &'static str) -> Stub {
    ais_node_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), uuid)
}

/// As [`ais_node`], on a listener the test bound.
fn ais_node_on(listener: std::net::TcpListener, uuid: &'static str) -> Stub {
    let reply = move |r: &crate::support::Recorded| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v1/health?cii=true") => (
            200,
            format!(
                r#"{{"smap":{{"uuid":"{uuid}","version":"7","primary":{{"id":"p1"}}}},"bmd":{{"uuid":"b","version":"1"}}}}"#
            ),
        ),
        ("GET", "/v1/daemon?what=smap") => (200, format!(r#"{{"uuid":"{uuid}","version":"7"}}"#)),
        ("POST" | "DELETE", "/v1/tokens") => (200, String::new()),
        _ => (404, r#"{"message":"not here"}"#.into()),
    };
    Stub::start_raw_on(listener, move |r, _| {
        let (status, body) = reply(r);
        crate::support::Raw::Reply(crate::support::http_reply(status, &body))
    })
}

#[test]
fn plain_http_urls_to_other_hosts_need_an_opt_in_and_get_an_admin_token() {
    // 0.0.0.0 reaches this machine but is not loopback: a stand-in for a cluster elsewhere.
    let server = TestServer::start();
    let admin = server.admin();
    let uuid: &'static str = Box::leak(unique("uuid").into_boxed_str());
    let node = ais_node_on(std::net::TcpListener::bind("0.0.0.0:0").unwrap(), uuid);
    let url = node.url.clone(); // http://0.0.0.0:port
    let alias = unique("c");
    let before = admin.cluster_manager().list().unwrap();
    for refused in [
        admin.cluster_manager().register(&alias, &[&url]),
        admin
            .cluster_manager()
            .register_with_id(uuid, &alias, &[&url]),
    ] {
        let err = refused.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains(&url) && m.contains("allow_plain_http")),
            "{err:?}"
        );
    }
    assert!(node.requests().is_empty(), "nothing was sent to the URL");
    assert_eq!(
        admin.cluster_manager().list().unwrap(),
        before,
        "nothing registered"
    );

    // Allowed on purpose: registered, and AuthN hands the URL an admin token for itself,
    // valid five minutes, as the docs say.
    let c = admin
        .cluster_manager()
        .allow_plain_http(true)
        .register(&alias, &[&url])
        .unwrap();
    assert_eq!(
        (c.id.as_str(), c.urls.as_slice()),
        (uuid, [url.clone()].as_slice())
    );
    let seen = node.requests();
    let handshake = seen
        .iter()
        .find(|r| r.method == "POST" && r.path == "/v1/tokens")
        .expect("the handshake");
    if server.requires(
        "v1.5.0",
        "AuthN's own admin token on the registration handshake",
    ) {
        let bearer = handshake.header("authorization").unwrap();
        let token = Token::parse(bearer.trim_start_matches("Bearer ")).unwrap();
        let claims = token.claims();
        assert!(claims.admin && claims.subject == "AuthN", "{claims:?}");
        assert_eq!(claims.audience, [uuid]);
        let lifetime = claims
            .expires_at
            .duration_since(claims.issued_at.unwrap())
            .unwrap();
        assert_eq!(lifetime, std::time::Duration::from_secs(300));
    }
    // An update to a plain-http URL elsewhere needs the opt-in too.
    let err = admin
        .cluster_manager()
        .update(&alias, None, Some(&[&url]))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
}

#[test]
fn register_by_url_finds_the_id_and_authn_hands_over_its_key() {
    let server = TestServer::start();
    let admin = server.admin();
    let uuid: &'static str = Box::leak(unique("uuid").into_boxed_str());
    let node = ais_node(uuid);
    let alias = unique("c");

    let c = admin
        .cluster_manager()
        .register(&alias, &[&node.url])
        .unwrap();
    assert_eq!((c.id.as_str(), c.alias.as_str()), (uuid, alias.as_str()));
    assert_eq!(c.urls, [node.url.as_str()]);

    let seen = node.requests();
    let health = &seen[0];
    assert_eq!(health.path, "/v1/health?cii=true");
    assert_eq!(
        health.header("authorization"),
        None,
        "the cluster's ID is read without the admin token"
    );
    assert!(
        !seen.iter().any(|r| r.path.starts_with("/v1/daemon")),
        "no cluster map read was needed"
    );
    let handshake = seen
        .iter()
        .find(|r| r.method == "POST" && r.path == "/v1/tokens");
    let handshake = handshake.expect("AuthN posts its signing key to the cluster");
    if server.requires(
        "v1.5.0",
        "AuthN's own admin token on the registration handshake",
    ) {
        let bearer = handshake
            .header("authorization")
            .unwrap()
            .trim_start_matches("Bearer ");
        let claims = Token::parse(bearer).unwrap();
        assert!(
            claims.claims().audience.contains(&uuid.to_owned()),
            "{claims:?}"
        );
    }
    assert!(
        handshake.json()["secret"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "HMAC mode sends a hash of the secret"
    );

    // Updating the URLs repeats the handshake. A trailing slash is trimmed: AuthN would
    // otherwise post to //v1/tokens and fail the update.
    let posts = |n: &Stub| n.requests().iter().filter(|r| r.method == "POST").count();
    let before = posts(&node);
    let with_slash = format!("{}/", node.url);
    let c = admin
        .cluster_manager()
        .update(&alias, None, Some(&[&with_slash]))
        .unwrap();
    assert_eq!(c.urls, [node.url.as_str()]);
    assert_eq!(posts(&node), before + 1);
}

#[test]
fn register_by_url_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let clusters = admin.cluster_manager();
    assert!(matches!(
        clusters.register("c", &[]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        clusters.register("c", &["ftp://x"]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        clusters.register("-c", &["http://127.0.0.1:1"]),
        Err(Error::InvalidArgument(_))
    ));

    // The first URL does not answer, the second serves no cluster map: the last error is kept.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let not_ais = Stub::start(|_| (404, "404 page not found".into()));
    let dead = format!("http://127.0.0.1:{port}");
    let err = clusters.register("c", &[&dead, &not_ais.url]).unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    // A cluster map with no uuid.
    let no_uuid = Stub::start(|_| (200, "{}".into()));
    let err = clusters.register("c", &[&no_uuid.url]).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // A node that serves no cluster map first, then one that does: the second gives the ID.
    // (Both accept AuthN's handshake; AuthN itself would retry a dead URL for about 80 s.)
    let mapless = Stub::start(|r| match r.path.as_str() {
        "/v1/tokens" => (200, String::new()),
        _ => (404, "404 page not found".into()),
    });
    let node = ais_node("uuid-live-1");
    let c = clusters
        .register(&unique("c"), &[&mapless.url, &node.url])
        .unwrap();
    assert_eq!(c.id, "uuid-live-1");
    assert_eq!(c.urls, [mapless.url.clone(), node.url.clone()]);
}

#[test]
fn discovery_falls_back_to_the_cluster_map_with_the_token_only_on_loopback_or_tls() {
    // A node whose health says nothing about the cluster (an older AIS): on loopback the
    // cluster map is read with the token; the unit tests show no token goes to plain http
    // elsewhere.
    let server = TestServer::start();
    let admin = server.admin();
    let old = Stub::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v1/health?cii=true") => (200, String::new()),
        ("GET", "/v1/daemon?what=smap") => (200, r#"{"uuid":"old-uuid-1"}"#.into()),
        _ => (404, r#"{"message":"not here"}"#.into()),
    });
    assert_eq!(
        admin.cluster_manager().discover_id(&old.url).unwrap(),
        "old-uuid-1"
    );
    let seen = old.requests();
    assert_eq!(
        seen.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/v1/health?cii=true", "/v1/daemon?what=smap"]
    );
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Bearer {}", admin.token().unwrap()).as_str())
    );
    // Neither answers with an ID: the cluster map's error is reported.
    let none = Stub::start(|_| (404, r#"{"message":"no such thing"}"#.into()));
    let err = admin.cluster_manager().discover_id(&none.url).unwrap_err();
    assert!(matches!(&err, Error::Api { status: 404, .. }), "{err:?}");
}

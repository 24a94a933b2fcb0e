//! ClusterManager against the real AuthN server.

mod support;

use aistore_authn::{AccessAttr, Error};
use support::{unique, TestServer};

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
    let roles = admin.role_manager();
    for (prefix, perm) in [
        ("ClusterOwner", AccessAttr::ACCESS_SU),
        ("BucketOwner", AccessAttr::ACCESS_RW),
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

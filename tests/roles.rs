//! RoleManager against the real AuthN server.

mod support;

use aistore_authn::{AccessAttr, Error};
use support::{cluster, unique, TestServer};

#[test]
fn cluster_wide_role_round_trip_and_wire_format() {
    let server = TestServer::start();
    let admin = server.admin();
    let c = cluster(&admin);
    let name = unique("ops");
    let perms = AccessAttr::ACCESS_RO | AccessAttr::CREATE_BUCKET;

    let role = admin
        .role_manager()
        .create(&name, "operators", &c.alias, perms, None)
        .unwrap();
    assert_eq!(role.name, name);
    assert_eq!(role.desc, "operators");
    assert!(!role.admin);
    assert!(role.buckets.is_empty());
    assert_eq!(role.clusters.len(), 1);
    assert_eq!(
        role.clusters[0].id, c.id,
        "the ACL stores the cluster ID, not the alias"
    );
    assert_eq!(
        role.clusters[0].alias, c.alias,
        "the server fills the alias in"
    );
    assert_eq!(role.clusters[0].perm, perms);
    assert_eq!(admin.role_manager().get(&name).unwrap(), role);

    // On the wire, perm is a decimal number in a JSON string.
    let raw = server.raw_get(&admin, &format!("/v1/roles/{name}"));
    assert!(
        raw.contains(&format!(r#""perm":"{}""#, 771 | 16384)),
        "{raw}"
    );

    // Creating by cluster ID works the same.
    let by_id = unique("ops");
    let r = admin
        .role_manager()
        .create(&by_id, "", &c.id, AccessAttr::ACCESS_SU, None)
        .unwrap();
    assert_eq!(r.clusters[0].perm.bits(), u64::MAX);
    let raw = server.raw_get(&admin, &format!("/v1/roles/{by_id}"));
    assert!(raw.contains(r#""perm":"18446744073709551615""#), "{raw}");
}

#[test]
fn bucket_scoped_role() {
    let server = TestServer::start();
    let admin = server.admin();
    let c = cluster(&admin);
    let name = unique("bck");
    let role = admin
        .role_manager()
        .create(
            &name,
            "one bucket",
            &c.alias,
            AccessAttr::ACCESS_RW,
            Some("b1"),
        )
        .unwrap();
    assert!(role.clusters.is_empty());
    assert_eq!(role.buckets.len(), 1);
    let acl = &role.buckets[0];
    assert_eq!(acl.bucket.name, "b1");
    assert_eq!(acl.bucket.provider, "ais");
    assert_eq!(acl.bucket.namespace.uuid, c.id);
    assert_eq!(acl.perm, AccessAttr::ACCESS_RW);
    let raw = server.raw_get(&admin, &format!("/v1/roles/{name}"));
    assert!(raw.contains(r#""perm":"831""#), "{raw}");
}

#[test]
fn create_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let before = roles.list().unwrap();

    let ghost = unique("nocluster");
    let err = roles
        .create(&unique("r"), "", &ghost, AccessAttr::GET, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );

    for bad in ["a b", "-x", &*"r".repeat(33), ""] {
        let err = roles
            .create(bad, "", &c.alias, AccessAttr::GET, None)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{bad:?}: {err:?}");
    }
    let err = roles
        .create(&unique("r"), "", &c.alias, AccessAttr::GET, Some(""))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(roles.list().unwrap(), before, "nothing was created");

    let name = unique("dup");
    roles
        .create(&name, "first", &c.alias, AccessAttr::GET, None)
        .unwrap();
    let err = roles
        .create(&name, "second", &c.alias, AccessAttr::PUT, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoleAlreadyExists(n) if *n == name),
        "{err:?}"
    );
    assert_eq!(roles.get(&name).unwrap().desc, "first");

    let anon = server.anonymous();
    let err = anon
        .role_manager()
        .create(&unique("r"), "", &c.alias, AccessAttr::GET, None)
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[test]
fn list_and_get_need_no_token_and_list_is_sorted() {
    let server = TestServer::start();
    let admin = server.admin();
    let c = cluster(&admin);
    let (z, a) = (format!("z{}", unique("r")), format!("a{}", unique("r")));
    for name in [&z, &a] {
        admin
            .role_manager()
            .create(name, "", &c.alias, AccessAttr::GET, None)
            .unwrap();
    }
    let anon = server.anonymous();
    let list = anon.role_manager().list().unwrap();
    let names: Vec<&str> = list.names().collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    for want in ["Admin", &a, &z, &format!("Guest-{}", c.alias)] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert!(list.get("Admin").unwrap().admin);
    assert_eq!(anon.role_manager().get(&a).unwrap().name, a);
    let ghost = unique("ghost");
    assert!(matches!(anon.role_manager().get(&ghost), Err(Error::RoleNotFound(n)) if n == ghost));
}

#[test]
fn update_description_and_merge_acls() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let (c1, c2) = (cluster(&admin), cluster(&admin));
    let name = unique("upd");
    roles
        .create(&name, "v1", &c1.alias, AccessAttr::ACCESS_RO, None)
        .unwrap();

    let r = roles.update(&name, Some("v2"), None, None, None).unwrap();
    assert_eq!(r.desc, "v2");
    assert_eq!(r.clusters.len(), 1);

    // Same cluster: the perm is replaced; the description is kept.
    let r = roles
        .update(
            &name,
            None,
            Some(&c1.alias),
            Some(AccessAttr::ACCESS_RW),
            None,
        )
        .unwrap();
    assert_eq!(r.desc, "v2");
    assert_eq!(
        (r.clusters.len(), r.clusters[0].perm),
        (1, AccessAttr::ACCESS_RW)
    );

    // Another cluster and a bucket: added alongside.
    let r = roles
        .update(
            &name,
            None,
            Some(&c2.id),
            Some(AccessAttr::CLUSTER_ACCESS_RO),
            None,
        )
        .unwrap();
    let perms: Vec<(&str, AccessAttr)> =
        r.clusters.iter().map(|a| (a.id.as_str(), a.perm)).collect();
    assert_eq!(
        perms,
        [
            (c1.id.as_str(), AccessAttr::ACCESS_RW),
            (c2.id.as_str(), AccessAttr::CLUSTER_ACCESS_RO)
        ]
    );
    let r = roles
        .update(
            &name,
            Some("v3"),
            Some(&c1.alias),
            Some(AccessAttr::GET),
            Some("logs"),
        )
        .unwrap();
    assert_eq!(r.desc, "v3");
    assert_eq!(r.buckets.len(), 1);
    assert_eq!(
        (r.buckets[0].bucket.name.as_str(), r.buckets[0].perm),
        ("logs", AccessAttr::GET)
    );
    assert_eq!(r.clusters.len(), 2);
    assert_eq!(roles.get(&name).unwrap(), r);
}

#[test]
fn update_argument_rules_send_nothing_and_server_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let name = unique("rules");
    let before = roles
        .create(&name, "keep", &c.alias, AccessAttr::GET, None)
        .unwrap();
    let p = Some(AccessAttr::PUT);
    let a = Some(c.alias.as_str());
    for (desc, alias, perms, bucket) in [
        (None, None, None, None),     // nothing to change
        (None, None, p, None),        // perms need a cluster
        (None, None, p, Some("b")),   // bucket needs a cluster
        (None, a, None, None),        // cluster needs perms
        (None, a, None, Some("b")),   // bucket needs perms
        (Some(""), None, None, None), // an empty description changes nothing
    ] {
        let err = roles.update(&name, desc, alias, perms, bucket).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument(_)),
            "{desc:?} {alias:?} {perms:?} {bucket:?}: {err:?}"
        );
    }
    assert_eq!(roles.get(&name).unwrap(), before);

    let ghost = unique("ghost");
    let err = roles
        .update(&ghost, Some("d"), None, None, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoleNotFound(n) if *n == ghost),
        "{err:?}"
    );
    let err = roles
        .update(&name, None, Some(&ghost), Some(AccessAttr::GET), None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );
    let err = roles
        .update("Admin", Some("mine now"), None, None, None)
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

#[test]
fn delete_missing_ok_builtin_and_removal_from_users() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let name = unique("del");
    roles
        .create(&name, "", &c.alias, AccessAttr::GET, None)
        .unwrap();
    let user = unique("u");
    admin.user_manager().create(&user, &[&name], "pw").unwrap();

    roles.delete(&name, false).unwrap();
    assert!(matches!(roles.get(&name), Err(Error::RoleNotFound(_))));
    assert!(
        admin.user_manager().get(&user).unwrap().roles.is_empty(),
        "deleting a role strips it from users"
    );
    roles.delete(&name, true).unwrap();
    let err = roles.delete(&name, false).unwrap_err();
    assert!(
        matches!(&err, Error::RoleNotFound(n) if *n == name),
        "{err:?}"
    );
    let err = roles.delete("Admin", true).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(roles.get("Admin").unwrap().admin);
}

#[test]
fn roles_with_many_acls_any_provider_and_all_clusters() {
    let server = TestServer::start();
    let admin = server.admin();
    let (c1, c2) = (cluster(&admin), cluster(&admin));
    let name = unique("multi");
    let spec = aistore_authn::RoleInfo::new(&name, "several ACLs")
        .with_all_clusters(AccessAttr::parse("LIST-BUCKETS").unwrap())
        .with_cluster(&c1.alias, AccessAttr::parse("ro,CREATE-BUCKET").unwrap())
        .with_cluster(&c2.id, AccessAttr::ACCESS_RW)
        .with_bucket(&c1.alias, "s3", "exports", AccessAttr::PUT)
        .with_bucket(&c2.alias, "gcp", "models", AccessAttr::ACCESS_RO);
    let role = admin.role_manager().create_role(&spec).unwrap();

    let clusters: Vec<(&str, AccessAttr)> = role
        .clusters
        .iter()
        .map(|a| (a.id.as_str(), a.perm))
        .collect();
    assert_eq!(
        clusters,
        [
            ("", AccessAttr::LIST_BUCKETS),
            (
                c1.id.as_str(),
                AccessAttr::ACCESS_RO | AccessAttr::CREATE_BUCKET
            ),
            (c2.id.as_str(), AccessAttr::ACCESS_RW),
        ],
        "aliases are stored as IDs; the empty ID means every cluster"
    );
    let buckets: Vec<(&str, &str, &str)> = role
        .buckets
        .iter()
        .map(|b| {
            (
                b.bucket.provider.as_str(),
                b.bucket.name.as_str(),
                b.bucket.namespace.uuid.as_str(),
            )
        })
        .collect();
    assert_eq!(
        buckets,
        [
            ("aws", "exports", c1.id.as_str()),
            ("gcp", "models", c2.id.as_str())
        ]
    );

    // The token of a user with the role carries all of it.
    let id = unique("u");
    admin.user_manager().create(&id, &[&name], "pw").unwrap();
    let claims = server.login(&id, "pw").token_claims().unwrap();
    let mut in_token: Vec<(String, AccessAttr)> = claims
        .clusters
        .iter()
        .map(|a| (a.id.clone(), a.perm))
        .collect();
    let mut stored: Vec<(String, AccessAttr)> = role
        .clusters
        .iter()
        .map(|a| (a.id.clone(), a.perm))
        .collect();
    in_token.sort();
    stored.sort();
    assert_eq!(
        in_token, stored,
        "the token carries the role's cluster ACLs, all-clusters included"
    );
    let in_token: Vec<(&str, &str, AccessAttr)> = claims
        .buckets
        .iter()
        .map(|b| (b.bucket.provider.as_str(), b.bucket.name.as_str(), b.perm))
        .collect();
    assert!(
        in_token.contains(&("aws", "exports", AccessAttr::PUT)),
        "{in_token:?}"
    );
    assert!(
        in_token.contains(&("gcp", "models", AccessAttr::ACCESS_RO)),
        "{in_token:?}"
    );
    assert!(claims.audience.contains(&c1.id) && claims.audience.contains(&c2.id));

    // update_role merges several entries at once.
    let more = aistore_authn::RoleInfo::new(&name, "")
        .with_cluster(&c1.alias, AccessAttr::ACCESS_SU)
        .with_bucket(&c1.id, "ais", "scratch", AccessAttr::ACCESS_RW);
    let role = admin.role_manager().update_role(&more).unwrap();
    assert_eq!(role.desc, "several ACLs");
    assert_eq!(role.clusters.len(), 3);
    assert_eq!(role.clusters[1].perm, AccessAttr::ACCESS_SU);
    assert_eq!(role.buckets.len(), 3);
}

#[test]
fn create_role_refusals_write_nothing() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let name = unique("bad");
    let ghost = unique("nowhere");
    let specs = [
        aistore_authn::RoleInfo::new(&name, "").with_cluster(&ghost, AccessAttr::GET),
        aistore_authn::RoleInfo::new(&name, "").with_bucket(&ghost, "ais", "b", AccessAttr::GET),
        aistore_authn::RoleInfo::new(&name, "").with_bucket(&c.alias, "ais", "", AccessAttr::GET),
        aistore_authn::RoleInfo::new(&name, "").with_bucket("", "ais", "b", AccessAttr::GET),
    ];
    let err = roles.create_role(&specs[0]).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );
    let err = roles.create_role(&specs[1]).unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );
    for spec in &specs[2..] {
        assert!(
            matches!(roles.create_role(spec), Err(Error::InvalidArgument(_))),
            "{spec:?}"
        );
    }
    let mut admin_role = aistore_authn::RoleInfo::new(&name, "");
    admin_role.admin = true;
    assert!(matches!(
        roles.create_role(&admin_role),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(roles.get(&name), Err(Error::RoleNotFound(_))));
    let empty = aistore_authn::RoleInfo::new("Admin", "");
    assert!(matches!(
        roles.update_role(&empty),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn ensure_role_creates_updates_and_leaves_alone() {
    use aistore_authn::Ensured;
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let (c1, c2) = (cluster(&admin), cluster(&admin));
    let name = unique("ens");
    let spec =
        aistore_authn::RoleInfo::new(&name, "v1").with_cluster(&c1.alias, AccessAttr::ACCESS_RO);

    let (what, created) = roles.ensure_role(&spec).unwrap();
    assert_eq!(what, Ensured::Created);
    assert_eq!(created.clusters[0].id, c1.id);
    let (what, same) = roles.ensure_role(&spec).unwrap();
    assert_eq!(
        (what, &same),
        (Ensured::Unchanged, &created),
        "an alias matches the stored ID"
    );

    let spec = aistore_authn::RoleInfo::new(&name, "v2")
        .with_cluster(&c1.id, AccessAttr::ACCESS_RW)
        .with_bucket(&c2.alias, "ais", "b", AccessAttr::GET);
    let (what, updated) = roles.ensure_role(&spec).unwrap();
    assert_eq!(what, Ensured::Updated);
    assert_eq!(
        (
            updated.desc.as_str(),
            updated.clusters[0].perm,
            updated.buckets.len()
        ),
        ("v2", AccessAttr::ACCESS_RW, 1)
    );
    assert_eq!(roles.ensure_role(&spec).unwrap().0, Ensured::Unchanged);

    // A spec with fewer entries than stored: the extra entry stays, nothing is written.
    let smaller =
        aistore_authn::RoleInfo::new(&name, "").with_cluster(&c1.alias, AccessAttr::ACCESS_RW);
    let (what, role) = roles.ensure_role(&smaller).unwrap();
    assert_eq!(
        (what, role.buckets.len(), role.desc.as_str()),
        (Ensured::Unchanged, 1, "v2")
    );
}

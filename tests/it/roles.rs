//! RoleManager against the real AuthN server.

use crate::support::{cluster, unique, TestServer};
use aistore_authn::{AccessAttr, Error, RoleInfo, RoleUpdate};

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
fn update_description_only() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let name = unique("upd");
    let before = roles
        .create(&name, "v1", &c.alias, AccessAttr::ACCESS_RO, None)
        .unwrap();

    let after = roles
        .update(&name, &RoleUpdate::new().description("v2"))
        .unwrap();
    assert_eq!(after.desc, "v2");
    assert_eq!(after.clusters, before.clusters, "the ACLs are left alone");
    assert!(after.buckets.is_empty());
    assert_eq!(roles.get(&name).unwrap(), after);
}

#[test]
fn update_cluster_by_alias_is_stored_by_id() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let (c1, c2) = (cluster(&admin), cluster(&admin));
    let name = unique("upd");
    roles
        .create(&name, "v1", &c1.alias, AccessAttr::ACCESS_RO, None)
        .unwrap();

    // A new cluster, by alias: added, stored by ID; the description is kept.
    let r = roles
        .update(
            &name,
            &RoleUpdate::new().cluster(&c2.alias, AccessAttr::CLUSTER_ACCESS_RO),
        )
        .unwrap();
    assert_eq!(r.desc, "v1");
    let acls: Vec<(&str, &str, AccessAttr)> = r
        .clusters
        .iter()
        .map(|a| (a.id.as_str(), a.alias.as_str(), a.perm))
        .collect();
    assert_eq!(
        acls,
        [
            (c1.id.as_str(), c1.alias.as_str(), AccessAttr::ACCESS_RO),
            (
                c2.id.as_str(),
                c2.alias.as_str(),
                AccessAttr::CLUSTER_ACCESS_RO
            )
        ]
    );
    let raw = server.raw_get(&admin, &format!("/v1/roles/{name}"));
    assert!(
        raw.contains(&format!(r#""id":"{}""#, c2.id)) && !raw.contains(r#""id":"c-"#),
        "{raw}"
    );

    // The same cluster by alias: its permissions are replaced, nothing is added.
    let r = roles
        .update(
            &name,
            &RoleUpdate::new().cluster(&c1.alias, AccessAttr::ACCESS_RW),
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
}

#[test]
fn update_several_acls_at_once_merges_and_keeps_old_entries() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let (c1, c2) = (cluster(&admin), cluster(&admin));
    let name = unique("multi");
    let spec = RoleInfo::new(&name, "v1")
        .with_cluster(&c1.alias, AccessAttr::ACCESS_RO)
        .with_bucket(&c1.alias, "ais", "b1", AccessAttr::GET);
    roles.create_role(&spec).unwrap();

    let update = RoleUpdate::new()
        .description("v2")
        .cluster(&c2.alias, AccessAttr::ACCESS_RW)
        .all_clusters(AccessAttr::LIST_BUCKETS)
        .bucket(&c1.alias, "s3://logs", AccessAttr::ACCESS_RO)
        .bucket(&c1.id, "ais://b1", AccessAttr::PUT);
    let r = roles.update(&name, &update).unwrap();

    assert_eq!(r.desc, "v2");
    let clusters: Vec<(&str, AccessAttr)> =
        r.clusters.iter().map(|a| (a.id.as_str(), a.perm)).collect();
    assert_eq!(
        clusters,
        [
            (c1.id.as_str(), AccessAttr::ACCESS_RO),
            (c2.id.as_str(), AccessAttr::ACCESS_RW),
            ("", AccessAttr::LIST_BUCKETS)
        ],
        "the old entry stays; new ones are appended; aliases stored as IDs"
    );
    let buckets: Vec<(&str, &str, &str, &str, AccessAttr)> = r
        .buckets
        .iter()
        .map(|b| {
            (
                b.bucket.provider.as_str(),
                b.bucket.name.as_str(),
                b.bucket.namespace.uuid.as_str(),
                b.bucket.namespace.name.as_str(),
                b.perm,
            )
        })
        .collect();
    assert_eq!(
        buckets,
        [
            ("ais", "b1", c1.id.as_str(), "", AccessAttr::PUT),
            ("aws", "logs", c1.id.as_str(), "", AccessAttr::ACCESS_RO)
        ],
        "b1's permissions are replaced; s3://logs is stored as provider aws on the cluster ID"
    );
    assert_eq!(
        r.buckets[1].bucket.to_string(),
        format!("s3://@{}/logs", c1.id)
    );
    assert_eq!(roles.get(&name).unwrap(), r);

    // A token of a user with the role carries the bucket as AIS clusters match it.
    let id = unique("u");
    admin.user_manager().create(&id, &[&name], "pw").unwrap();
    let claims = server.login(&id, "pw").token_claims().unwrap();
    let logs = claims
        .buckets
        .iter()
        .find(|b| b.bucket.name == "logs")
        .unwrap_or_else(|| panic!("{:?}", claims.buckets));
    assert_eq!(
        (
            logs.bucket.provider.as_str(),
            logs.bucket.namespace.uuid.as_str(),
            logs.perm
        ),
        ("aws", c1.id.as_str(), AccessAttr::ACCESS_RO)
    );

    // No entry can be removed: NONE empties one, and it stays.
    let r = roles
        .update(&name, &RoleUpdate::new().cluster(&c2.id, AccessAttr::NONE))
        .unwrap();
    let c2_acl = r.clusters.iter().find(|a| a.id == c2.id).unwrap();
    assert_eq!(c2_acl.perm, AccessAttr::NONE);
    assert_eq!((r.clusters.len(), r.buckets.len()), (3, 2));
}

#[test]
fn update_refusals_send_nothing_and_leave_the_role_unchanged() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = admin.role_manager();
    let c = cluster(&admin);
    let name = unique("rules");
    let before = roles
        .create(&name, "keep", &c.alias, AccessAttr::GET, None)
        .unwrap();
    let p = AccessAttr::PUT;
    for (update, why) in [
        (RoleUpdate::new(), "changes nothing"),
        (RoleUpdate::new().description(""), "changes nothing"),
        (
            RoleUpdate::new().bucket(&c.alias, "logs", p),
            "use ais://name",
        ),
        (
            RoleUpdate::new().bucket(&c.alias, "ftp://logs", p),
            "unknown provider",
        ),
        (RoleUpdate::new().bucket(&c.alias, "s3://a/b", p), "no '/'"),
        (
            RoleUpdate::new().bucket(&c.alias, &format!("ais://@{}/b", c.id), p),
            "cluster as its own argument",
        ),
        (RoleUpdate::new().cluster("", p), "all_clusters"),
        (
            // A bad bucket among good changes: none of them is sent.
            RoleUpdate::new()
                .description("changed")
                .cluster(&c.alias, AccessAttr::ACCESS_SU)
                .bucket(&c.alias, "logs", p),
            "\"logs\"",
        ),
    ] {
        match roles.update(&name, &update) {
            Err(Error::InvalidArgument(m)) => assert!(m.contains(why), "{update:?}: {m}"),
            other => panic!("{update:?}: {other:?}"),
        }
    }
    let err = roles
        .update("a/b", &RoleUpdate::new().description("d"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(roles.get(&name).unwrap(), before, "the role is unchanged");

    let ghost = unique("ghost");
    let err = roles
        .update(&ghost, &RoleUpdate::new().description("d"))
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoleNotFound(n) if *n == ghost),
        "{err:?}"
    );
    let err = roles
        .update(
            &name,
            &RoleUpdate::new()
                .description("changed")
                .cluster(&ghost, AccessAttr::GET),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::ClusterNotFound(n) if *n == ghost),
        "{err:?}"
    );
    let err = roles
        .update("Admin", &RoleUpdate::new().description("mine now"))
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let err = server
        .anonymous()
        .role_manager()
        .update(&name, &RoleUpdate::new().description("changed"))
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(roles.get(&name).unwrap(), before, "the role is unchanged");
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
    if server.requires("v1.5.0", "deleting a role removing it from its users") {
        assert!(
            admin.user_manager().get(&user).unwrap().roles.is_empty(),
            "deleting a role strips it from users"
        );
    }
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
    let spec = RoleInfo::new(&name, "several ACLs")
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
    if server.requires("v1.4.4", "the token's audience naming its clusters") {
        assert!(claims.audience.contains(&c1.id) && claims.audience.contains(&c2.id));
    }

    // An update merges several entries at once.
    let more = RoleUpdate::new()
        .cluster(&c1.alias, AccessAttr::ACCESS_SU)
        .bucket(&c1.id, "ais://scratch", AccessAttr::ACCESS_RW);
    let role = admin.role_manager().update(&name, &more).unwrap();
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
        RoleInfo::new(&name, "").with_cluster(&ghost, AccessAttr::GET),
        RoleInfo::new(&name, "").with_bucket(&ghost, "ais", "b", AccessAttr::GET),
        RoleInfo::new(&name, "").with_bucket(&c.alias, "ais", "", AccessAttr::GET),
        RoleInfo::new(&name, "").with_bucket("", "ais", "b", AccessAttr::GET),
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
    let mut admin_role = RoleInfo::new(&name, "");
    admin_role.admin = true;
    assert!(matches!(
        roles.create_role(&admin_role),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(roles.get(&name), Err(Error::RoleNotFound(_))));
    assert!(matches!(
        roles.update("Admin", &RoleUpdate::new()),
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
    let spec = RoleInfo::new(&name, "v1").with_cluster(&c1.alias, AccessAttr::ACCESS_RO);

    let (what, created) = roles.ensure_role(&spec).unwrap();
    assert_eq!(what, Ensured::Created);
    assert_eq!(created.clusters[0].id, c1.id);
    let (what, same) = roles.ensure_role(&spec).unwrap();
    assert_eq!(
        (what, &same),
        (Ensured::Unchanged, &created),
        "an alias matches the stored ID"
    );

    let spec = RoleInfo::new(&name, "v2")
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
    let smaller = RoleInfo::new(&name, "").with_cluster(&c1.alias, AccessAttr::ACCESS_RW);
    let (what, role) = roles.ensure_role(&smaller).unwrap();
    assert_eq!(
        (what, role.buckets.len(), role.desc.as_str()),
        (Ensured::Unchanged, 1, "v2")
    );
}

/// What a user's next login carries after its role changes, and with two roles on one
/// cluster. AuthN v1.5.0 copies a role into its users when it changes and ORs the roles of a
/// login together; v1.4 servers keep the copy each user got when its roles were set, and a
/// later role replaces an earlier one's permissions on the same cluster. Both are checked,
/// each on its own release (the suite runs v1.5.0 by default, v1.4.9 in CI too).
#[test]
fn role_changes_and_two_roles_on_one_cluster_in_the_next_login() {
    let server = TestServer::start();
    let admin = server.admin();
    let c = cluster(&admin);
    let (reader, putter) = (unique("get"), unique("put"));
    let roles = admin.role_manager();
    roles
        .create(&reader, "", &c.alias, AccessAttr::GET, None)
        .unwrap();
    roles
        .create(&putter, "", &c.alias, AccessAttr::PUT, None)
        .unwrap();
    let user = unique("u");
    admin
        .user_manager()
        .create(&user, &[&reader, &putter], "pw")
        .unwrap();
    let perms = |lifetime: u64| {
        let mut client = server.anonymous();
        let token = client
            .login(&user, "pw", Some(std::time::Duration::from_secs(lifetime)))
            .unwrap();
        let acl = &token.claims().clusters;
        assert_eq!(acl.len(), 1, "{acl:?}");
        assert_eq!(acl[0].id, c.id);
        acl[0].perm
    };
    let v1_4 = server.older_than("v1.5.0");
    let expected = if v1_4 {
        AccessAttr::PUT
    } else {
        AccessAttr::GET | AccessAttr::PUT
    };
    assert_eq!(perms(3600), expected);

    roles
        .update(
            &reader,
            &RoleUpdate::new().cluster(&c.alias, AccessAttr::OBJ_DELETE),
        )
        .unwrap();
    let expected = if v1_4 {
        AccessAttr::PUT
    } else {
        AccessAttr::OBJ_DELETE | AccessAttr::PUT
    };
    assert_eq!(perms(3700), expected, "a new login after the role changed");
}

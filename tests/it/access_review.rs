//! The access review against a real AuthN server: three reads whatever the number of users,
//! nothing sent by the questions or by bad input, and the roles merged as AuthN merges them at
//! login (compared with the claims of real logins).

use aistore_authn::{AccessAnswer, AccessAttr, Bucket, Client, Error, RoleInfo};
use aistore_authn_testkit::LocalServer;

use crate::counter::Counter;
use crate::support::{unique, TestServer};

/// A fresh server of its own (a cluster without alias elsewhere would change what
/// all-clusters roles give), its admin, and one cluster registered by ID and alias.
fn server_with_a_cluster() -> (TestServer, Client, String, String) {
    let server = TestServer::from_local(LocalServer::start().unwrap());
    let admin = server.admin();
    let (id, alias) = (unique("id"), unique("c"));
    admin
        .cluster_manager()
        .register_with_id(&id, &alias, &[])
        .unwrap();
    (server, admin, id, alias)
}

#[test]
fn three_reads_whatever_the_number_of_users_then_nothing() {
    let (server, admin, id, alias) = server_with_a_cluster();
    let ops = unique("ops");
    admin
        .role_manager()
        .create_role(&RoleInfo::new(&ops, "").with_cluster(&alias, AccessAttr::ACCESS_RW))
        .unwrap();
    for _ in 0..25 {
        admin
            .user_manager()
            .create(&unique("u"), &[&ops], "pw")
            .unwrap();
    }
    let counter = Counter::start(&server.url);
    let review = counter.client(&admin).access_review().unwrap();
    assert_eq!(
        counter.take(),
        ["GET /v1/clusters", "GET /v1/roles", "GET /v1/users"]
    );
    let b = Bucket::parse("ais://b").unwrap();
    let who = review.who_can(&alias, Some(&b), AccessAttr::PUT).unwrap();
    assert_eq!(who.users.len(), 26, "25 users of ops and admin");
    assert!(
        review
            .user("admin", &id, None, AccessAttr::ADMIN)
            .unwrap()
            .admin
    );
    // Bad input: typed errors naming it.
    let bad = [
        review
            .user("eve", &alias, None, AccessAttr::GET)
            .unwrap_err(),
        review
            .role("nope", &alias, None, AccessAttr::GET)
            .unwrap_err(),
        review
            .who_can("nowhere", None, AccessAttr::GET)
            .unwrap_err(),
        review.who_can("", None, AccessAttr::GET).unwrap_err(),
        review.who_can(&alias, None, AccessAttr::NONE).unwrap_err(),
    ];
    assert!(
        matches!(&bad[0], Error::UserNotFound(n) if n == "eve"),
        "{:?}",
        bad[0]
    );
    assert!(
        matches!(&bad[1], Error::RoleNotFound(n) if n == "nope"),
        "{:?}",
        bad[1]
    );
    assert!(matches!(&bad[2], Error::ClusterNotFound(n) if n == "nowhere"));
    assert!(matches!(&bad[3], Error::ClusterNotFound(n) if n.is_empty()));
    assert!(matches!(&bad[4], Error::InvalidArgument(_)));
    assert!(counter.take().is_empty(), "the questions send nothing");
}

#[test]
fn roles_merge_as_a_login_merges_them() {
    let (server, admin, id, alias) = server_with_a_cluster();
    let roles = [
        RoleInfo::new(&unique("a"), "")
            .with_cluster(&alias, AccessAttr::GET)
            .with_bucket(&id, "ais", "raw", AccessAttr::GET),
        RoleInfo::new(&unique("b"), "")
            .with_all_clusters(AccessAttr::LIST_BUCKETS | AccessAttr::ACCESS_RO)
            .with_cluster(&id, AccessAttr::PUT)
            .with_bucket(&id, "ais", "raw", AccessAttr::OBJ_DELETE),
        RoleInfo::new(&unique("c"), "").with_bucket(&id, "s3", "logs", AccessAttr::ACCESS_RW),
    ];
    for role in &roles {
        admin.role_manager().create_role(role).unwrap();
    }
    let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    let user = unique("u");
    admin.user_manager().create(&user, &names, "pw").unwrap();
    // A second cluster, without alias: AuthN turns an all-clusters entry into its entry.
    let bare = unique("bare");
    admin
        .cluster_manager()
        .register_with_id(&bare, "", &[])
        .unwrap();

    let review = admin.access_review().unwrap();
    let claims = server.login(&user, "pw").token_claims().unwrap();
    let buckets = ["ais://raw", "s3://logs", "ais://other"].map(|b| Bucket::parse(b).unwrap());
    let what = "roles adding up at login (v1.4 keeps the later role's ACL)";
    if !server.requires("v1.5.0", what) {
        // The review adds them up as v1.5.0 does; a v1.4 token has the later role's only.
        let raw = Some(&buckets[0]);
        assert!(review
            .user(&user, &id, raw, AccessAttr::GET)
            .unwrap()
            .is_allowed());
        assert!(!AccessAnswer::for_claims(&claims, &id, raw, AccessAttr::GET).is_allowed());
        return;
    }
    let perm_sets = [
        AccessAttr::GET,
        AccessAttr::PUT,
        AccessAttr::OBJ_DELETE,
        AccessAttr::GET | AccessAttr::PUT,
        AccessAttr::ACCESS_RW,
        AccessAttr::LIST_BUCKETS,
        AccessAttr::OBJ_LIST,
    ];
    let mut cells = 0;
    for cluster in [id.as_str(), bare.as_str(), "unregistered"] {
        for bucket in buckets.iter().map(Some).chain([None]) {
            for perms in perm_sets {
                let roles_say = match cluster {
                    "unregistered" => AccessAnswer::for_roles(
                        &user,
                        &review.users()[&user].roles,
                        review.clusters(),
                        cluster,
                        bucket,
                        perms,
                    ),
                    _ => review.user(&user, cluster, bucket, perms).unwrap(),
                };
                let token_says = AccessAnswer::for_claims(&claims, cluster, bucket, perms);
                assert_eq!(
                    roles_say.decision, token_says.decision,
                    "{cluster} {bucket:?} {perms}: roles: {roles_say}; token: {token_says}"
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 3 * 4 * perm_sets.len());
    // The merge is visible: GET and PUT from two roles on the cluster; the all-clusters entry
    // went to the alias-less cluster (AuthN's fixClusterIDs, seen in this real login), so an
    // unregistered cluster gets nothing.
    let other = &buckets[2];
    assert!(review
        .user(&user, &id, Some(other), AccessAttr::GET | AccessAttr::PUT)
        .unwrap()
        .is_allowed());
    assert!(review
        .user(&user, &bare, Some(other), AccessAttr::GET)
        .unwrap()
        .is_allowed());
    assert!(
        !AccessAnswer::for_claims(&claims, "unregistered", Some(other), AccessAttr::GET)
            .is_allowed()
    );
}

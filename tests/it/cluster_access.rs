//! End to end on a real AIStore cluster (`aisnode` v1.5.0, one proxy and one target, tokens
//! required) keyed to a real AuthN server: the roles this crate writes grant exactly the access
//! their bits say, registration by URL works against the cluster, and revoked tokens are
//! refused by it. Every cell is also asked of the access review before the user logs in
//! (`AccessReview::user`: the user's roles, merged as a login merges them) and of the token's
//! claims (`AccessAnswer::for_claims`), and with the `verify` feature of
//! `VerifiedToken::allows`: all must agree with what the cluster did.

use std::time::{Duration, Instant};

use crate::support::{local_release, requires, unique, AisHttp};
use aistore_authn::{AccessAnswer, AccessAttr, Basis, Bucket, Client, RoleInfo, RoleUpdate, Token};
use aistore_authn_testkit::{LocalCluster, LocalServer};

/// Where a grant applies.
#[derive(Clone, Copy, Debug)]
enum Scope {
    /// The test cluster, by ID.
    Cluster,
    /// Every cluster (an ACL with an empty ID).
    AllClusters,
    /// One `ais://` bucket of the test cluster.
    Bucket(&'static str),
}

/// One data-plane operation and the permission AIStore checks for it (ais/proxy.go).
#[derive(Clone, Copy, Debug)]
struct Op {
    name: &'static str,
    perms: AccessAttr,
    /// The bucket the operation is on, for bucket permissions; `None` for cluster ones.
    bucket: Option<&'static str>,
}

const OPS: [Op; 12] = [
    Op {
        name: "GET object b1",
        perms: AccessAttr::GET,
        bucket: Some("b1"),
    },
    Op {
        name: "HEAD object b1",
        perms: AccessAttr::OBJ_HEAD,
        bucket: Some("b1"),
    },
    Op {
        name: "PUT object b1",
        perms: AccessAttr::PUT,
        bucket: Some("b1"),
    },
    Op {
        name: "DELETE object b1",
        perms: AccessAttr::OBJ_DELETE,
        bucket: Some("b1"),
    },
    Op {
        name: "list objects b1",
        perms: AccessAttr::OBJ_LIST,
        bucket: Some("b1"),
    },
    Op {
        name: "GET object b2",
        perms: AccessAttr::GET,
        bucket: Some("b2"),
    },
    Op {
        name: "PUT object b2",
        perms: AccessAttr::PUT,
        bucket: Some("b2"),
    },
    Op {
        name: "list objects b2",
        perms: AccessAttr::OBJ_LIST,
        bucket: Some("b2"),
    },
    Op {
        name: "create bucket",
        perms: AccessAttr::CREATE_BUCKET,
        bucket: None,
    },
    Op {
        name: "destroy bucket",
        perms: AccessAttr::DESTROY_BUCKET,
        bucket: None,
    },
    Op {
        name: "read cluster map",
        perms: AccessAttr::SHOW_CLUSTER,
        bucket: None,
    },
    Op {
        name: "list buckets",
        perms: AccessAttr::LIST_BUCKETS,
        bucket: None,
    },
];

/// What the bits say: a bucket grant for the operation's bucket decides alone; otherwise the
/// cluster's grant, else the all-clusters one.
fn expected(grants: &[(Scope, AccessAttr)], op: &Op) -> bool {
    let find = |wanted: fn(&Scope) -> bool| grants.iter().find(|(s, _)| wanted(s)).map(|g| g.1);
    let bucket = op.bucket.and_then(|b| {
        grants
            .iter()
            .find(|(s, _)| matches!(s, Scope::Bucket(x) if *x == b))
            .map(|g| g.1)
    });
    let cluster =
        find(|s| matches!(s, Scope::Cluster)).or(find(|s| matches!(s, Scope::AllClusters)));
    match (op.bucket, bucket) {
        (Some(_), Some(perms)) => perms.contains(op.perms),
        _ => cluster.is_some_and(|perms| perms.contains(op.perms)),
    }
}

/// A real AuthN server and a real cluster keyed to it, the cluster registered by URL under
/// `alias`, with buckets `b1` and `b2` each holding object `o1`.
struct Pair {
    server: LocalServer,
    cluster: LocalCluster,
    admin: Client,
    admin_token: String,
    alias: String,
    http: AisHttp,
}

impl Pair {
    /// `None` when the suite runs against an AuthN release that cannot register an AIStore
    /// v1.5.0 cluster that requires tokens: before v1.5.0, AuthN sends no token of its own
    /// on the registration handshake, and the cluster refuses it.
    fn start(rsa: bool) -> Option<Pair> {
        let what = "registering a cluster that requires tokens";
        if !requires(Some(&local_release()), "v1.5.0", what) {
            return None;
        }
        let server = match rsa {
            true => LocalServer::builder().rsa_signing().start(),
            false => LocalServer::start(),
        }
        .unwrap_or_else(|e| panic!("cannot start the AuthN server:\n{e}"));
        let started = Instant::now();
        let cluster = LocalCluster::builder()
            .authn(&server)
            .start()
            .unwrap_or_else(|e| panic!("cannot start the AIStore cluster:\n{e}"));
        eprintln!("cluster started in {} ms", started.elapsed().as_millis());
        let admin = server.admin_client().unwrap();
        let admin_token = admin.token().unwrap();
        // Registration by URL: the ID comes from the real cluster, and AuthN hands it its key.
        let alias = unique("c");
        let registered = admin
            .cluster_manager()
            .register(&alias, &[&cluster.endpoint()])
            .unwrap();
        assert_eq!(registered.id, cluster.uuid());
        assert_eq!(registered.urls, [cluster.endpoint()]);
        let pair = Pair {
            server,
            cluster,
            admin,
            admin_token,
            alias,
            http: AisHttp::default(),
        };
        for bucket in ["b1", "b2"] {
            pair.as_admin(
                "POST",
                &format!("/v1/buckets/{bucket}?provider=ais"),
                Some(r#"{"action":"create-bck"}"#),
            );
            pair.as_admin(
                "PUT",
                &format!("/v1/objects/{bucket}/o1?provider=ais"),
                Some("hello"),
            );
        }
        Some(pair)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cluster.endpoint())
    }

    /// A call the admin must be allowed to make.
    fn as_admin(&self, method: &str, path: &str, body: Option<&str>) {
        let (status, text) = self
            .http
            .call(method, &self.url(path), Some(&self.admin_token), body);
        assert_eq!(
            status,
            200,
            "admin {method} {path}: {text}\n{}",
            self.cluster.log_tail()
        );
    }

    /// Runs `op` with `token`: true when the cluster allowed it (2xx), false when it refused it
    /// (401 or 403); any other status fails the test. `tag` keeps the objects and buckets the
    /// operation makes apart from other users'.
    fn attempt(&self, op: &Op, token: &str, tag: &str) -> bool {
        let (method, path, body) = match op.name {
            "GET object b1" | "GET object b2" => (
                "GET",
                format!("/v1/objects/{}/o1?provider=ais", op.bucket.unwrap()),
                None,
            ),
            "HEAD object b1" => ("HEAD", "/v1/objects/b1/o1?provider=ais".into(), None),
            "PUT object b1" | "PUT object b2" => (
                "PUT",
                format!("/v1/objects/{}/p-{tag}?provider=ais", op.bucket.unwrap()),
                Some("data".to_owned()),
            ),
            "DELETE object b1" => {
                self.as_admin(
                    "PUT",
                    &format!("/v1/objects/b1/d-{tag}?provider=ais"),
                    Some("x"),
                );
                (
                    "DELETE",
                    format!("/v1/objects/b1/d-{tag}?provider=ais"),
                    None,
                )
            }
            "list objects b1" | "list objects b2" => (
                "GET",
                format!("/v1/buckets/{}?provider=ais", op.bucket.unwrap()),
                Some(r#"{"action":"list","value":{"props":"name"}}"#.to_owned()),
            ),
            "create bucket" => (
                "POST",
                format!("/v1/buckets/n-{tag}?provider=ais"),
                Some(r#"{"action":"create-bck"}"#.to_owned()),
            ),
            "destroy bucket" => {
                self.as_admin(
                    "POST",
                    &format!("/v1/buckets/x-{tag}?provider=ais"),
                    Some(r#"{"action":"create-bck"}"#),
                );
                (
                    "DELETE",
                    format!("/v1/buckets/x-{tag}?provider=ais"),
                    Some(r#"{"action":"destroy-bck"}"#.to_owned()),
                )
            }
            "read cluster map" => ("GET", "/v1/daemon?what=smap".into(), None),
            "list buckets" => ("GET", "/v1/buckets?provider=ais".into(), None),
            other => panic!("no such operation {other}"),
        };
        let (status, text) = self
            .http
            .call(method, &self.url(&path), Some(token), body.as_deref());
        match status {
            200..=299 => true,
            401 | 403 => false,
            other => panic!("{} as {tag}: HTTP {other}: {text}", op.name),
        }
    }

    /// A new user holding `role`, logged in: its token.
    fn user_token(&self, role: &str) -> (String, String) {
        let id = self.user(&[role]);
        (id.clone(), self.login(&id))
    }

    /// A new user holding `roles` (not logged in): its ID.
    fn user(&self, roles: &[&str]) -> String {
        let id = unique("u");
        self.admin.user_manager().create(&id, roles, "pw").unwrap();
        id
    }

    /// Logs `id` in: its token.
    fn login(&self, id: &str) -> String {
        let mut client = Client::builder(&self.server.url())
            .proxy_from_env(false)
            .build()
            .unwrap();
        client.login(id, "pw", None).unwrap().as_str().to_owned()
    }

    /// The bucket of an operation, as the CLI writes it.
    fn bucket(op: &Op) -> Option<Bucket> {
        op.bucket
            .map(|b| Bucket::parse(&format!("ais://{b}")).unwrap())
    }

    /// Creates a role with these grants through the crate.
    fn role(&self, grants: &[(Scope, AccessAttr)]) -> String {
        let name = unique("r");
        let mut role = RoleInfo::new(&name, "cluster access test");
        for (scope, perms) in grants {
            role = match scope {
                Scope::Cluster => role.with_cluster(&self.alias, *perms),
                Scope::AllClusters => role.with_all_clusters(*perms),
                Scope::Bucket(b) => role.with_bucket(&self.alias, "ais", b, *perms),
            };
        }
        self.admin.role_manager().create_role(&role).unwrap();
        name
    }

    /// Every operation as a user of `role`: each cell as `grants` says, and as the review,
    /// the token's claims and (feature `verify`) offline verification say.
    fn check_matrix(&self, label: &str, role: &str, grants: &[(Scope, AccessAttr)]) -> usize {
        let (_, cells) = self.check_agreement(label, &[role]);
        for (op, allowed) in OPS.iter().zip(&cells) {
            assert_eq!(
                *allowed,
                expected(grants, op),
                "{label} ({grants:?}): {} was {}",
                op.name,
                if *allowed { "allowed" } else { "refused" }
            );
        }
        cells.len()
    }

    /// A new user holding `roles`: every operation asked of the access review before login
    /// (the user's roles), then tried on the cluster with the user's token, and asked of the
    /// token's claims (and, feature `verify`, of the verified token). All must agree; the
    /// user's ID and what the cluster did, per operation.
    fn check_agreement(&self, label: &str, roles: &[&str]) -> (String, Vec<bool>) {
        let user = self.user(roles);
        let cluster_id = self.cluster.uuid();
        let review = self.admin.access_review().unwrap();
        let before_login: Vec<AccessAnswer> = OPS
            .iter()
            .map(|op| {
                review
                    .user(&user, &self.alias, Self::bucket(op).as_ref(), op.perms)
                    .unwrap()
            })
            .collect();
        let token = self.login(&user);
        let claims = Token::parse(&token).unwrap().claims().clone();
        self.check_token(label, &user, &token, &claims, &before_login);
        let cells = OPS
            .iter()
            .map(|op| self.attempt(op, &token, &user))
            .collect::<Vec<_>>();
        for ((op, allowed), roles_say) in OPS.iter().zip(&cells).zip(&before_login) {
            let token_says =
                AccessAnswer::for_claims(&claims, &cluster_id, Self::bucket(op).as_ref(), op.perms);
            assert_eq!(
                (roles_say.is_allowed(), token_says.is_allowed()),
                (*allowed, *allowed),
                "{label}: {}: the cluster {} it; roles: {roles_say}; token: {token_says}",
                op.name,
                if *allowed { "allowed" } else { "refused" }
            );
            assert_eq!(roles_say.basis, Basis::Roles);
            assert_eq!(roles_say.cluster_id, cluster_id);
            // An allowed answer names the roles that grant it, and only the user's roles.
            if *allowed {
                assert!(!roles_say.grants.is_empty(), "{label}: {roles_say}");
                for grant in &roles_say.grants {
                    let role = grant.role.as_deref().unwrap();
                    assert!(
                        roles.contains(&role) || roles_say.admin,
                        "{label}: {role} is not the user's"
                    );
                }
            }
        }
        (user, cells)
    }

    /// With the `verify` feature, the verified token answers as the review did.
    #[allow(unused_variables)]
    fn check_token(
        &self,
        label: &str,
        user: &str,
        token: &str,
        claims: &aistore_authn::TokenClaims,
        before_login: &[AccessAnswer],
    ) {
        assert_eq!(claims.subject, user);
        #[cfg(feature = "verify")]
        {
            let verified = self.verifier().verify(token).unwrap();
            assert_eq!(verified.claims(), claims);
            for (op, roles_say) in OPS.iter().zip(before_login) {
                assert_eq!(
                    verified.allows(&self.cluster.uuid(), Self::bucket(op).as_ref(), op.perms),
                    roles_say.is_allowed(),
                    "{label}: allows() disagrees with the review on {}",
                    op.name
                );
            }
        }
    }

    #[cfg(feature = "verify")]
    fn verifier(&self) -> aistore_authn::Verifier {
        let server = self.admin.server_manager();
        match server.config().unwrap().secret() {
            Some(secret) => aistore_authn::Verifier::hmac(secret).unwrap(),
            None => aistore_authn::Verifier::from_server(&server).unwrap(),
        }
    }

    /// Polls `method path` with `token` until the cluster answers `want`, for at most 10 s.
    fn wait_for(&self, method: &str, path: &str, token: &str, want: u16) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, _) = self.http.call(method, &self.url(path), Some(token), None);
            if status == want || Instant::now() > deadline {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

use AccessAttr as A;

#[test]
fn roles_grant_exactly_their_bits_on_a_real_cluster_hmac() {
    let Some(pair) = Pair::start(false) else {
        return;
    };
    let mut cells = 0;
    // The roles AuthN made for the cluster when it was registered grant what their names say.
    for (made, perms) in [
        ("Guest", A::ACCESS_RO),
        ("BucketOwner", A::ACCESS_RW),
        ("ClusterOwner", A::ACCESS_SU),
    ] {
        let name = format!("{made}-{}", pair.alias);
        let role = pair.admin.role_manager().get(&name).unwrap();
        assert_eq!(role.clusters[0].perm, perms, "{name}");
        cells += pair.check_matrix(&name, &name, &[(Scope::Cluster, perms)]);
    }
    let cases: Vec<(&str, Vec<(Scope, AccessAttr)>)> = vec![
        ("ACCESS_RO", vec![(Scope::Cluster, A::ACCESS_RO)]),
        ("ACCESS_RW", vec![(Scope::Cluster, A::ACCESS_RW)]),
        ("GET", vec![(Scope::Cluster, A::GET)]),
        ("PUT", vec![(Scope::Cluster, A::PUT)]),
        ("OBJ_DELETE", vec![(Scope::Cluster, A::OBJ_DELETE)]),
        ("OBJ_LIST", vec![(Scope::Cluster, A::OBJ_LIST)]),
        ("CREATE_BUCKET", vec![(Scope::Cluster, A::CREATE_BUCKET)]),
        ("DESTROY_BUCKET", vec![(Scope::Cluster, A::DESTROY_BUCKET)]),
        ("SHOW_CLUSTER", vec![(Scope::Cluster, A::SHOW_CLUSTER)]),
        (
            "CLUSTER_ACCESS_RO",
            vec![(Scope::Cluster, A::CLUSTER_ACCESS_RO)],
        ),
        ("bucket b2 rw", vec![(Scope::Bucket("b2"), A::ACCESS_RW)]),
        (
            "all clusters ro",
            vec![(Scope::AllClusters, A::ACCESS_RO | A::SHOW_CLUSTER)],
        ),
        (
            "several ACLs",
            vec![
                (Scope::Cluster, A::ACCESS_RO | A::CREATE_BUCKET),
                (Scope::Bucket("b2"), A::ACCESS_RW),
            ],
        ),
        (
            "bucket ACL narrower than the cluster's",
            vec![
                (Scope::Cluster, A::ACCESS_RW),
                (Scope::Bucket("b2"), A::GET),
            ],
        ),
    ];
    for (label, grants) in &cases {
        let role = pair.role(grants);
        cells += pair.check_matrix(label, &role, grants);
    }
    assert_eq!(cells, (3 + cases.len()) * OPS.len());
    several_roles_and_admin(&pair);
    // A sanity check on the expectations themselves: a read-only user reads and cannot write.
    let ro = [(Scope::Cluster, A::ACCESS_RO)];
    assert!(expected(&ro, &OPS[0]) && !expected(&ro, &OPS[2]) && !expected(&ro, &OPS[8]));
}

#[test]
fn roles_grant_exactly_their_bits_on_a_real_cluster_rsa() {
    // The cluster checks RS256 tokens with AuthN's public key.
    let Some(pair) = Pair::start(true) else {
        return;
    };
    for (label, grants) in [
        ("ACCESS_RO", vec![(Scope::Cluster, A::ACCESS_RO)]),
        ("ACCESS_RW", vec![(Scope::Cluster, A::ACCESS_RW)]),
        ("bucket b2 rw", vec![(Scope::Bucket("b2"), A::ACCESS_RW)]),
        (
            "all clusters, cluster admin",
            vec![(Scope::AllClusters, A::CLUSTER_ACCESS_RW)],
        ),
    ] {
        let role = pair.role(&grants);
        pair.check_matrix(label, &role, &grants);
    }
    let owner = format!("ClusterOwner-{}", pair.alias);
    pair.check_matrix(&owner, &owner, &[(Scope::Cluster, A::ACCESS_SU)]);
    several_roles_and_admin(&pair);
}

/// The index in [`OPS`] of the operation named `name`.
fn op(name: &str) -> usize {
    OPS.iter().position(|op| op.name == name).unwrap()
}

/// Users holding several roles, built-in ones and `Admin`: the review before login, the token
/// and the cluster agree on every cell, and the roles combine as a login combines them.
fn several_roles_and_admin(pair: &Pair) {
    let guest = format!("Guest-{}", pair.alias);
    let b2_rw = pair.role(&[(Scope::Bucket("b2"), A::ACCESS_RW)]);
    let (_, cells) = pair.check_agreement("Guest + b2 rw", &[&guest, &b2_rw]);
    assert!(cells[op("PUT object b2")] && !cells[op("PUT object b1")]);
    assert!(cells[op("GET object b1")] && !cells[op("create bucket")]);

    // One role's bucket entry narrows another role's cluster entry for that bucket.
    let rw = pair.role(&[(Scope::Cluster, A::ACCESS_RW)]);
    let b2_get = pair.role(&[(Scope::Bucket("b2"), A::GET)]);
    let (_, cells) = pair.check_agreement("cluster rw + b2 GET", &[&rw, &b2_get]);
    assert!(cells[op("PUT object b1")] && cells[op("GET object b2")]);
    assert!(!cells[op("PUT object b2")] && !cells[op("list objects b2")]);

    // Two roles' bits add up: an all-clusters entry and the cluster's own.
    let all_get = pair.role(&[(Scope::AllClusters, A::GET)]);
    let list = pair.role(&[(Scope::Cluster, A::LIST_BUCKETS | A::SHOW_CLUSTER)]);
    let (_, cells) = pair.check_agreement("all GET + cluster list", &[&all_get, &list]);
    assert!(cells[op("list buckets")] && cells[op("read cluster map")]);
    // The cluster's own entry is found first, and it has no GET: the all-clusters one is
    // only the default.
    assert!(!cells[op("GET object b1")]);

    let (admin, cells) = pair.check_agreement("Admin", &["Admin"]);
    assert!(cells.iter().all(|allowed| *allowed), "{admin}: {cells:?}");
    let review = pair.admin.access_review().unwrap();
    let answer = review
        .user(&admin, &pair.alias, None, A::DESTROY_BUCKET)
        .unwrap();
    assert!(answer.admin && answer.grants[0].role.as_deref() == Some("Admin"));
    let who = review
        .who_can(&pair.alias, None, A::DESTROY_BUCKET)
        .unwrap();
    let admins: Vec<&str> = who
        .users
        .iter()
        .filter(|a| a.admin)
        .map(|a| a.subject.as_str())
        .collect();
    assert!(admins.contains(&"admin") && admins.contains(&admin.as_str()));
    let owner = format!("ClusterOwner-{}", pair.alias);
    assert!(who.roles.iter().any(|a| a.subject == owner));
    assert!(!who.roles.iter().any(|a| a.subject == guest));
}

#[test]
fn revoked_tokens_are_refused_by_the_cluster_and_role_changes_reach_new_logins() {
    let Some(pair) = Pair::start(false) else {
        return;
    };
    let role = pair.role(&[(Scope::Cluster, A::ACCESS_RO)]);
    let (alice, alice_token) = pair.user_token(&role);
    let (_, bob_token) = pair.user_token(&role);
    let read = "/v1/objects/b1/o1?provider=ais";
    assert_eq!(
        pair.http
            .call("GET", &pair.url(read), Some(&alice_token), None)
            .0,
        200
    );

    // Revoked through this crate: AuthN pushes it to the cluster, which then refuses it.
    pair.admin.token_manager().revoke(&alice_token).unwrap();
    assert_eq!(
        pair.wait_for("GET", read, &alice_token, 401),
        401,
        "the cluster still takes it"
    );
    assert_eq!(
        pair.http
            .call("GET", &pair.url(read), Some(&bob_token), None)
            .0,
        200,
        "another user's token keeps working"
    );
    // A new login works (another lifetime: a login in the same second would get the same,
    // revoked, token back).
    let mut again = Client::builder(&pair.server.url())
        .proxy_from_env(false)
        .build()
        .unwrap();
    let fresh = again
        .login(&alice, "pw", Some(Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(
        pair.http
            .call("GET", &pair.url(read), Some(fresh.as_str()), None)
            .0,
        200
    );
    // Logout through this crate revokes too.
    again.logout().unwrap();
    assert_eq!(
        pair.wait_for("GET", read, fresh.as_str(), 401),
        401,
        "logout reached the cluster"
    );

    // A role updated through this crate: tokens carry the ACLs of their login, so an old token
    // keeps the old rights, and a new login gets the new ones.
    let put = |token: &str, name: &str| {
        let path = format!("/v1/objects/b1/{name}?provider=ais");
        pair.http
            .call("PUT", &pair.url(&path), Some(token), Some("data"))
            .0
    };
    assert_eq!(put(&bob_token, "before"), 403);
    pair.admin
        .role_manager()
        .update(&role, &RoleUpdate::new().cluster(&pair.alias, A::ACCESS_RW))
        .unwrap();
    assert_eq!(
        put(&bob_token, "old-token"),
        403,
        "an old token keeps its login's rights"
    );
    // The review says what the user can now; the token's claims what that token can.
    let b1 = Bucket::parse("ais://b1").unwrap();
    let bob_claims = Token::parse(&bob_token).unwrap().claims().clone();
    let now = pair
        .admin
        .access_review()
        .unwrap()
        .user(&bob_claims.subject, &pair.alias, Some(&b1), A::PUT)
        .unwrap();
    let token_says = AccessAnswer::for_claims(&bob_claims, &pair.cluster.uuid(), Some(&b1), A::PUT);
    assert!(now.is_allowed() && !token_says.is_allowed());
    assert!(now.to_string().contains("(by the roles now)"), "{now}");
    assert!(
        token_says.to_string().contains("(by the token's claims)"),
        "{token_says}"
    );
    let mut bob = Client::builder(&pair.server.url())
        .proxy_from_env(false)
        .build()
        .unwrap();
    let bob_id = aistore_authn::Token::parse(&bob_token)
        .unwrap()
        .subject()
        .to_owned();
    let new_token = bob
        .login(&bob_id, "pw", Some(Duration::from_secs(7200)))
        .unwrap();
    assert_eq!(
        put(new_token.as_str(), "new-token"),
        200,
        "a new login has the new rights"
    );
}

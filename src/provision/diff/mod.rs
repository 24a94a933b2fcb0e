//! Planning: the writes that bring AuthN to a spec, worked out from one read of the server.
//! The data flows one way: the spec is resolved once ([`Desired`]), the server read once
//! ([`Server`]), then each kind of entity is diffed in its own file, in the order apply runs
//! them: [`clusters`], [`roles`], [`users`], then the deletes of [`prune`].

mod clusters;
mod prune;
mod roles;
mod users;

use std::collections::{BTreeMap, BTreeSet};

use crate::client::Client;
use crate::error::Error;
use crate::provision::desired::Desired;
use crate::provision::errors::ValidationErrors;
use crate::provision::plan::{Action, Kind, Op, Phase, Plan, PlanOptions, State, Work};
use crate::provision::saved::Origin;
use crate::provision::snapshot::{read_server, AclKey, Server, Shape};
use crate::provision::spec::{auto_roles, ClusterSpec, Spec};
use crate::secret::Secret;

/// Works out what to send to bring the server to `spec`: checks the spec
/// ([`Spec::validate`]), reads the server with exactly three requests, compares, and returns
/// the actions with the state before and after each. Sends no write.
///
/// Requests: `GET /v1/clusters`, `GET /v1/roles`, `GET /v1/users`, whatever the size of the
/// spec. Needs an admin token (for the users). Passwords are read from their sources here and
/// kept in the plan (never shown).
///
/// Role entries are compared as AuthN stores them: clusters by ID (aliases in the spec are
/// resolved through the clusters list, including clusters this plan registers), buckets by
/// cluster ID, provider and name. AuthN's `PUT` merges entries and cannot remove one, nor
/// clear a description: such a role is re-created ([`Op::Recreate`]: delete, create) and
/// every user holding it gets it back in a user update that waits for it. Registering a
/// cluster makes AuthN create `ClusterOwner-<x>`, `BucketOwner-<x>` and `Guest-<x>`; the plan
/// counts on those, so a spec may define them (to change them) or give them to users.
///
/// # Errors
/// - [`Error::InvalidArgument`] listing every problem with its JSON path, one per line: those
///   of [`Spec::validate`] (nothing is sent), then those only the server can tell (after the
///   reads): a user's role or an external role that does not exist there, an ACL naming a
///   cluster neither in the spec nor registered (or registered but pruned), an alias taken by
///   a cluster the spec does not define, a new user without a password, an existing user
///   whose roles the spec empties (AuthN cannot).
/// - [`Error::Unauthorized`] without an admin token; [`Error::Transport`],
///   [`Error::Decode`].
///
/// # Example
/// ```no_run
/// use aistore_authn::provision::{plan, PlanOptions, Spec};
///
/// let client = aistore_authn::Client::from_env()?;
/// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
/// let plan = plan(&client, &spec, &PlanOptions::new())?;
/// println!("{plan}");
/// println!("{}", serde_json::to_string_pretty(&plan)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(client: &Client, spec: &Spec, options: &PlanOptions) -> Result<Plan, Error> {
    let (errors, passwords) = spec.check();
    errors.into_result()?;
    let server = read_server(client)?;
    let planned = build(spec, passwords, &server, options)?;
    Ok(Origin::remember(planned, client, spec, server, options))
}

/// Builds the plan, collecting the problems only the server can show.
#[derive(Default)]
pub(crate) struct Builder {
    pub(crate) actions: Vec<Action>,
    pub(crate) errors: ValidationErrors,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        op: Op,
        kind: Kind,
        name: &str,
        (before, after): (Option<State>, Option<State>),
        work: Work,
        phase: Phase,
        depends_on: BTreeSet<usize>,
        notes: Vec<String>,
    ) -> usize {
        let id = self.actions.len();
        self.actions.push(Action {
            id,
            op,
            kind,
            name: name.to_owned(),
            before,
            after,
            requests: work.requests(),
            depends_on: depends_on.into_iter().collect(),
            notes,
            work,
            phase,
        });
        id
    }
}

/// A role AuthN will make when this plan registers a cluster: its shape and the registering
/// action.
pub(crate) type Predicted = BTreeMap<String, (Shape, usize)>;

/// The roles AuthN makes for the clusters this plan registers, unless they exist.
fn predict(registering: &[(&ClusterSpec, usize)], server: &Server) -> Predicted {
    let mut predicted = Predicted::new();
    for (c, action) in registering {
        for (name, desc, perm) in auto_roles(&c.id, &c.alias) {
            if server.roles.get(&name).is_none() && !predicted.contains_key(&name) {
                let shape = Shape {
                    desc,
                    acls: [(AclKey::Cluster(c.id.clone()), perm)].into(),
                    repeated: false,
                };
                predicted.insert(name, (shape, *action));
            }
        }
    }
    predicted
}

/// The plan for `spec` against `server`; `passwords` are the users', in spec order. The
/// problems only the server can show come in spec order: clusters, roles, users, external
/// roles.
pub(crate) fn build(
    spec: &Spec,
    passwords: Vec<Option<Secret>>,
    server: &Server,
    options: &PlanOptions,
) -> Result<Plan, ValidationErrors> {
    let mut desired = Desired::resolve(spec, passwords, server, options);
    let mut unresolved = std::mem::take(&mut desired.errors);
    let mut b = Builder::default();
    let registering = clusters::diff(&mut b, &desired, server);
    let predicted = predict(&registering, server);
    b.errors.errors.append(&mut unresolved.errors);
    let role_actions = roles::diff(&mut b, &desired, server, &predicted, &registering);
    users::diff(&mut b, &desired, server, &predicted, &role_actions, options);
    for (k, name) in spec.external_roles.iter().enumerate() {
        if server.roles.get(name).is_none() && !predicted.contains_key(name) {
            b.errors.push(
                format!("external_roles[{k}]"),
                format!("role {name:?} does not exist on the server"),
            );
        }
    }
    let protected = if options.prune {
        prune::diff(&mut b, &desired, server)
    } else {
        Vec::new()
    };
    b.errors.into_result()?;
    Ok(Plan::new(b.actions, protected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access_attr::AccessAttr;
    use crate::model::info::{ClusterInfo, RoleInfo, RolesList, UserInfo};
    use crate::provision::export::export_from;

    fn spec(json: &str) -> Spec {
        Spec::from_json(json).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A server holding clusters `(id, alias)`, roles and users `(id, roles)`.
    fn server(
        clusters: &[(&str, &str)],
        roles: Vec<RoleInfo>,
        users: &[(&str, &[&str])],
    ) -> Server {
        let roles: RolesList = roles.into();
        let mut all = Server {
            clusters: clusters
                .iter()
                .map(|(id, alias)| ((*id).to_owned(), ClusterInfo::new(id, alias, &[])))
                .collect(),
            roles: roles.clone(),
            ..Server::default()
        };
        for (id, held) in users {
            let held: Vec<RoleInfo> = held.iter().map(|r| roles.get(r).unwrap().clone()).collect();
            all.users.insert((*id).to_owned(), UserInfo::new(id, held));
        }
        all
    }

    fn admin_only() -> Server {
        let mut admin = RoleInfo::new("Admin", "AuthN administrator");
        admin.admin = true;
        server(&[], vec![admin], &[("admin", &["Admin"])])
    }

    fn pw() -> Option<Secret> {
        Some(Secret::new("s3cret-pw".into()))
    }

    fn lines(plan: &Plan) -> Vec<String> {
        plan.actions()
            .iter()
            .map(|a| format!("{} {} {} {:?}", a.op, a.kind, a.name, a.depends_on))
            .collect()
    }

    fn errors(result: Result<Plan, ValidationErrors>) -> Vec<String> {
        result
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_fresh_server_gets_creates_in_dependency_order() {
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1", "urls": ["http://ais:8080/"]}],
                "roles": [{"name": "ops", "acls": [{"cluster": "c1", "perms": "ro"},
                                                   {"cluster": "u1", "bucket": "s3://logs", "perms": "GET"},
                                                   {"cluster": "*", "perms": "none"}]}],
                "users": [{"id": "alice", "roles": ["ops", "Guest-c1"]},
                          {"id": "bob", "roles": []}]}"#,
        );
        let plan = build(&s, vec![pw(), pw()], &admin_only(), &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "create cluster u1 []",
                "create role ops [0]",
                "create user alice [0, 1]",
                "create user bob []"
            ]
        );
        let Work::CreateCluster { urls, .. } = &plan.actions()[0].work else {
            panic!()
        };
        assert_eq!(urls, &["http://ais:8080"], "trailing slash trimmed");
        let Work::CreateRole(role) = &plan.actions()[1].work else {
            panic!()
        };
        let json = serde_json::to_value(role).unwrap();
        assert_eq!(json["clusters"][0]["id"], "", "every cluster");
        assert_eq!(
            json["clusters"][1]["id"], "u1",
            "the alias is sent as the ID"
        );
        assert_eq!(json["buckets"][0]["bck"]["namespace"]["uuid"], "u1");
        assert_eq!(json["buckets"][0]["bck"]["provider"], "aws");
        assert_eq!(plan.actions()[2].requests, ["POST /v1/users"]);
        let State::Role(after) = plan.actions()[1].after.as_ref().unwrap() else {
            panic!()
        };
        let acls: Vec<(&str, Option<&str>, &str)> = after
            .acls
            .iter()
            .map(|a| (a.cluster.as_str(), a.bucket.as_deref(), a.perms.as_str()))
            .collect();
        assert_eq!(
            acls,
            [
                ("*", None, "none"),
                ("c1", None, "ro"),
                ("c1", Some("s3://logs"), "GET")
            ]
        );
        // Passwords are in the plan, and shown nowhere.
        let shown = format!("{plan:?} {plan} {}", serde_json::to_string(&plan).unwrap());
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn a_removed_entry_recreates_the_role_and_gives_it_back() {
        let ops = RoleInfo::new("ops", "d")
            .with_cluster("u1", AccessAttr::ACCESS_RO)
            .with_cluster("u2", AccessAttr::ACCESS_RW);
        let dev = RoleInfo::new("dev", "d").with_cluster("u1", AccessAttr::GET);
        let now = server(
            &[("u1", "c1"), ("u2", "c2")],
            vec![ops, dev],
            &[
                ("alice", &["ops"]),
                ("bob", &["ops", "dev"]),
                ("carol", &["ops"]),
                ("dan", &["dev"]),
            ],
        );
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}, {"id": "u2", "alias": "c2"}],
                "roles": [{"name": "ops", "description": "d", "acls": [{"cluster": "c1", "perms": "ro"}]},
                          {"name": "dev", "description": "d2", "acls": [{"cluster": "c1", "perms": "GET"},
                                                                       {"cluster": "c2", "perms": "ro"}]}],
                "users": [{"id": "alice", "roles": ["ops"]}, {"id": "bob", "roles": ["dev"]}]}"#,
        );
        let plan = build(&s, vec![None, None], &now, &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "recreate role ops []",
                "update role dev []",
                "update user alice [0]",
                "update user carol [0]",
            ],
            "{plan}"
        );
        let recreate = &plan.actions()[0];
        assert_eq!(
            recreate.requests,
            ["DELETE /v1/roles/ops", "POST /v1/roles"]
        );
        assert!(
            recreate.notes[0].contains("the entry for cluster c2"),
            "{plan}"
        );
        assert_eq!(
            recreate.notes[1],
            "deleting the role takes it from alice, bob, carol; given back to alice (#2), \
             carol (#3); not given back to bob (the spec drops it, or prune deletes the user)"
        );
        // The update sends only what changes.
        let Work::UpdateRole(dev) = &plan.actions()[1].work else {
            panic!()
        };
        assert_eq!((dev.desc.as_str(), dev.clusters.len()), ("d2", 1));
        assert_eq!(dev.clusters[0].id, "u2");
        assert!(plan.actions()[3].notes[0].starts_with("not in the spec: gives back ops"));
        // bob loses ops with the re-creation: his roles then are what the spec says.
        assert!(!plan.actions().iter().any(|a| a.name == "bob"));
    }

    #[test]
    fn prune_keeps_the_built_ins_and_the_clusters_roles() {
        let mut now = admin_only();
        let kept = server(
            &[("u1", "c1"), ("u9", "c9")],
            vec![
                RoleInfo::new("Guest-c1", "x").with_cluster("u1", AccessAttr::ACCESS_RO),
                RoleInfo::new("Guest-old", "x").with_cluster("u1", AccessAttr::ACCESS_RO),
                RoleInfo::new("Guest-c9", "x").with_cluster("u9", AccessAttr::ACCESS_RO),
                RoleInfo::new("stray", "x"),
                RoleInfo::new("ext", "x"),
            ],
            &[("eve", &["stray"]), ("me", &["stray"])],
        );
        now.clusters = kept.clusters;
        now.roles = now.roles.iter().chain(&kept.roles).cloned().collect();
        now.users.extend(kept.users);
        now.me = Some("me".into());
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}], "roles": [], "users": [],
                "external_roles": ["ext"]}"#,
        );
        let plan = build(&s, vec![], &now, &PlanOptions::new().prune(true)).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "delete user eve []",
                "delete role Guest-c9 []",
                "delete role stray []",
                "delete cluster u9 []"
            ]
        );
        let kept: Vec<String> = plan
            .protected()
            .iter()
            .map(|p| format!("{} {}", p.kind, p.name))
            .collect();
        assert_eq!(
            kept,
            [
                "user admin",
                "user me",
                "role Admin",
                "role Guest-c1",
                "role Guest-old",
                "role ext"
            ]
        );
        assert_eq!(plan.actions()[2].notes, ["takes the role from me"]);
        assert!(build(&s, vec![], &now, &PlanOptions::new())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn clusters_registered_by_the_plan_bring_their_roles() {
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}],
                "roles": [{"name": "Guest-c1", "description": "Read-only access to buckets in u1[c1]",
                           "acls": [{"cluster": "c1", "perms": "ro"}, {"cluster": "*", "perms": "GET"}]},
                          {"name": "BucketOwner-c1", "description": "mine", "acls": [{"cluster": "c1", "perms": "rw"}]},
                          {"name": "ClusterOwner-c1", "description": "Admin access to u1[c1]", "acls": []}],
                "users": [{"id": "alice", "roles": ["Guest-c1", "ClusterOwner-c1"]}]}"#,
        );
        let plan = build(&s, vec![pw()], &admin_only(), &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "create cluster u1 []",
                "update role Guest-c1 [0]",
                "update role BucketOwner-c1 [0]",
                "recreate role ClusterOwner-c1 [0]",
                "create user alice [1, 3]"
            ],
            "{plan}"
        );
        let Work::UpdateRole(guest) = &plan.actions()[1].work else {
            panic!()
        };
        assert_eq!((guest.desc.as_str(), guest.clusters.len()), ("", 1));
    }

    #[test]
    fn what_only_the_server_can_tell_is_reported_with_paths() {
        let now = server(
            &[("u1", "c1"), ("u2", "c2")],
            vec![RoleInfo::new("ops", "")],
            &[("alice", &["ops"])],
        );
        let s = spec(
            r#"{"clusters": [{"id": "u3", "alias": "c2"}, {"id": "c1"}],
                "roles": [{"name": "r", "acls": [{"cluster": "c9", "perms": "ro"}, {"cluster": "c1", "perms": "ro"}]}],
                "users": [{"id": "alice", "roles": []}, {"id": "bob", "roles": ["gone", "Guest-x"]}],
                "external_roles": ["gone"]}"#,
        );
        assert_eq!(
            errors(build(&s, vec![None, None], &now, &PlanOptions::new())),
            [
                r#"clusters[0].alias: "c2" already names registered cluster "u2"; AuthN refuses a second cluster with it (rename or unregister that cluster first)"#,
                r#"clusters[1].id: "c1" is the alias of registered cluster "u1""#,
                r#"roles[0].acls[0].cluster: cluster "c9" is neither in the spec nor registered on the server"#,
                r#"users[0].roles: user "alice" has roles, and AuthN cannot take every role away (it keeps a user's roles when sent none): give it a role, or delete the user"#,
                r#"users[1].roles[0]: role "gone" does not exist on the server"#,
                r#"users[1].roles[1]: role "Guest-x" does not exist on the server (AuthN makes it only when it registers a cluster with that name)"#,
                r#"users[1].password: user "bob" does not exist on the server, and creating it needs a password: {"env": "VAR"} or {"file": "path"}"#,
                r#"external_roles[0]: role "gone" does not exist on the server"#,
            ]
        );
        let s = spec(
            r#"{"roles": [{"name": "r", "acls": [{"cluster": "c1", "perms": "ro"}]}], "users": []}"#,
        );
        assert_eq!(
            errors(build(&s, vec![], &now, &PlanOptions::new().prune(true))),
            [
                r#"roles[0].acls[0].cluster: cluster "c1" is registered but not in the spec, and prune unregisters it"#
            ]
        );
    }

    #[test]
    fn clusters_change_in_place_or_are_registered_again() {
        let now = server(&[("u1", "c1"), ("u2", "c2")], vec![], &[]);
        let s = spec(r#"{"clusters": [{"id": "u1", "alias": "n1"}, {"id": "u2"}], "users": []}"#);
        let plan = build(&s, vec![], &now, &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            ["update cluster u1 []", "recreate cluster u2 []"]
        );
        assert_eq!(
            plan.actions()[1].requests,
            ["DELETE /v1/clusters/u2", "POST /v1/clusters"]
        );
        assert!(plan.actions()[1].notes[0].contains("keeps the alias \"c2\""));
        let Work::UpdateCluster { alias, urls, .. } = &plan.actions()[0].work else {
            panic!()
        };
        assert_eq!((alias.as_deref(), urls), (Some("n1"), &None));
    }

    #[test]
    fn an_export_plans_nothing() {
        let mut now = admin_only();
        let c1 = auto_roles("u1", "c1")
            .map(|(name, desc, perm)| RoleInfo::new(&name, &desc).with_cluster("u1", perm));
        let mut roles: Vec<RoleInfo> = now.roles.to_vec();
        roles.extend(c1);
        roles.push(RoleInfo::new("ops", "d").with_bucket("u1", "s3", "logs", AccessAttr::GET));
        now.roles = roles.into();
        now.clusters
            .insert("u1".into(), ClusterInfo::new("u1", "c1", &[]));
        let ops = now.roles.get("ops").unwrap().clone();
        let guest = now.roles.get("Guest-c1").unwrap().clone();
        now.users
            .insert("alice".into(), UserInfo::new("alice", vec![ops, guest]));
        let exported = export_from(&now);
        let names: Vec<&str> = exported.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ops"], "the cluster's own roles are left out");
        assert_eq!(exported.users[0].roles, ["Guest-c1", "ops"]);
        exported.validate().unwrap();
        let plan = build(&exported, vec![None], &now, &PlanOptions::new().prune(true)).unwrap();
        assert!(plan.is_empty(), "{plan}");
    }
    fn notes(plan: &Plan) -> Vec<(String, Vec<String>)> {
        plan.actions()
            .iter()
            .map(|a| (a.name.clone(), a.notes.clone()))
            .collect()
    }

    /// The user running the plan keeps Admin unless told otherwise; anyone else may lose it,
    /// and gaining it is said.
    #[test]
    fn admin_taken_from_the_planner_only_when_allowed() {
        let mut admin = RoleInfo::new("Admin", "AuthN administrator");
        admin.admin = true;
        let roles = vec![admin, RoleInfo::new("ops", ""), RoleInfo::new("dev", "")];
        let mut now = server(
            &[],
            roles,
            &[
                ("me", &["Admin", "ops"]),
                ("bob", &["Admin"]),
                ("carol", &["ops"]),
                ("dan", &["ops"]),
            ],
        );
        now.me = Some("me".into());
        let s = spec(
            r#"{"users": [{"id": "me", "roles": ["ops"]}, {"id": "bob", "roles": ["ops"]},
                          {"id": "carol", "roles": ["ops", "Admin"]}, {"id": "dan", "roles": ["dev"]}],
                "external_roles": ["ops", "dev"]}"#,
        );
        let none = || vec![None; 4];
        assert_eq!(
            errors(build(&s, none(), &now, &PlanOptions::new())),
            [
                r#"users[0].roles: user "me" runs this plan (the client's token) and the spec takes Admin from it: it could no longer administer AuthN, nor undo this; add "Admin" to its roles, or allow it on purpose (PlanOptions::allow_own_admin_removal; ais-authn --allow-own-admin-removal)"#
            ]
        );
        let allowed = PlanOptions::new().allow_own_admin_removal(true);
        let plan = build(&s, none(), &now, &allowed).unwrap();
        let grants = "grants Admin: the user can do anything to AuthN and every cluster";
        assert_eq!(
            notes(&plan),
            [
                (
                    "me".into(),
                    vec!["takes Admin from the user running this plan".into()]
                ),
                ("bob".into(), vec![]),
                ("carol".into(), vec![grants.to_owned()]),
                ("dan".into(), vec![]),
            ]
        );
        let Work::UpdateUser { roles, .. } = &plan.actions()[3].work else {
            panic!()
        };
        let sent: Vec<&str> = roles.iter().flatten().map(|r| r.name.as_str()).collect();
        assert_eq!(sent, ["dev"]);
        // Run by dan, who neither has Admin nor gets it: nothing to refuse.
        now.me = Some("dan".into());
        let plan = build(&s, none(), &now, &PlanOptions::new()).unwrap();
        assert_eq!(plan.actions().len(), 4);
        assert!(plan.actions()[3].notes.is_empty(), "{plan}");
    }

    /// With prune, a re-created role goes back to the users that stay outside the spec (the
    /// built-in admin and the planner), not to those prune deletes.
    #[test]
    fn prune_gives_a_recreated_role_back_to_the_users_that_stay() {
        let mut admin = RoleInfo::new("Admin", "AuthN administrator");
        admin.admin = true;
        let ops = RoleInfo::new("ops", "d")
            .with_cluster("u1", AccessAttr::ACCESS_RO)
            .with_cluster("u2", AccessAttr::ACCESS_RW);
        let mut now = server(
            &[("u1", "c1"), ("u2", "c2")],
            vec![admin, ops],
            &[
                ("admin", &["Admin", "ops"]),
                ("alice", &["ops"]),
                ("eve", &["ops"]),
                ("me", &["ops"]),
            ],
        );
        now.me = Some("me".into());
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}, {"id": "u2", "alias": "c2"}],
                "roles": [{"name": "ops", "description": "d", "acls": [{"cluster": "c1", "perms": "ro"}]}],
                "users": [{"id": "alice", "roles": ["ops"]}]}"#,
        );
        let plan = build(&s, vec![None], &now, &PlanOptions::new().prune(true)).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "recreate role ops []",
                "update user alice [0]",
                "update user admin [0]",
                "update user me [0]",
                "delete user eve []"
            ],
            "{plan}"
        );
        assert_eq!(
            plan.actions()[0].notes[1],
            "deleting the role takes it from admin, alice, eve, me; given back to alice (#1), \
             admin (#2), me (#3); not given back to eve (the spec drops it, or prune deletes the user)"
        );
    }

    /// Pruning keeps the roles AuthN made for a spec cluster under its ID, its alias in the
    /// spec, or the alias it has on the server; roles without holders are deleted without a
    /// note. A role the spec leaves without description while the server has one is
    /// re-created; one without description on both sides is left alone.
    #[test]
    fn prune_knows_the_clusters_roles_by_any_of_their_names() {
        let mut now = admin_only();
        now.clusters
            .insert("u1".into(), ClusterInfo::new("u1", "c1", &[]));
        let mut roles: Vec<RoleInfo> = now.roles.to_vec();
        for name in [
            "Guest-u1", "Guest-n1", "Guest-c1", "Guest-zz", "stray", "quiet",
        ] {
            roles.push(RoleInfo::new(name, ""));
        }
        roles.push(RoleInfo::new("loud", "said"));
        now.roles = roles.into();
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "n1"}],
                "roles": [{"name": "quiet"}, {"name": "loud"}], "users": []}"#,
        );
        let plan = build(&s, vec![], &now, &PlanOptions::new().prune(true)).unwrap();
        assert_eq!(
            lines(&plan),
            [
                "update cluster u1 []",
                "recreate role loud []",
                "delete role Guest-zz []",
                "delete role stray []"
            ],
            "{plan}"
        );
        assert_eq!(
            plan.actions()[1].notes,
            [
                "the spec gives no description, and AuthN keeps a description when sent none: \
              the role is deleted and created again"
            ]
        );
        assert!(plan.actions()[2].notes.is_empty() && plan.actions()[3].notes.is_empty());
        let kept: Vec<String> = plan
            .protected()
            .iter()
            .map(|p| format!("{} {}: {}", p.kind, p.name, p.reason))
            .collect();
        assert_eq!(
            kept,
            [
                "user admin: AuthN's built-in administrator",
                "role Admin: AuthN's built-in administrator role",
                "role Guest-c1: made by AuthN for cluster u1",
                "role Guest-n1: made by AuthN for cluster u1",
                "role Guest-u1: made by AuthN for cluster u1",
            ]
        );
    }

    /// A role left from an earlier registration is not waited for: AuthN keeps it as it is.
    #[test]
    fn a_role_that_exists_is_not_predicted() {
        let mut now = admin_only();
        let mut roles: Vec<RoleInfo> = now.roles.to_vec();
        roles.push(RoleInfo::new("Guest-c1", "left over"));
        now.roles = roles.into();
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}],
                "users": [{"id": "alice", "roles": ["Guest-c1", "BucketOwner-c1"]}]}"#,
        );
        let plan = build(&s, vec![pw()], &now, &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            ["create cluster u1 []", "create user alice [0]"],
            "BucketOwner-c1 waits for the registration"
        );
        let Work::CreateUser { roles, .. } = &plan.actions()[1].work else {
            panic!()
        };
        let sent: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(sent, ["BucketOwner-c1", "Guest-c1"]);
        let s = spec(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}],
                "users": [{"id": "alice", "roles": ["Guest-c1"]}]}"#,
        );
        let plan = build(&s, vec![pw()], &now, &PlanOptions::new()).unwrap();
        assert_eq!(
            lines(&plan),
            ["create cluster u1 []", "create user alice []"]
        );
    }
}

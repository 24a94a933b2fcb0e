//! Planning: the writes that bring AuthN to a spec, worked out from one read of the server.
//! Public through [`provision`](crate::provision).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::api::clusters::{cluster_urls, ClusterManager};
use crate::api::roles::RoleManager;
use crate::api::users::UserManager;
use crate::client::Client;
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::{Bucket, Namespace};
use crate::model::info::{BucketAcl, ClusterAcl, ClusterMap, RoleInfo, RolesList, UserMap};
use crate::model::token::Token;
use crate::provision::spec::{
    auto_roles, parse_bucket, parse_perms, AclSpec, ClusterSpec, RoleSpec, Spec, ValidationErrors,
    ADMIN_ROLE, ADMIN_USER, ALL_CLUSTERS,
};
use crate::secret::Secret;
use crate::transport::names::segment;

/// How to plan: [`PlanOptions::new`], then the builder methods.
///
/// # Example
/// ```
/// use aistore_authn::provision::PlanOptions;
///
/// let options = PlanOptions::new().prune(true);
/// assert!(options.prune);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Delete the users, roles and clusters the spec does not name. Never user `admin`, role
    /// `Admin`, the user the client is logged in as, roles in
    /// [`Spec::external_roles`], or the roles AuthN made for the spec's clusters; see the
    /// [module docs](crate::provision#pruning). Default: false.
    pub prune: bool,
}

impl PlanOptions {
    /// The defaults: no pruning.
    ///
    /// # Example
    /// ```
    /// assert!(!aistore_authn::provision::PlanOptions::new().prune);
    /// ```
    pub fn new() -> PlanOptions {
        PlanOptions::default()
    }

    /// Whether to delete what the spec does not name.
    ///
    /// # Example
    /// ```
    /// let options = aistore_authn::provision::PlanOptions::new().prune(true);
    /// ```
    #[must_use]
    pub fn prune(mut self, prune: bool) -> PlanOptions {
        self.prune = prune;
        self
    }
}

/// What an [`Action`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Op {
    /// Create it.
    Create,
    /// Change it in place.
    Update,
    /// Delete it and create it again: what AuthN cannot change in place (an ACL entry or a
    /// description removed from a role; an alias or URLs removed from a cluster).
    Recreate,
    /// Delete it (pruning).
    Delete,
}

/// What an [`Action`] acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kind {
    /// A registered cluster.
    Cluster,
    /// A role.
    Role,
    /// A user.
    User,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Recreate => "recreate",
            Op::Delete => "delete",
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Cluster => "cluster",
            Kind::Role => "role",
            Kind::User => "user",
        })
    }
}

/// An entity as a plan shows it before or after an action, in the spec's words: clusters in
/// ACLs by alias (by ID when they have none) as they will be named after the apply,
/// permissions as the CLI writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum State {
    /// A cluster.
    Cluster(ClusterSpec),
    /// A role, its ACL entries sorted.
    Role(RoleSpec),
    /// A user.
    User(UserState),
}

/// A user as a plan shows it: its roles, and whether the action sets its password. A password
/// itself is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserState {
    /// The user ID.
    pub id: String,
    /// The role names, sorted.
    pub roles: Vec<String>,
    /// True when the action sets the password (a create, or `reset_password`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sets_password: bool,
}

/// One step of a [`Plan`]: what it does to which entity, the entity before and after, the
/// requests it sends, and the actions it waits for.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Action {
    /// Its index in [`Plan::actions`].
    pub id: usize,
    /// Create, update, recreate or delete.
    pub op: Op,
    /// Cluster, role or user.
    pub kind: Kind,
    /// The cluster ID, role name or user ID.
    pub name: String,
    /// The entity now (none for a create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<State>,
    /// The entity once applied (none for a delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<State>,
    /// The requests it sends, in order (`POST /v1/users`).
    pub requests: Vec<String>,
    /// The actions that must be done first; if one is not, this one is skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<usize>,
    /// Why, where it is not obvious: why a role is re-created, whom a re-creation takes a role
    /// from and which actions give it back.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What to send.
    #[serde(skip)]
    pub(crate) work: Work,
    /// When, in the apply's order.
    #[serde(skip)]
    pub(crate) phase: Phase,
}

/// An entity pruning leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Protected {
    /// Cluster, role or user.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Why it is kept.
    pub reason: String,
}

/// The actions that bring AuthN to a spec, from [`plan`]; carry them out with
/// [`apply`](crate::provision::apply). Serialize it (JSON) to show it; `Display` writes one
/// action per line. Passwords read for the plan are held inside it, and neither `Debug` nor
/// `Serialize` shows them.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The actions, in the order they are applied: clusters, roles, users, then deletes
    /// (users, roles, clusters).
    pub actions: Vec<Action>,
    /// With [`PlanOptions::prune`], what the spec does not name and pruning keeps anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<Protected>,
}

impl Plan {
    /// True when there is nothing to do.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{plan, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// if plan(&client, &spec, &PlanOptions::new())?.is_empty() {
    ///     println!("AuthN matches the spec");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

impl fmt::Display for Action {
    /// `#3 recreate role ops: DELETE /v1/roles/ops, POST /v1/roles (after #0)`, and each note
    /// on its own line below.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {} {}: {}",
            self.id,
            self.op,
            self.kind,
            self.name,
            self.requests.join(", ")
        )?;
        if !self.depends_on.is_empty() {
            let after: Vec<String> = self.depends_on.iter().map(|d| format!("#{d}")).collect();
            write!(f, " (after {})", after.join(", "))?;
        }
        for note in &self.notes {
            write!(f, "\n    {note}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    /// One action per line (`nothing to do` for none), then what pruning keeps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.actions.is_empty() {
            f.write_str("nothing to do")?;
        }
        for (i, action) in self.actions.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{action}")?;
        }
        for p in &self.protected {
            write!(f, "\nkept: {} {} ({})", p.kind, p.name, p.reason)?;
        }
        Ok(())
    }
}

/// When an action runs: each phase after the one before, the actions of a phase in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Clusters,
    Roles,
    Users,
    PruneUsers,
    PruneRoles,
    PruneClusters,
}

impl Phase {
    pub(crate) const ALL: [Phase; 6] = [
        Phase::Clusters,
        Phase::Roles,
        Phase::Users,
        Phase::PruneUsers,
        Phase::PruneRoles,
        Phase::PruneClusters,
    ];
}

/// What an action sends. Roles name clusters by ID; users' roles are names the server looks
/// up.
#[derive(Debug, Clone)]
pub(crate) enum Work {
    CreateCluster {
        id: String,
        alias: String,
        urls: Vec<String>,
    },
    UpdateCluster {
        id: String,
        alias: Option<String>,
        urls: Option<Vec<String>>,
    },
    RecreateCluster {
        id: String,
        alias: String,
        urls: Vec<String>,
    },
    DeleteCluster(String),
    CreateRole(RoleInfo),
    /// Only the changed entries, and the description if it changes (else empty).
    UpdateRole(RoleInfo),
    RecreateRole(RoleInfo),
    DeleteRole(String),
    CreateUser {
        id: String,
        roles: Vec<RoleInfo>,
        password: Secret,
    },
    UpdateUser {
        id: String,
        roles: Option<Vec<RoleInfo>>,
        password: Option<Secret>,
    },
    DeleteUser(String),
}

impl Work {
    /// The requests, as `METHOD /path`.
    fn requests(&self) -> Vec<String> {
        let at = |method: &str, collection: &str, name: &str| {
            let name = segment("name", name).unwrap_or_else(|_| name.to_owned());
            format!("{method} /v1/{collection}/{name}")
        };
        let post = |collection: &str| format!("POST /v1/{collection}");
        match self {
            Work::CreateCluster { .. } => vec![post("clusters")],
            Work::UpdateCluster { id, .. } => vec![at("PUT", "clusters", id)],
            Work::RecreateCluster { id, .. } => {
                vec![at("DELETE", "clusters", id), post("clusters")]
            }
            Work::DeleteCluster(id) => vec![at("DELETE", "clusters", id)],
            Work::CreateRole(_) => vec![post("roles")],
            Work::UpdateRole(role) => vec![at("PUT", "roles", &role.name)],
            Work::RecreateRole(role) => vec![at("DELETE", "roles", &role.name), post("roles")],
            Work::DeleteRole(name) => vec![at("DELETE", "roles", name)],
            Work::CreateUser { .. } => vec![post("users")],
            Work::UpdateUser { id, .. } => vec![at("PUT", "users", id)],
            Work::DeleteUser(id) => vec![at("DELETE", "users", id)],
        }
    }

    /// The roles a user create or update gives, by name.
    pub(crate) fn user_roles(&self) -> Option<(&str, &[RoleInfo])> {
        match self {
            Work::CreateUser { id, roles, .. }
            | Work::UpdateUser {
                id,
                roles: Some(roles),
                ..
            } => Some((id, roles)),
            _ => None,
        }
    }
}

/// What the server holds, from one list request per collection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Server {
    pub(crate) clusters: ClusterMap,
    pub(crate) roles: RolesList,
    pub(crate) users: UserMap,
    /// The user the client is logged in as.
    pub(crate) me: Option<String>,
}

/// `GET /v1/clusters`, `GET /v1/roles`, `GET /v1/users`.
pub(crate) fn read_server(client: &Client) -> Result<Server, Error> {
    let clusters = ClusterManager::new(client).list()?;
    let roles = RoleManager::new(client).list()?;
    let users = UserManager::new(client).list()?;
    // After the requests: a client with credentials has logged in by now.
    let me = client
        .token()
        .and_then(|jwt| Token::parse(&jwt).ok())
        .map(|t| t.subject().to_owned());
    Ok(Server {
        clusters,
        roles,
        users,
        me,
    })
}

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
    Ok(build(spec, passwords, &server, options)?)
}

/// An ACL entry's key as AuthN matches entries: a cluster ID (empty for every cluster), or a
/// bucket by cluster ID, provider, name and namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum AclKey {
    Cluster(String),
    Bucket {
        cluster: String,
        provider: String,
        name: String,
        namespace: String,
    },
}

/// A role's description and entries, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) desc: String,
    pub(crate) acls: BTreeMap<AclKey, AccessAttr>,
    /// The stored role has two entries for one key (a create with both can do that).
    pub(crate) repeated: bool,
}

/// The role as AuthN stores it, keyed.
pub(crate) fn shape_of(role: &RoleInfo) -> Shape {
    let mut shape = Shape {
        desc: role.desc.clone(),
        ..Shape::default()
    };
    for c in &role.clusters {
        let key = AclKey::Cluster(c.id.clone());
        shape.repeated |= shape.acls.insert(key, c.perm).is_some();
    }
    for b in &role.buckets {
        let key = AclKey::Bucket {
            cluster: b.bucket.namespace.uuid.clone(),
            provider: b.bucket.provider.clone(),
            name: b.bucket.name.clone(),
            namespace: b.bucket.namespace.name.clone(),
        };
        shape.repeated |= shape.acls.insert(key, b.perm).is_some();
    }
    shape
}

/// A role to send: these entries, clusters by ID.
fn wire_role(name: &str, desc: &str, acls: &BTreeMap<AclKey, AccessAttr>) -> RoleInfo {
    let mut role = RoleInfo::new(name, desc);
    for (key, perm) in acls {
        match key {
            AclKey::Cluster(id) => role.clusters.push(ClusterAcl {
                id: id.clone(),
                alias: String::new(),
                perm: *perm,
            }),
            AclKey::Bucket {
                cluster,
                provider,
                name,
                namespace,
            } => role.buckets.push(BucketAcl {
                bucket: Bucket {
                    name: name.clone(),
                    provider: provider.clone(),
                    namespace: Namespace {
                        uuid: cluster.clone(),
                        name: namespace.clone(),
                    },
                },
                perm: *perm,
            }),
        }
    }
    role
}

/// How clusters are named in a spec: by alias, or by ID when there is no alias (or the alias
/// is also some cluster's ID, or two clusters share it); every cluster as `*`.
pub(crate) struct Naming(HashMap<String, String>);

impl Naming {
    pub(crate) fn new<'a>(clusters: impl IntoIterator<Item = (&'a str, &'a str)>) -> Naming {
        let pairs: Vec<(&str, &str)> = clusters.into_iter().collect();
        let ids: HashSet<&str> = pairs.iter().map(|(id, _)| *id).collect();
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for (_, alias) in &pairs {
            *uses.entry(alias).or_default() += 1;
        }
        let name = |id: &str, alias: &str| {
            if alias.is_empty() || ids.contains(alias) || uses[alias] > 1 {
                id.to_owned()
            } else {
                alias.to_owned()
            }
        };
        Naming(
            pairs
                .iter()
                .map(|(id, alias)| ((*id).to_owned(), name(id, alias)))
                .collect(),
        )
    }

    fn name(&self, id: &str) -> String {
        if id.is_empty() {
            return ALL_CLUSTERS.to_owned();
        }
        self.0.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// One entry in the spec's words.
    fn acl(&self, key: &AclKey, perm: AccessAttr) -> AclSpec {
        let (cluster, bucket) = match key {
            AclKey::Cluster(id) => (self.name(id), None),
            AclKey::Bucket {
                cluster,
                provider,
                name,
                namespace,
            } => {
                let bucket = Bucket {
                    name: name.clone(),
                    provider: provider.clone(),
                    namespace: Namespace {
                        uuid: String::new(),
                        name: namespace.clone(),
                    },
                };
                (self.name(cluster), Some(bucket.to_string()))
            }
        };
        AclSpec {
            cluster,
            bucket,
            perms: perm.to_string(),
        }
    }

    /// The role in the spec's words, entries sorted by cluster then bucket.
    pub(crate) fn role(&self, name: &str, shape: &Shape) -> RoleSpec {
        let mut acls: Vec<AclSpec> = shape.acls.iter().map(|(k, p)| self.acl(k, *p)).collect();
        acls.sort_by(|a, b| (&a.cluster, &a.bucket).cmp(&(&b.cluster, &b.bucket)));
        RoleSpec {
            name: name.to_owned(),
            description: shape.desc.clone(),
            acls,
        }
    }
}

/// A user's role names, sorted.
fn role_names(roles: &RolesList) -> BTreeSet<String> {
    roles.names().map(str::to_owned).collect()
}

fn user_state(id: &str, roles: &BTreeSet<String>, sets_password: bool) -> State {
    State::User(UserState {
        id: id.to_owned(),
        roles: roles.iter().cloned().collect(),
        sets_password,
    })
}

/// Roles for a user body: the server reads only the names.
fn named(roles: &BTreeSet<String>) -> Vec<RoleInfo> {
    roles.iter().map(|r| RoleInfo::new(r, "")).collect()
}

/// Builds the plan, collecting the problems only the server can show.
#[derive(Default)]
struct Builder {
    actions: Vec<Action>,
    errors: ValidationErrors,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn push(
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

/// The cluster part of `name` when it has the form of a role AuthN makes for a cluster
/// (`Guest-c1` gives `c1`).
pub(crate) fn is_auto_role_name(name: &str) -> Option<&str> {
    ["ClusterOwner-", "BucketOwner-", "Guest-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
}

/// A role AuthN will make when this plan registers a cluster: its shape and the registering
/// action.
type Predicted = BTreeMap<String, (Shape, usize)>;

/// The plan for `spec` against `server`; `passwords` are the users', in spec order.
pub(crate) fn build(
    spec: &Spec,
    passwords: Vec<Option<Secret>>,
    server: &Server,
    options: &PlanOptions,
) -> Result<Plan, ValidationErrors> {
    let mut b = Builder::default();
    // The clusters once applied: the spec's, and unless pruning, the other registered ones.
    let mut after: BTreeMap<&str, &str> = spec
        .clusters
        .iter()
        .map(|c| (c.id.as_str(), c.alias.as_str()))
        .collect();
    if !options.prune {
        for (id, c) in &server.clusters {
            after.entry(id).or_insert(&c.alias);
        }
    }
    let naming = Naming::new(after.iter().map(|(id, alias)| (*id, *alias)));

    let registering = plan_clusters(&mut b, spec, server);
    let mut predicted = Predicted::new();
    for (c, action) in &registering {
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
    let registered: HashMap<&str, usize> = registering
        .iter()
        .map(|(c, a)| (c.id.as_str(), *a))
        .collect();

    let resolve = |name: &str| -> Result<String, String> {
        if name == ALL_CLUSTERS {
            return Ok(String::new());
        }
        if after.contains_key(name) {
            return Ok(name.to_owned());
        }
        if let Some((id, _)) = after.iter().find(|(_, alias)| **alias == name) {
            return Ok((*id).to_owned());
        }
        let known =
            server.clusters.contains_key(name) || server.clusters.values().any(|c| c.alias == name);
        Err(if known {
            format!("cluster {name:?} is registered but not in the spec, and prune unregisters it")
        } else {
            format!("cluster {name:?} is neither in the spec nor registered on the server")
        })
    };

    let role_actions = plan_roles(
        &mut b,
        spec,
        server,
        &predicted,
        &registered,
        &resolve,
        &naming,
    );
    plan_users(
        &mut b,
        spec,
        passwords,
        server,
        &predicted,
        &role_actions,
        options,
    );
    for (k, name) in spec.external_roles.iter().enumerate() {
        if server.roles.get(name).is_none() && !predicted.contains_key(name) {
            b.errors.push(
                format!("external_roles[{k}]"),
                format!("role {name:?} does not exist on the server"),
            );
        }
    }
    let protected = if options.prune {
        plan_prune(&mut b, spec, server, &naming)
    } else {
        Vec::new()
    };
    b.errors.into_result()?;
    Ok(Plan {
        actions: b.actions,
        protected,
    })
}

/// The cluster actions; returns the clusters this plan registers (create or recreate), with
/// the action.
fn plan_clusters<'s>(
    b: &mut Builder,
    spec: &'s Spec,
    server: &Server,
) -> Vec<(&'s ClusterSpec, usize)> {
    let mut registering = Vec::new();
    for (i, c) in spec.clusters.iter().enumerate() {
        let path = format!("clusters[{i}]");
        let other = |name: &str| {
            server
                .clusters
                .values()
                .find(|o| o.id != c.id && (o.alias == name || o.id == name))
        };
        if let Some(o) = other(&c.id).filter(|o| o.alias == c.id) {
            b.errors.push(
                format!("{path}.id"),
                format!("{:?} is the alias of registered cluster {:?}", c.id, o.id),
            );
        }
        if let Some(o) = other(&c.alias).filter(|_| !c.alias.is_empty()) {
            b.errors.push(
                format!("{path}.alias"),
                format!(
                    "{:?} already names registered cluster {:?}; AuthN refuses a second cluster \
                     with it (rename or unregister that cluster first)",
                    c.alias, o.id
                ),
            );
        }
        let refs: Vec<&str> = c.urls.iter().map(String::as_str).collect();
        let urls: Vec<String> = cluster_urls(&refs)
            .map(|u| u.into_iter().map(str::to_owned).collect())
            .unwrap_or_else(|_| c.urls.clone());
        let wanted = ClusterSpec {
            id: c.id.clone(),
            alias: c.alias.clone(),
            urls: urls.clone(),
        };
        let Some(current) = server.clusters.get(&c.id) else {
            let work = Work::CreateCluster {
                id: c.id.clone(),
                alias: c.alias.clone(),
                urls,
            };
            let after = Some(State::Cluster(wanted));
            let a = b.push(
                Op::Create,
                Kind::Cluster,
                &c.id,
                (None, after),
                work,
                Phase::Clusters,
                BTreeSet::new(),
                Vec::new(),
            );
            registering.push((c, a));
            continue;
        };
        let before = ClusterSpec {
            id: current.id.clone(),
            alias: current.alias.clone(),
            urls: current.urls.clone(),
        };
        let mut notes = Vec::new();
        if c.alias.is_empty() && !current.alias.is_empty() {
            notes.push(format!(
                "the spec gives no alias and AuthN keeps the alias {:?} when sent none: the \
                 cluster is unregistered and registered again",
                current.alias
            ));
        }
        if urls.is_empty() && !current.urls.is_empty() {
            notes.push(
                "the spec gives no URLs and AuthN keeps the URLs when sent none: the cluster is \
                 unregistered and registered again"
                    .into(),
            );
        }
        let states = (Some(State::Cluster(before)), Some(State::Cluster(wanted)));
        if !notes.is_empty() {
            notes.push(
                "the roles AuthN made for the cluster stay; it makes them for the new name if \
                 missing"
                    .into(),
            );
            let work = Work::RecreateCluster {
                id: c.id.clone(),
                alias: c.alias.clone(),
                urls,
            };
            let a = b.push(
                Op::Recreate,
                Kind::Cluster,
                &c.id,
                states,
                work,
                Phase::Clusters,
                BTreeSet::new(),
                notes,
            );
            registering.push((c, a));
            continue;
        }
        let alias = (c.alias != current.alias).then(|| c.alias.clone());
        let new_urls = (urls != current.urls).then_some(urls);
        if alias.is_some() || new_urls.is_some() {
            if new_urls.is_some() {
                notes.push("AuthN hands the cluster its key again at the new URLs".into());
            }
            let work = Work::UpdateCluster {
                id: c.id.clone(),
                alias,
                urls: new_urls,
            };
            b.push(
                Op::Update,
                Kind::Cluster,
                &c.id,
                states,
                work,
                Phase::Clusters,
                BTreeSet::new(),
                notes,
            );
        }
    }
    registering
}

/// The role actions; returns the action of each role created, changed or re-created, and
/// which were re-created.
#[allow(clippy::too_many_arguments)]
fn plan_roles(
    b: &mut Builder,
    spec: &Spec,
    server: &Server,
    predicted: &Predicted,
    registered: &HashMap<&str, usize>,
    resolve: &dyn Fn(&str) -> Result<String, String>,
    naming: &Naming,
) -> RoleActions {
    let mut out = RoleActions::default();
    for (i, r) in spec.roles.iter().enumerate() {
        let mut wanted = Shape {
            desc: r.description.clone(),
            ..Shape::default()
        };
        let mut deps = BTreeSet::new();
        let mut resolved = true;
        for (j, acl) in r.acls.iter().enumerate() {
            let id = match resolve(&acl.cluster) {
                Ok(id) => id,
                Err(why) => {
                    b.errors.push(format!("roles[{i}].acls[{j}].cluster"), why);
                    resolved = false;
                    continue;
                }
            };
            deps.extend(registered.get(id.as_str()));
            // Checked by validate.
            let Ok(perm) = parse_perms(&acl.perms) else {
                continue;
            };
            let key = match &acl.bucket {
                None => AclKey::Cluster(id),
                Some(uri) => match parse_bucket(uri) {
                    Ok(bucket) => AclKey::Bucket {
                        cluster: id,
                        provider: bucket.provider,
                        name: bucket.name,
                        namespace: String::new(),
                    },
                    Err(_) => continue,
                },
            };
            wanted.acls.insert(key, perm);
        }
        if !resolved {
            continue;
        }
        let after = Some(State::Role(naming.role(&r.name, &wanted)));
        let current = match (server.roles.get(&r.name), predicted.get(&r.name)) {
            (Some(stored), _) => Some(shape_of(stored)),
            (None, Some((shape, registering))) => {
                deps.insert(*registering);
                Some(shape.clone())
            }
            (None, None) => None,
        };
        let Some(current) = current else {
            let work = Work::CreateRole(wire_role(&r.name, &wanted.desc, &wanted.acls));
            let a = b.push(
                Op::Create,
                Kind::Role,
                &r.name,
                (None, after),
                work,
                Phase::Roles,
                deps,
                Vec::new(),
            );
            out.changed.insert(r.name.clone(), a);
            continue;
        };
        let states = (Some(State::Role(naming.role(&r.name, &current))), after);
        let mut notes: Vec<String> = current
            .acls
            .keys()
            .filter(|k| !wanted.acls.contains_key(*k))
            .map(|k| {
                let entry = naming.acl(k, AccessAttr::NONE);
                let what = match entry.bucket {
                    Some(bucket) => format!("bucket {bucket} of cluster {}", entry.cluster),
                    None => format!("cluster {}", entry.cluster),
                };
                format!(
                    "the spec drops the entry for {what}, and AuthN's PUT merges entries and \
                     never removes one: the role is deleted and created again"
                )
            })
            .collect();
        if wanted.desc.is_empty() && !current.desc.is_empty() {
            notes.push(
                "the spec gives no description, and AuthN keeps a description when sent none: \
                 the role is deleted and created again"
                    .into(),
            );
        }
        if current.repeated {
            notes.push(
                "the stored role has two entries for one cluster or bucket: the role is deleted \
                 and created again"
                    .into(),
            );
        }
        if !notes.is_empty() {
            let work = Work::RecreateRole(wire_role(&r.name, &wanted.desc, &wanted.acls));
            let a = b.push(
                Op::Recreate,
                Kind::Role,
                &r.name,
                states,
                work,
                Phase::Roles,
                deps,
                notes,
            );
            out.changed.insert(r.name.clone(), a);
            out.recreated.insert(r.name.clone(), a);
            continue;
        }
        let changed: BTreeMap<AclKey, AccessAttr> = wanted
            .acls
            .iter()
            .filter(|(k, p)| current.acls.get(*k) != Some(*p))
            .map(|(k, p)| (k.clone(), *p))
            .collect();
        let desc = if wanted.desc == current.desc {
            ""
        } else {
            wanted.desc.as_str()
        };
        if !changed.is_empty() || !desc.is_empty() {
            let work = Work::UpdateRole(wire_role(&r.name, desc, &changed));
            let a = b.push(
                Op::Update,
                Kind::Role,
                &r.name,
                states,
                work,
                Phase::Roles,
                deps,
                Vec::new(),
            );
            out.changed.insert(r.name.clone(), a);
        }
    }
    out
}

#[derive(Default)]
struct RoleActions {
    /// Roles created, updated or re-created, with the action.
    changed: BTreeMap<String, usize>,
    /// Roles re-created (deleted, so taken from every user, then created).
    recreated: BTreeMap<String, usize>,
}

/// The user actions: creates and updates for the spec's users, and updates giving a
/// re-created role back to users outside the spec that keep it.
fn plan_users(
    b: &mut Builder,
    spec: &Spec,
    passwords: Vec<Option<Secret>>,
    server: &Server,
    predicted: &Predicted,
    roles: &RoleActions,
    options: &PlanOptions,
) {
    let defined: HashSet<&str> = spec.roles.iter().map(|r| r.name.as_str()).collect();
    let exists = |name: &str| {
        defined.contains(name) || server.roles.get(name).is_some() || predicted.contains_key(name)
    };
    let waits_for = |names: &BTreeSet<String>| -> BTreeSet<usize> {
        names
            .iter()
            .filter_map(|r| {
                let registering = predicted.get(r).map(|p| p.1);
                roles.changed.get(r).copied().or(registering)
            })
            .collect()
    };
    let recreated: BTreeSet<String> = roles.recreated.keys().cloned().collect();
    // Who gets each re-created role back, by which action.
    let mut regrants: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for ((i, u), password) in spec.users.iter().enumerate().zip(passwords) {
        let path = format!("users[{i}]");
        let mut ok = true;
        for (j, role) in u.roles.iter().enumerate() {
            if !exists(role) {
                ok = false;
                let why = if is_auto_role_name(role).is_some() {
                    " (AuthN makes it only when it registers a cluster with that name)"
                } else {
                    ""
                };
                b.errors.push(
                    format!("{path}.roles[{j}]"),
                    format!("role {role:?} does not exist on the server{why}"),
                );
            }
        }
        let wanted: BTreeSet<String> = u.roles.iter().cloned().collect();
        let Some(current) = server.users.get(&u.id) else {
            let Some(password) = password else {
                if u.password.is_none() {
                    b.errors.push(
                        format!("{path}.password"),
                        format!(
                            "user {:?} does not exist on the server, and creating it needs a \
                             password: {{\"env\": \"VAR\"}} or {{\"file\": \"path\"}}",
                            u.id
                        ),
                    );
                }
                continue;
            };
            if !ok {
                continue;
            }
            let work = Work::CreateUser {
                id: u.id.clone(),
                roles: named(&wanted),
                password,
            };
            let after = Some(user_state(&u.id, &wanted, true));
            b.push(
                Op::Create,
                Kind::User,
                &u.id,
                (None, after),
                work,
                Phase::Users,
                waits_for(&wanted),
                Vec::new(),
            );
            continue;
        };
        let held = role_names(&current.roles);
        let kept: BTreeSet<String> = held.difference(&recreated).cloned().collect();
        let new_roles = kept != wanted;
        if new_roles && wanted.is_empty() {
            b.errors.push(
                format!("{path}.roles"),
                format!(
                    "user {:?} has roles, and AuthN cannot take every role away (it keeps a \
                     user's roles when sent none): give it a role, or delete the user",
                    u.id
                ),
            );
            continue;
        }
        if !ok || !(new_roles || u.reset_password) {
            continue;
        }
        let password = if u.reset_password { password } else { None };
        let mut notes = Vec::new();
        let back: Vec<&String> = wanted
            .intersection(&held)
            .filter(|r| recreated.contains(*r))
            .collect();
        for role in &back {
            notes.push(format!(
                "gives back {role} after its re-creation (action #{})",
                roles.recreated[*role]
            ));
        }
        if password.is_some() {
            notes.push("sets the password (reset_password)".into());
        }
        let deps = if new_roles {
            waits_for(&wanted)
        } else {
            BTreeSet::new()
        };
        let states = (
            Some(user_state(&u.id, &held, false)),
            Some(user_state(&u.id, &wanted, password.is_some())),
        );
        let work = Work::UpdateUser {
            id: u.id.clone(),
            roles: new_roles.then(|| named(&wanted)),
            password,
        };
        let a = b.push(
            Op::Update,
            Kind::User,
            &u.id,
            states,
            work,
            Phase::Users,
            deps,
            notes,
        );
        for role in back {
            regrants
                .entry(role.clone())
                .or_default()
                .push((u.id.clone(), a));
        }
    }
    // Users outside the spec that stay keep their roles: give re-created ones back.
    let in_spec: HashSet<&str> = spec.users.iter().map(|u| u.id.as_str()).collect();
    for (id, user) in &server.users {
        let held = role_names(&user.roles);
        let lost: Vec<&String> = held.intersection(&recreated).collect();
        let stays = !options.prune || id == ADMIN_USER || server.me.as_deref() == Some(id);
        if in_spec.contains(id.as_str()) || lost.is_empty() || !stays {
            continue;
        }
        let notes = lost
            .iter()
            .map(|role| {
                format!(
                    "not in the spec: gives back {role} after its re-creation (action #{})",
                    roles.recreated[*role]
                )
            })
            .collect();
        let deps = lost.iter().map(|r| roles.recreated[*r]).collect();
        let work = Work::UpdateUser {
            id: id.clone(),
            roles: Some(named(&held)),
            password: None,
        };
        let states = (
            Some(user_state(id, &held, false)),
            Some(user_state(id, &held, false)),
        );
        let a = b.push(
            Op::Update,
            Kind::User,
            id,
            states,
            work,
            Phase::Users,
            deps,
            notes,
        );
        for role in lost {
            regrants
                .entry(role.clone())
                .or_default()
                .push((id.clone(), a));
        }
    }
    // Say on each re-creation whom it takes the role from and who gets it back.
    for (role, &a) in &roles.recreated {
        let holders: Vec<&str> = server
            .users
            .values()
            .filter(|u| u.roles.get(role).is_some())
            .map(|u| u.id.as_str())
            .collect();
        if holders.is_empty() {
            continue;
        }
        let back = regrants.get(role).map(Vec::as_slice).unwrap_or_default();
        let mut note = format!("deleting the role takes it from {}", holders.join(", "));
        if !back.is_empty() {
            let who: Vec<String> = back.iter().map(|(u, x)| format!("{u} (#{x})")).collect();
            note.push_str(&format!("; given back to {}", who.join(", ")));
        }
        let gone: Vec<&str> = holders
            .iter()
            .copied()
            .filter(|h| !back.iter().any(|(u, _)| u == h))
            .collect();
        if !gone.is_empty() {
            note.push_str(&format!(
                "; not given back to {} (the spec drops it, or prune deletes the user)",
                gone.join(", ")
            ));
        }
        b.actions[a].notes.push(note);
    }
}

/// The deletes of pruning; returns what it keeps.
fn plan_prune(b: &mut Builder, spec: &Spec, server: &Server, naming: &Naming) -> Vec<Protected> {
    let mut protected = Vec::new();
    let mut keep = |kind: Kind, name: &str, reason: String| {
        protected.push(Protected {
            kind,
            name: name.to_owned(),
            reason,
        });
    };
    let users: HashSet<&str> = spec.users.iter().map(|u| u.id.as_str()).collect();
    let mut deleted_users = HashSet::new();
    for (id, user) in &server.users {
        if users.contains(id.as_str()) {
            continue;
        }
        if id == ADMIN_USER {
            keep(Kind::User, id, "AuthN's built-in administrator".into());
        } else if server.me.as_deref() == Some(id) {
            keep(
                Kind::User,
                id,
                "the user this client is logged in as".into(),
            );
        } else {
            let before = Some(user_state(id, &role_names(&user.roles), false));
            let work = Work::DeleteUser(id.clone());
            b.push(
                Op::Delete,
                Kind::User,
                id,
                (before, None),
                work,
                Phase::PruneUsers,
                BTreeSet::new(),
                Vec::new(),
            );
            deleted_users.insert(id.as_str());
        }
    }
    let roles: HashSet<&str> = spec.roles.iter().map(|r| r.name.as_str()).collect();
    let clusters: HashMap<&str, &ClusterSpec> =
        spec.clusters.iter().map(|c| (c.id.as_str(), c)).collect();
    // The spec cluster a role was made for, by its name (the alias it had then, or the ID) or
    // by its one entry.
    let made_for = |role: &RoleInfo| -> Option<String> {
        let suffix = is_auto_role_name(&role.name)?;
        for c in &spec.clusters {
            let old_alias = server.clusters.get(&c.id).map(|s| s.alias.as_str());
            if suffix == c.id || suffix == c.alias || old_alias == Some(suffix) {
                return Some(c.id.clone());
            }
        }
        match (role.clusters.as_slice(), role.buckets.is_empty()) {
            ([one], true) if clusters.contains_key(one.id.as_str()) => Some(one.id.clone()),
            _ => None,
        }
    };
    for role in &server.roles {
        if roles.contains(role.name.as_str()) {
            continue;
        }
        if role.name == ADMIN_ROLE {
            keep(
                Kind::Role,
                &role.name,
                "AuthN's built-in administrator role".into(),
            );
        } else if spec.external_roles.contains(&role.name) {
            keep(Kind::Role, &role.name, "listed in external_roles".into());
        } else if let Some(cluster) = made_for(role) {
            keep(
                Kind::Role,
                &role.name,
                format!("made by AuthN for cluster {cluster}"),
            );
        } else {
            let holders: Vec<&str> = server
                .users
                .values()
                .filter(|u| {
                    u.roles.get(&role.name).is_some() && !deleted_users.contains(u.id.as_str())
                })
                .map(|u| u.id.as_str())
                .collect();
            let mut notes = Vec::new();
            if !holders.is_empty() {
                notes.push(format!("takes the role from {}", holders.join(", ")));
            }
            let before = Some(State::Role(naming.role(&role.name, &shape_of(role))));
            let work = Work::DeleteRole(role.name.clone());
            b.push(
                Op::Delete,
                Kind::Role,
                &role.name,
                (before, None),
                work,
                Phase::PruneRoles,
                BTreeSet::new(),
                notes,
            );
        }
    }
    for (id, c) in &server.clusters {
        if clusters.contains_key(id.as_str()) {
            continue;
        }
        let before = Some(State::Cluster(ClusterSpec {
            id: id.clone(),
            alias: c.alias.clone(),
            urls: c.urls.clone(),
        }));
        let work = Work::DeleteCluster(id.clone());
        b.push(
            Op::Delete,
            Kind::Cluster,
            id,
            (before, None),
            work,
            Phase::PruneClusters,
            BTreeSet::new(),
            Vec::new(),
        );
    }
    protected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::info::{ClusterInfo, UserInfo};
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
        plan.actions
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
        let Work::CreateCluster { urls, .. } = &plan.actions[0].work else {
            panic!()
        };
        assert_eq!(urls, &["http://ais:8080"], "trailing slash trimmed");
        let Work::CreateRole(role) = &plan.actions[1].work else {
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
        assert_eq!(plan.actions[2].requests, ["POST /v1/users"]);
        let State::Role(after) = plan.actions[1].after.as_ref().unwrap() else {
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
        let recreate = &plan.actions[0];
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
        let Work::UpdateRole(dev) = &plan.actions[1].work else {
            panic!()
        };
        assert_eq!((dev.desc.as_str(), dev.clusters.len()), ("d2", 1));
        assert_eq!(dev.clusters[0].id, "u2");
        assert!(plan.actions[3].notes[0].starts_with("not in the spec: gives back ops"));
        // bob loses ops with the re-creation: his roles then are what the spec says.
        assert!(!plan.actions.iter().any(|a| a.name == "bob"));
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
            .protected
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
        assert_eq!(plan.actions[2].notes, ["takes the role from me"]);
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
        let Work::UpdateRole(guest) = &plan.actions[1].work else {
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
    fn the_names_of_the_roles_authn_makes() {
        assert_eq!(is_auto_role_name("Guest-c1"), Some("c1"));
        assert_eq!(is_auto_role_name("ClusterOwner-u-1"), Some("u-1"));
        assert_eq!(is_auto_role_name("ops"), None);
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
            plan.actions[1].requests,
            ["DELETE /v1/clusters/u2", "POST /v1/clusters"]
        );
        assert!(plan.actions[1].notes[0].contains("keeps the alias \"c2\""));
        let Work::UpdateCluster { alias, urls, .. } = &plan.actions[0].work else {
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
}

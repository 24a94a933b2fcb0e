//! A plan and its parts, as [`plan`](crate::provision::plan) returns them and
//! [`apply`](crate::provision::apply) runs them: the public types, their text, and what each
//! action sends. Public through [`provision`](crate::provision).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::model::info::RoleInfo;
use crate::provision::saved::Origin;
use crate::provision::spec::{ClusterSpec, RoleSpec};
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
    /// [`Spec::external_roles`](crate::provision::Spec::external_roles), or the roles AuthN made for the spec's clusters; see the
    /// [module docs](crate::provision#pruning). Default: false.
    pub prune: bool,
    /// Let the plan take `Admin` from the user the client is logged in as (the subject of its
    /// token), when the spec lists that user without it. Off by default: such a plan is
    /// refused, since its author could no longer administer AuthN, nor undo it.
    pub allow_own_admin_removal: bool,
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

    /// Whether the plan may take `Admin` from the user running it (see
    /// [`PlanOptions::allow_own_admin_removal`]).
    ///
    /// # Example
    /// ```
    /// let options = aistore_authn::provision::PlanOptions::new().allow_own_admin_removal(true);
    /// assert!(options.allow_own_admin_removal);
    /// ```
    #[must_use]
    pub fn allow_own_admin_removal(mut self, allow: bool) -> PlanOptions {
        self.allow_own_admin_removal = allow;
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
    /// Its number in the plan (its index in [`Plan::actions`] unless
    /// [`Plan::retain`] dropped some); [`depends_on`](Action::depends_on) names actions by it.
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

/// The actions that bring AuthN to a spec, from [`plan`](crate::provision::plan()); carry them out with
/// [`apply`](crate::provision::apply). Serialize it (JSON) to show it; `Display` writes one
/// action per line. Passwords read for the plan are held inside it, and neither `Debug` nor
/// `Serialize` shows them.
///
/// A plan is read through [`actions`](Plan::actions) and [`protected`](Plan::protected); the
/// only edit is [`retain`](Plan::retain), so what `apply` sends is what the plan shows.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The actions, in the order they are applied.
    actions: Vec<Action>,
    /// What pruning keeps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    protected: Vec<Protected>,
    /// What it was made from, for [`Plan::save`]; none for a plan built in a unit test.
    #[serde(skip)]
    pub(crate) origin: Option<Arc<Origin>>,
}

impl Plan {
    pub(crate) fn new(actions: Vec<Action>, protected: Vec<Protected>) -> Plan {
        Plan {
            actions,
            protected,
            origin: None,
        }
    }

    /// The actions, in the order they are applied: clusters, roles, users, then deletes
    /// (users, roles, clusters).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{plan, Op, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// let plan = plan(&client, &spec, &PlanOptions::new())?;
    /// let creates = plan.actions().iter().filter(|a| a.op == Op::Create).count();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// With [`PlanOptions::prune`], what the spec does not name and pruning keeps anyway.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{plan, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// for kept in plan(&client, &spec, &PlanOptions::new().prune(true))?.protected() {
    ///     println!("kept {} {}: {}", kept.kind, kept.name, kept.reason);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn protected(&self) -> &[Protected] {
        &self.protected
    }

    /// How many actions there are.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{plan, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// println!("{} changes", plan(&client, &spec, &PlanOptions::new())?.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Keeps only the actions `keep` says yes to, e.g. the ones a user picked. The others are
    /// not sent; [`apply`](crate::provision::apply()) skips an action that depends on one
    /// dropped, saying which. Ids stay as they were (the text and the report keep naming
    /// the same actions).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{apply, plan, ApplyOptions, Op, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// let mut plan = plan(&client, &spec, &PlanOptions::new().prune(true))?;
    /// plan.retain(|action| action.op != Op::Delete); // everything but the deletes
    /// let report = apply(&client, &plan, &ApplyOptions::new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain(&mut self, keep: impl FnMut(&Action) -> bool) {
        self.actions.retain(keep);
    }

    /// Mutable access for the tests that edit plans as a plan file could.
    #[cfg(test)]
    pub(crate) fn actions_mut(&mut self) -> &mut Vec<Action> {
        &mut self.actions
    }

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
    /// `#3 recreate role ops: DELETE /v1/roles/ops, POST /v1/roles (after #0)`; below it, a
    /// user's roles when they change (`roles: [ops] -> [Admin, ops]`; a create's roles), the
    /// URLs AuthN sends its admin token to when registering a cluster, and each note.
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
        let list = |roles: &[String]| format!("[{}]", roles.join(", "));
        match (&self.before, &self.after) {
            (None, Some(State::User(after))) => write!(f, "\n    roles: {}", list(&after.roles))?,
            (Some(State::User(before)), Some(State::User(after)))
                if before.roles != after.roles =>
            {
                write!(
                    f,
                    "\n    roles: {} -> {}",
                    list(&before.roles),
                    list(&after.roles)
                )?;
            }
            _ => {}
        }
        if let Some(urls) = self.work.token_urls() {
            write!(
                f,
                "\n    AuthN sends its admin token and a hash of its secret to: {}",
                urls.join(", ")
            )?;
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
        allow_plain_http: bool,
    },
    UpdateCluster {
        id: String,
        alias: Option<String>,
        urls: Option<Vec<String>>,
        allow_plain_http: bool,
    },
    RecreateCluster {
        id: String,
        alias: String,
        urls: Vec<String>,
        allow_plain_http: bool,
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
    pub(crate) fn requests(&self) -> Vec<String> {
        let at = |method: &str, collection: &str, name: &str| {
            let name = segment("name", name).unwrap_or_else(|_| name.into());
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

    /// The URLs AuthN contacts with an admin token (`sub` `AuthN`, `admin`, valid about 5
    /// minutes) and a hash of its signing secret, when this registers a cluster or changes its
    /// URLs.
    pub(crate) fn token_urls(&self) -> Option<&[String]> {
        match self {
            Work::CreateCluster { urls, .. }
            | Work::RecreateCluster { urls, .. }
            | Work::UpdateCluster {
                urls: Some(urls), ..
            } if !urls.is_empty() => Some(urls),
            _ => None,
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

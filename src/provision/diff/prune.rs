//! The deletes of pruning: what the spec does not name, except what pruning keeps (the
//! built-ins, the caller, external roles, the roles AuthN made for the spec's clusters).

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::model::info::RoleInfo;
use crate::provision::desired::Desired;
use crate::provision::diff::users::{role_names, user_state};
use crate::provision::diff::Builder;
use crate::provision::plan::{Kind, Op, Phase, Protected, State, Work};
use crate::provision::snapshot::{shape_of, Server};
use crate::provision::spec::{is_auto_role_name, ClusterSpec, ADMIN_ROLE, ADMIN_USER};

/// The deletes of pruning; returns what it keeps.
pub(super) fn diff(b: &mut Builder, desired: &Desired, server: &Server) -> Vec<Protected> {
    let spec = desired.spec;
    let naming = &desired.naming;
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
            allow_plain_http: false,
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

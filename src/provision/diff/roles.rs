//! The roles' diff: create, update only the entries that change, or delete and create again
//! what AuthN's merging `PUT` cannot change (an entry or the description removed).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::access_attr::AccessAttr;
use crate::model::bucket::{Bucket, Namespace};
use crate::model::info::{BucketAcl, ClusterAcl, RoleInfo};
use crate::provision::desired::Desired;
use crate::provision::diff::{Builder, Predicted};
use crate::provision::plan::{Kind, Op, Phase, State, Work};
use crate::provision::snapshot::{shape_of, AclKey, Server};
use crate::provision::spec::ClusterSpec;

/// The role actions; returns the action of each role created, changed or re-created, and
/// which were re-created.
pub(super) fn diff(
    b: &mut Builder,
    desired: &Desired,
    server: &Server,
    predicted: &Predicted,
    registering: &[(&ClusterSpec, usize)],
) -> RoleActions {
    let registered: HashMap<&str, usize> = registering
        .iter()
        .map(|(c, a)| (c.id.as_str(), *a))
        .collect();
    let naming = &desired.naming;
    let mut out = RoleActions::default();
    for (r, wanted) in desired.spec.roles.iter().zip(&desired.roles) {
        // None: an entry names an unknown cluster (reported by the resolution).
        let Some(wanted) = wanted else {
            continue;
        };
        let mut deps: BTreeSet<usize> = wanted
            .clusters
            .iter()
            .filter_map(|id| registered.get(id.as_str()).copied())
            .collect();
        let wanted = &wanted.shape;
        let after = Some(State::Role(naming.role(&r.name, wanted)));
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
pub(super) struct RoleActions {
    /// Roles created, updated or re-created, with the action.
    pub(super) changed: BTreeMap<String, usize>,
    /// Roles re-created (deleted, so taken from every user, then created).
    pub(super) recreated: BTreeMap<String, usize>,
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

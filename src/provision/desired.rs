//! The spec resolved once into the state it asks for, in the snapshot's terms: cluster URLs as
//! AuthN stores them, role entries keyed by cluster ID ([`Shape`]) with permissions parsed and
//! aliases resolved (through the clusters the server holds and those the spec registers), and
//! each user's roles as a set with its password read. The diffs compare this with the
//! [`Server`] snapshot and never look at the spec's text again.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::clusters::cluster_urls;
use crate::provision::errors::ValidationErrors;
use crate::provision::plan::PlanOptions;
use crate::provision::snapshot::{AclKey, Naming, Server, Shape};
use crate::provision::spec::{ClusterSpec, Spec, ALL_CLUSTERS};
use crate::provision::validate::{parse_bucket, parse_perms};
use crate::secret::Secret;

/// What the spec asks for, entity by entity, in spec order (index `i` is the spec's
/// `clusters[i]`, `roles[i]` or `users[i]`).
pub(crate) struct Desired<'s> {
    /// The spec itself, for names and paths.
    pub(crate) spec: &'s Spec,
    /// How clusters are named once applied: the spec's, and unless pruning, the other
    /// registered ones.
    pub(crate) naming: Naming,
    /// The spec's clusters, URLs as AuthN stores them.
    pub(crate) clusters: Vec<ClusterSpec>,
    /// The spec's roles; none for a role with an entry naming an unknown cluster (in
    /// [`Desired::errors`]).
    pub(crate) roles: Vec<Option<WantedRole>>,
    /// The spec's users.
    pub(crate) users: Vec<WantedUser>,
    /// The entries naming a cluster that will not be registered, with their paths.
    pub(crate) errors: ValidationErrors,
}

/// A role of the spec, resolved.
pub(crate) struct WantedRole {
    /// Its description and entries, clusters by ID.
    pub(crate) shape: Shape,
    /// The cluster IDs its entries name (empty for `*`).
    pub(crate) clusters: BTreeSet<String>,
}

/// A user of the spec, resolved.
pub(crate) struct WantedUser {
    /// Its roles, exactly.
    pub(crate) roles: BTreeSet<String>,
    /// Its password, when its source was readable.
    pub(crate) password: Option<Secret>,
}

impl<'s> Desired<'s> {
    /// Resolves `spec` (already validated) against the clusters `server` holds;
    /// `passwords` are the users', in spec order.
    pub(crate) fn resolve(
        spec: &'s Spec,
        passwords: Vec<Option<Secret>>,
        server: &Server,
        options: &PlanOptions,
    ) -> Desired<'s> {
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
        let clusters = spec
            .clusters
            .iter()
            .map(|c| {
                let refs: Vec<&str> = c.urls.iter().map(String::as_str).collect();
                let urls = cluster_urls(&refs)
                    .map(|u| u.into_iter().map(str::to_owned).collect())
                    .unwrap_or_else(|_| c.urls.clone());
                ClusterSpec {
                    id: c.id.clone(),
                    alias: c.alias.clone(),
                    urls,
                    allow_plain_http: c.allow_plain_http,
                }
            })
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
            let known = server.clusters.contains_key(name)
                || server.clusters.values().any(|c| c.alias == name);
            Err(if known {
                format!(
                    "cluster {name:?} is registered but not in the spec, and prune unregisters it"
                )
            } else {
                format!("cluster {name:?} is neither in the spec nor registered on the server")
            })
        };
        let mut errors = ValidationErrors::default();
        let roles = spec
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut wanted = WantedRole {
                    shape: Shape {
                        desc: r.description.clone(),
                        ..Shape::default()
                    },
                    clusters: BTreeSet::new(),
                };
                let mut resolved = true;
                for (j, acl) in r.acls.iter().enumerate() {
                    let id = match resolve(&acl.cluster) {
                        Ok(id) => id,
                        Err(why) => {
                            errors.push(format!("roles[{i}].acls[{j}].cluster"), why);
                            resolved = false;
                            continue;
                        }
                    };
                    wanted.clusters.insert(id.clone());
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
                    wanted.shape.acls.insert(key, perm);
                }
                resolved.then_some(wanted)
            })
            .collect();
        let users = spec
            .users
            .iter()
            .zip(passwords)
            .map(|(u, password)| WantedUser {
                roles: u.roles.iter().cloned().collect(),
                password,
            })
            .collect();
        Desired {
            spec,
            naming,
            clusters,
            roles,
            users,
            errors,
        }
    }
}

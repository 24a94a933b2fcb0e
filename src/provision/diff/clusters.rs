//! The clusters' diff: register, change in place, or unregister and register again what AuthN
//! cannot change in place (an alias or URLs removed).

use std::collections::BTreeSet;

use crate::provision::desired::Desired;
use crate::provision::diff::Builder;
use crate::provision::plan::{Kind, Op, Phase, State, Work};
use crate::provision::snapshot::Server;
use crate::provision::spec::ClusterSpec;

/// The cluster actions; returns the clusters this plan registers (create or recreate), with
/// the action.
pub(super) fn diff<'d>(
    b: &mut Builder,
    desired: &'d Desired,
    server: &Server,
) -> Vec<(&'d ClusterSpec, usize)> {
    let mut registering = Vec::new();
    for (i, c) in desired.clusters.iter().enumerate() {
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
        let urls = c.urls.clone();
        let wanted = c.clone();
        let Some(current) = server.clusters.get(&c.id) else {
            let work = Work::CreateCluster {
                id: c.id.clone(),
                alias: c.alias.clone(),
                urls,
                allow_plain_http: c.allow_plain_http,
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
            allow_plain_http: c.allow_plain_http,
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
                allow_plain_http: c.allow_plain_http,
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
                allow_plain_http: c.allow_plain_http,
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

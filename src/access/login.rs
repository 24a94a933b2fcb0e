//! The ACLs a login gives a user, built from the user's roles as AuthN v1.5.0 builds them
//! (`issueToken`, `buildClaims` and `fixClusterIDs` in `cmd/authn/mgr.go`; `MergeClusterACLs`
//! and `MergeBckACLs` in `api/authn/acl.go`), with the role entries behind each ACL. The
//! permission rules are then asked of these claims: the same code a verified token is asked.

use std::time::UNIX_EPOCH;

use crate::access::answer::{Grant, Scope};
use crate::model::bucket::Bucket;
use crate::model::info::{BucketAcl, ClusterAcl, ClusterMap, RoleInfo};
use crate::model::token::TokenClaims;

/// The built-in role that makes a user an administrator (`authn.AdminRole`).
pub(crate) const ADMIN_ROLE: &str = "Admin";

/// The claims a login would carry, and for each of their ACL entries the role entries merged
/// into it (same index as `claims.clusters` and `claims.buckets`).
#[derive(Debug, Clone)]
pub(crate) struct LoginAcls {
    pub(crate) claims: TokenClaims,
    pub(crate) cluster_from: Vec<Vec<Grant>>,
    pub(crate) bucket_from: Vec<Vec<Grant>>,
}

/// What a login by `subject` holding `roles` puts in the token:
///
/// - a user with the `Admin` role gets an admin token, without ACLs;
/// - otherwise the roles' cluster entries are merged by the cluster ID as the role writes it
///   (ID, alias, or empty for all clusters), their bits OR-ed, in the order first seen; bucket
///   entries likewise by bucket (name, provider and namespace, as written);
/// - then each cluster entry whose ID is not a registered cluster's ID takes the ID of the
///   cluster whose alias it is (AuthN keeps the last match in its random map order; here the
///   last in ID order). AuthN compares the empty ID too, so an all-clusters entry becomes the
///   entry of a registered cluster that has no alias. Bucket entries keep their cluster as
///   written.
pub(crate) fn login_acls(subject: &str, roles: &[RoleInfo], clusters: &ClusterMap) -> LoginAcls {
    let mut acls = LoginAcls {
        claims: TokenClaims {
            subject: subject.to_owned(),
            issuer: String::new(),
            admin: false,
            expires_at: UNIX_EPOCH,
            issued_at: None,
            audience: Vec::new(),
            clusters: Vec::new(),
            buckets: Vec::new(),
        },
        cluster_from: Vec::new(),
        bucket_from: Vec::new(),
    };
    if roles.iter().any(|r| r.name == ADMIN_ROLE) {
        acls.claims.admin = true;
        return acls;
    }
    for role in roles {
        for acl in &role.clusters {
            let grant = Grant::from_role(&role.name, Scope::of_cluster(&acl.id), acl.perm);
            let claims = &mut acls.claims.clusters;
            match claims.iter().position(|c| c.id == acl.id) {
                Some(i) => {
                    claims[i].perm |= acl.perm;
                    acls.cluster_from[i].push(grant);
                }
                None => {
                    claims.push(ClusterAcl {
                        id: acl.id.clone(),
                        alias: String::new(),
                        perm: acl.perm,
                    });
                    acls.cluster_from.push(vec![grant]);
                }
            }
        }
        for acl in &role.buckets {
            let grant = Grant::from_role(&role.name, Scope::Bucket(acl.bucket.clone()), acl.perm);
            let claims = &mut acls.claims.buckets;
            match claims
                .iter()
                .position(|b| same_bucket(&b.bucket, &acl.bucket))
            {
                Some(i) => {
                    claims[i].perm |= acl.perm;
                    acls.bucket_from[i].push(grant);
                }
                None => {
                    claims.push(BucketAcl {
                        bucket: acl.bucket.clone(),
                        perm: acl.perm,
                    });
                    acls.bucket_from.push(vec![grant]);
                }
            }
        }
    }
    fix_cluster_ids(&mut acls.claims.clusters, clusters);
    acls
}

/// `Bck.Equal`: name, provider and namespace, each as written.
fn same_bucket(a: &Bucket, b: &Bucket) -> bool {
    a.name == b.name && a.provider == b.provider && a.namespace == b.namespace
}

/// `fixClusterIDs`: aliases (and, as in AuthN, the empty ID) replaced by the ID of the
/// registered cluster they name.
fn fix_cluster_ids(acls: &mut [ClusterAcl], clusters: &ClusterMap) {
    for acl in acls {
        if clusters.contains_key(&acl.id) {
            continue;
        }
        if let Some(cluster) = clusters.values().rev().find(|c| c.alias == acl.id) {
            acl.id.clone_from(&cluster.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access_attr::AccessAttr as A;
    use crate::model::info::ClusterInfo;

    fn clusters(list: &[(&str, &str)]) -> ClusterMap {
        list.iter()
            .map(|(id, alias)| ((*id).to_owned(), ClusterInfo::new(id, alias, &[])))
            .collect()
    }

    #[test]
    fn entries_for_one_cluster_or_bucket_are_or_ed_in_first_seen_order() {
        let roles = [
            RoleInfo::new("a", "")
                .with_cluster("u1", A::GET)
                .with_bucket("u1", "ais", "raw", A::GET),
            RoleInfo::new("b", "")
                .with_all_clusters(A::LIST_BUCKETS)
                .with_cluster("u1", A::PUT)
                .with_bucket("u1", "ais", "raw", A::PUT)
                .with_bucket("u1", "s3", "raw", A::OBJ_DELETE),
        ];
        let acls = login_acls("alice", &roles, &clusters(&[("u1", "c1")]));
        let c = &acls.claims;
        assert!(!c.admin);
        assert_eq!(
            c.clusters
                .iter()
                .map(|a| (a.id.as_str(), a.perm))
                .collect::<Vec<_>>(),
            [("u1", A::GET | A::PUT), ("", A::LIST_BUCKETS)]
        );
        assert_eq!(c.buckets.len(), 2, "ais://raw and s3://raw are two buckets");
        assert_eq!(c.buckets[0].perm, A::GET | A::PUT);
        let roles_of = |grants: &[Grant]| {
            grants
                .iter()
                .map(|g| g.role.clone().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(roles_of(&acls.cluster_from[0]), ["a", "b"]);
        assert_eq!(roles_of(&acls.bucket_from[1]), ["b"]);
    }

    #[test]
    fn admins_get_no_acls() {
        let roles = [
            RoleInfo::new("Admin", "").with_cluster("u1", A::GET),
            RoleInfo::new("ops", "").with_cluster("u1", A::PUT),
        ];
        let acls = login_acls("root", &roles, &ClusterMap::new());
        assert!(acls.claims.admin && acls.claims.clusters.is_empty());
    }

    #[test]
    fn aliases_become_ids_after_the_merge() {
        let map = clusters(&[("u1", "c1"), ("u2", "")]);
        let roles = [
            RoleInfo::new("a", "").with_cluster("c1", A::GET),
            RoleInfo::new("b", "").with_cluster("u1", A::PUT),
            RoleInfo::new("c", "").with_cluster("gone", A::PUT),
        ];
        let acls = login_acls("alice", &roles, &map);
        // Merged by the names as written, then renamed: two entries for u1, the first counts.
        assert_eq!(
            acls.claims
                .clusters
                .iter()
                .map(|a| (a.id.as_str(), a.perm))
                .collect::<Vec<_>>(),
            [("u1", A::GET), ("u1", A::PUT), ("gone", A::PUT)]
        );
        // The all-clusters entry takes the ID of the cluster without an alias, as AuthN does.
        let all = [RoleInfo::new("r", "").with_all_clusters(A::GET)];
        assert_eq!(login_acls("x", &all, &map).claims.clusters[0].id, "u2");
        let all_aliased = clusters(&[("u1", "c1")]);
        assert_eq!(
            login_acls("x", &all, &all_aliased).claims.clusters[0].id,
            ""
        );
    }
}

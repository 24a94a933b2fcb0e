//! What to change in a role: the argument of `RoleManager::update`.

use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::info::{BucketAcl, ClusterAcl, RoleInfo};

/// A change to a role, for [`RoleManager::update`](crate::RoleManager::update): a new
/// description and any number of permission entries on clusters, on every cluster, and on
/// buckets. Only what is set changes; AuthN merges the entries into the role's.
///
/// Each method can be called any number of times. A later entry for the same cluster (or
/// bucket) wins, as AuthN applies the entries in order.
///
/// Mistakes are kept, not raised, so that the builder chains: a bucket URI that does not
/// parse, or an empty cluster, makes `update` return [`Error::InvalidArgument`] before it
/// sends anything.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, RoleUpdate};
///
/// let update = RoleUpdate::new()
///     .description("operators of c1, readers of everything")
///     .cluster("c1", AccessAttr::ACCESS_RW | AccessAttr::CLUSTER_ACCESS_RO)
///     .all_clusters(AccessAttr::ACCESS_RO)
///     .bucket("c1", "s3://logs", AccessAttr::ACCESS_RO);
/// // Then, as an admin: client.role_manager().update("ops", &update)?;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct RoleUpdate {
    desc: String,
    clusters: Vec<ClusterAcl>,
    buckets: Vec<BucketAcl>,
    /// The first mistake made while building, reported by `update`.
    mistake: Option<String>,
}

impl RoleUpdate {
    /// An update that changes nothing yet.
    ///
    /// # Example
    /// ```
    /// let update = aistore_authn::RoleUpdate::new().description("operators");
    /// ```
    pub fn new() -> RoleUpdate {
        RoleUpdate::default()
    }

    /// The new description. An empty one changes nothing: AuthN keeps the old description
    /// when sent none, so an update with only an empty description is refused as empty.
    ///
    /// # Example
    /// ```
    /// let update = aistore_authn::RoleUpdate::new().description("read-only on c1");
    /// ```
    pub fn description(mut self, desc: &str) -> RoleUpdate {
        desc.clone_into(&mut self.desc);
        self
    }

    /// `perms` on the whole cluster `cluster`, named by ID or alias (an alias is turned into
    /// the ID before sending, so the role keeps working if the alias changes). Replaces the
    /// role's permissions on that cluster, if it has any. [`AccessAttr::NONE`] takes every
    /// permission away while the (empty) entry stays.
    ///
    /// An empty `cluster` is a mistake (for every cluster, use
    /// [`all_clusters`](RoleUpdate::all_clusters)).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleUpdate};
    ///
    /// let update = RoleUpdate::new()
    ///     .cluster("c1", AccessAttr::ACCESS_RW)
    ///     .cluster("c2", AccessAttr::parse("ro,CREATE-BUCKET")?);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn cluster(mut self, cluster: &str, perms: AccessAttr) -> RoleUpdate {
        if cluster.is_empty() {
            self.mistake(
                "the cluster is empty (for every cluster, use RoleUpdate::all_clusters)".into(),
            );
            return self;
        }
        self.clusters.push(ClusterAcl {
            id: cluster.to_owned(),
            alias: String::new(),
            perm: perms,
        });
        self
    }

    /// `perms` on every cluster: the entry with an empty cluster ID, which AuthN applies to
    /// any cluster the role has no entry of its own for.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleUpdate};
    ///
    /// let update = RoleUpdate::new().all_clusters(AccessAttr::ACCESS_RO);
    /// ```
    pub fn all_clusters(mut self, perms: AccessAttr) -> RoleUpdate {
        self.clusters.push(ClusterAcl {
            id: String::new(),
            alias: String::new(),
            perm: perms,
        });
        self
    }

    /// `perms` on one bucket of `cluster` (an ID or alias), the bucket given as the `ais`
    /// CLI writes it: `ais://name`, `s3://name`, `gs://name`, `az://name`, `oc://name`, or
    /// `aws://`, `gcp://`, `azure://`, `oci://` (see [`Bucket::parse`]). The provider is
    /// stored by its long name (`s3://logs` as provider `aws`), the cluster's ID as the
    /// bucket's namespace UUID, as AIS clusters look them up.
    ///
    /// Mistakes, reported by `update`: a URI [`Bucket::parse`] refuses (a plain name: use
    /// `ais://name`), a URI with a namespace (`@uuid` or `#name`: the cluster is the first
    /// argument, and AuthN matches a bucket by cluster, provider and name only), an empty
    /// cluster.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleUpdate};
    ///
    /// let update = RoleUpdate::new()
    ///     .bucket("c1", "s3://logs", AccessAttr::ACCESS_RO)
    ///     .bucket("c1", "ais://scratch", AccessAttr::ACCESS_RW);
    /// ```
    pub fn bucket(mut self, cluster: &str, bucket: &str, perms: AccessAttr) -> RoleUpdate {
        let mut parsed = match Bucket::parse(bucket) {
            Ok(parsed) => parsed,
            Err(Error::InvalidArgument(why)) => {
                self.mistake(why);
                return self;
            }
            Err(other) => {
                self.mistake(other.to_string());
                return self;
            }
        };
        if !parsed.namespace.uuid.is_empty() || !parsed.namespace.name.is_empty() {
            self.mistake(format!(
                "bucket {bucket:?}: give the cluster as its own argument and the bucket as \
                 provider://name (AuthN matches a bucket by cluster, provider and name; a \
                 namespace would be ignored)"
            ));
            return self;
        }
        if cluster.is_empty() {
            self.mistake(format!("bucket {bucket:?}: the cluster is empty"));
            return self;
        }
        cluster.clone_into(&mut parsed.namespace.uuid);
        self.buckets.push(BucketAcl {
            bucket: parsed,
            perm: perms,
        });
        self
    }

    /// Keeps the first mistake: it is the one to fix first.
    fn mistake(&mut self, why: String) {
        self.mistake.get_or_insert(why);
    }

    /// The role `name` to `PUT`, or why this update cannot be sent.
    pub(crate) fn to_role(&self, name: &str) -> Result<RoleInfo, Error> {
        if let Some(why) = &self.mistake {
            return Err(Error::InvalidArgument(why.clone()));
        }
        if self.desc.is_empty() && self.clusters.is_empty() && self.buckets.is_empty() {
            return Err(Error::InvalidArgument(
                "the role update changes nothing: no description (AuthN keeps the old one when \
                 sent none) and no permission entry"
                    .into(),
            ));
        }
        let mut role = RoleInfo::new(name, &self.desc);
        role.clusters.clone_from(&self.clusters);
        role.buckets.clone_from(&self.buckets);
        Ok(role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(update: &RoleUpdate) -> String {
        match update.to_role("r") {
            Err(Error::InvalidArgument(why)) => why,
            other => panic!("{update:?}: {other:?}"),
        }
    }

    #[test]
    fn builds_every_kind_of_entry_in_order() {
        let role = RoleUpdate::new()
            .description("d")
            .cluster("c1", AccessAttr::ACCESS_RW)
            .all_clusters(AccessAttr::ACCESS_RO)
            .bucket("c1", "s3://logs", AccessAttr::GET)
            .bucket("u2", "ais://raw", AccessAttr::PUT)
            .cluster("c1", AccessAttr::NONE)
            .to_role("ops")
            .unwrap();
        assert_eq!((role.name.as_str(), role.desc.as_str()), ("ops", "d"));
        assert!(!role.admin);
        let clusters: Vec<(&str, AccessAttr)> = role
            .clusters
            .iter()
            .map(|c| (c.id.as_str(), c.perm))
            .collect();
        assert_eq!(
            clusters,
            [
                ("c1", AccessAttr::ACCESS_RW),
                ("", AccessAttr::ACCESS_RO),
                ("c1", AccessAttr::NONE)
            ]
        );
        let buckets: Vec<(String, &str, AccessAttr)> = role
            .buckets
            .iter()
            .map(|b| (b.bucket.to_string(), b.bucket.provider.as_str(), b.perm))
            .collect();
        assert_eq!(
            buckets,
            [
                ("s3://@c1/logs".to_owned(), "aws", AccessAttr::GET),
                ("ais://@u2/raw".to_owned(), "ais", AccessAttr::PUT)
            ]
        );
    }

    #[test]
    fn a_description_or_one_entry_is_enough() {
        for update in [
            RoleUpdate::new().description("d"),
            RoleUpdate::new().cluster("c1", AccessAttr::GET),
            RoleUpdate::new().all_clusters(AccessAttr::NONE),
            RoleUpdate::new().bucket("c1", "gs://m", AccessAttr::GET),
        ] {
            assert!(update.to_role("r").is_ok(), "{update:?}");
        }
        let role = RoleUpdate::new()
            .description("first")
            .description("second")
            .to_role("r")
            .unwrap();
        assert_eq!(role.desc, "second", "the last description wins");
    }

    #[test]
    fn empty_updates_are_refused() {
        for update in [
            RoleUpdate::new(),
            RoleUpdate::default(),
            RoleUpdate::new().description(""),
        ] {
            assert!(refused(&update).contains("changes nothing"), "{update:?}");
        }
    }

    #[test]
    fn mistakes_are_kept_and_the_first_one_reported() {
        for (update, why) in [
            (
                RoleUpdate::new().bucket("c1", "logs", AccessAttr::GET),
                "\"logs\": not a bucket URI: use ais://name",
            ),
            (
                RoleUpdate::new().bucket("c1", "ftp://logs", AccessAttr::GET),
                "unknown provider \"ftp\"",
            ),
            (
                RoleUpdate::new().bucket("c1", "s3://", AccessAttr::GET),
                "no bucket name",
            ),
            (
                RoleUpdate::new().bucket("c1", "ais://@u9/raw", AccessAttr::GET),
                "give the cluster as its own argument",
            ),
            (
                RoleUpdate::new().bucket("c1", "ais://#ns/raw", AccessAttr::GET),
                "namespace would be ignored",
            ),
            (
                RoleUpdate::new().bucket("", "ais://raw", AccessAttr::GET),
                "\"ais://raw\": the cluster is empty",
            ),
            (
                RoleUpdate::new().cluster("", AccessAttr::GET),
                "use RoleUpdate::all_clusters",
            ),
            (
                // Valid parts do not hide a mistake, and the first mistake is reported.
                RoleUpdate::new()
                    .description("d")
                    .bucket("c1", "b1", AccessAttr::GET)
                    .cluster("c1", AccessAttr::GET)
                    .bucket("c1", "ftp://b2", AccessAttr::GET),
                "\"b1\"",
            ),
        ] {
            let got = refused(&update);
            assert!(got.contains(why), "{update:?}: {got}");
        }
    }
}

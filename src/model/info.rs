//! The users, roles and clusters AuthN stores, as the server sends them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;

/// A user as AuthN reports it (the password is never sent back).
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("alice", "s3cret", None)?;
/// let alice = client.user_manager().get("alice")?;
/// for role in &alice.roles {
///     println!("{}: {}", role.name, role.desc);
/// }
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user ID (login name).
    pub id: String,
    /// The user's roles, in full, sorted by name.
    #[serde(default)]
    pub roles: RolesList,
}

impl UserInfo {
    /// A user value with these roles (sorted by name), e.g. for tests or tools that work on
    /// users offline. Nothing is sent: to create a user on the server, use
    /// [`UserManager::create`](crate::UserManager::create).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{RoleInfo, RolesList, UserInfo};
    ///
    /// let roles = vec![RoleInfo::new("ops", ""), RoleInfo::new("Admin", "")];
    /// let alice = UserInfo::new("alice", roles);
    /// assert!(alice.is_admin());
    /// assert_eq!(alice.roles.names().collect::<Vec<_>>(), ["Admin", "ops"]);
    /// let bob = UserInfo::new("bob", RolesList::default());
    /// assert!(bob.roles.is_empty());
    /// ```
    pub fn new(id: &str, roles: impl Into<RolesList>) -> UserInfo {
        UserInfo {
            id: id.to_owned(),
            roles: roles.into(),
        }
    }

    /// True when the user has the built-in `Admin` role, which is what makes a user an
    /// administrator to AuthN.
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// assert!(client.user_manager().get("admin")?.is_admin());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn is_admin(&self) -> bool {
        self.roles.get("Admin").is_some()
    }
}

/// All users, by ID, iterating in ID order (`GET /v1/users`).
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let users: aistore_authn::UserMap = client.user_manager().list()?;
/// let admins: Vec<&String> = users
///     .iter()
///     .filter(|(_, user)| user.is_admin())
///     .map(|(id, _)| id)
///     .collect();
/// # Ok::<(), aistore_authn::Error>(())
/// ```
pub type UserMap = BTreeMap<String, UserInfo>;

/// All registered clusters, by cluster ID, iterating in ID order (`GET /v1/clusters`).
///
/// # Example
/// ```no_run
/// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// let clusters: aistore_authn::ClusterMap = client.cluster_manager().list()?;
/// let c1 = clusters.values().find(|c| c.alias == "c1");
/// # Ok::<(), aistore_authn::Error>(())
/// ```
pub type ClusterMap = BTreeMap<String, ClusterInfo>;

/// A role: a named set of permissions on clusters and buckets.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, RoleInfo};
///
///
/// let role = RoleInfo::new("ops", "operators").with_cluster("c1", AccessAttr::ACCESS_RW);
/// assert_eq!(role.clusters[0].id, "c1");
/// assert!(role.buckets.is_empty() && !role.admin);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoleInfo {
    /// The role name.
    pub name: String,
    /// A free-text description.
    #[serde(default)]
    pub desc: String,
    /// Permissions on whole clusters.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub clusters: Vec<ClusterAcl>,
    /// Permissions on single buckets.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub buckets: Vec<BucketAcl>,
    /// True only for the built-in `Admin` role.
    #[serde(default)]
    pub admin: bool,
}

impl RoleInfo {
    /// A role with no permissions yet, to build up with the `with_*` methods and pass to
    /// [`RoleManager::create_role`](crate::RoleManager::create_role).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleInfo};
    /// let role = RoleInfo::new("data-eng", "read everywhere, write two buckets")
    ///     .with_all_clusters(AccessAttr::ACCESS_RO)
    ///     .with_bucket("c1", "ais", "raw", AccessAttr::ACCESS_RW)
    ///     .with_bucket("c1", "s3", "exports", AccessAttr::PUT);
    /// assert_eq!(role.clusters.len(), 1);
    /// assert_eq!(role.buckets[1].bucket.provider, "aws");
    /// ```
    pub fn new(name: &str, desc: &str) -> RoleInfo {
        RoleInfo {
            name: name.to_owned(),
            desc: desc.to_owned(),
            clusters: Vec::new(),
            buckets: Vec::new(),
            admin: false,
        }
    }

    /// Adds `perm` on a whole cluster, named by ID or alias (an alias is turned into the ID when
    /// the role is written).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleInfo};
    ///
    ///
    /// let perm = AccessAttr::ACCESS_RW | AccessAttr::CLUSTER_ACCESS_RO;
    /// let role = RoleInfo::new("ops", "").with_cluster("c1", perm);
    /// assert!(role.clusters[0].perm.contains(AccessAttr::LIST_BUCKETS));
    /// ```
    pub fn with_cluster(mut self, cluster: &str, perm: AccessAttr) -> RoleInfo {
        self.clusters.push(ClusterAcl {
            id: cluster.to_owned(),
            alias: String::new(),
            perm,
        });
        self
    }

    /// Adds `perm` on every cluster (an ACL entry with an empty cluster ID).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleInfo};
    ///
    ///
    /// let role = RoleInfo::new("readers", "").with_all_clusters(AccessAttr::ACCESS_RO);
    /// assert_eq!(role.clusters[0].id, "");
    /// ```
    pub fn with_all_clusters(self, perm: AccessAttr) -> RoleInfo {
        self.with_cluster("", perm)
    }

    /// Adds `perm` on one bucket of a cluster (ID or alias), from any provider as AIS names
    /// it: `ais`, `aws`, `gcp`, `azure`, `oci`. The URI schemes `s3`, `gs`, `az` and `oc` are
    /// turned into `aws`, `gcp`, `azure` and `oci` as [`Bucket::parse`] does (a token matches a
    /// bucket only when the provider names are equal); other providers are kept as given.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, RoleInfo};
    ///
    ///
    /// let role = RoleInfo::new("images", "").with_bucket("c1", "gs", "images", AccessAttr::GET);
    /// let bucket = &role.buckets[0].bucket;
    /// assert_eq!((bucket.provider.as_str(), bucket.namespace.uuid.as_str()), ("gcp", "c1"));
    /// ```
    pub fn with_bucket(
        mut self,
        cluster: &str,
        provider: &str,
        bucket: &str,
        perm: AccessAttr,
    ) -> RoleInfo {
        let mut bucket = Bucket::new(provider, bucket);
        cluster.clone_into(&mut bucket.namespace.uuid);
        self.buckets.push(BucketAcl { bucket, perm });
        self
    }
}

/// What an `ensure_*` call did to bring an entity to the wanted state.
///
/// # Example
/// ```no_run
/// use aistore_authn::Ensured;
///
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// match client.user_manager().ensure_user("alice", &["ops"], "s3cret")?.0 {
///     Ensured::Created => println!("created alice"),
///     Ensured::Updated => println!("gave alice new roles"),
///     _ => {}
/// }
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ensured {
    /// It did not exist and was created.
    Created,
    /// It existed and was changed.
    Updated,
    /// It was already as wanted; nothing was written.
    Unchanged,
}

/// Permissions on one cluster, inside a role.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, RoleInfo};
///
///
/// let role = RoleInfo::new("ops", "").with_cluster("c1", AccessAttr::ACCESS_RO);
/// let acl = &role.clusters[0];
/// assert_eq!((acl.id.as_str(), acl.perm), ("c1", AccessAttr::ACCESS_RO));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusterAcl {
    /// The cluster ID. Empty means "any cluster".
    pub id: String,
    /// The cluster's alias: filled in only by `GET /v1/roles/{name}`
    /// ([`RoleManager::get`](crate::RoleManager::get)), and empty in role lists, in a user's
    /// roles, and for clusters without an alias.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
    /// The permissions.
    #[serde(default)]
    pub perm: AccessAttr,
}

/// Permissions on one bucket, inside a role.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, RoleInfo};
///
///
/// let role = RoleInfo::new("raw", "").with_bucket("c1", "ais", "raw", AccessAttr::ACCESS_RW);
/// let acl = &role.buckets[0];
/// assert_eq!((acl.bucket.name.as_str(), acl.perm), ("raw", AccessAttr::ACCESS_RW));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BucketAcl {
    /// The bucket.
    #[serde(rename = "bck")]
    pub bucket: Bucket,
    /// The permissions.
    #[serde(default)]
    pub perm: AccessAttr,
}

/// A cluster registered with AuthN.
///
/// # Example
/// ```no_run
/// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// let c1 = client.cluster_manager().get("c1")?;
/// println!("{} ({}) at {:?}", c1.id, c1.alias, c1.urls);
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusterInfo {
    /// The cluster's ID (the AIS cluster map UUID).
    pub id: String,
    /// The alias; empty if none.
    #[serde(default)]
    pub alias: String,
    /// The cluster's endpoint URLs.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub urls: Vec<String>,
}

impl ClusterInfo {
    /// A cluster value, e.g. for tests or tools that work on clusters offline. Nothing is sent:
    /// to register a cluster, use
    /// [`ClusterManager::register_with_id`](crate::ClusterManager::register_with_id).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::ClusterInfo;
    ///
    /// let c1 = ClusterInfo::new("c1-uuid", "c1", &["http://10.0.0.1:8080"]);
    /// assert_eq!((c1.id.as_str(), c1.alias.as_str()), ("c1-uuid", "c1"));
    /// assert_eq!(c1.urls, ["http://10.0.0.1:8080"]);
    /// ```
    pub fn new(id: &str, alias: &str, urls: &[&str]) -> ClusterInfo {
        ClusterInfo {
            id: id.to_owned(),
            alias: alias.to_owned(),
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        }
    }
}

/// Roles sorted by name (the server sends them in random order).
///
/// Dereferences to a slice, so `len()`, `iter()` and indexing work as usual.
///
/// # Example
/// ```
/// use aistore_authn::{RoleInfo, RolesList};
///
/// let roles: RolesList = [RoleInfo::new("ops", ""), RoleInfo::new("dev", "")]
///     .into_iter()
///     .collect();
/// assert_eq!(roles.len(), 2);
/// assert_eq!(roles[0].name, "dev");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Option<Vec<RoleInfo>>")]
pub struct RolesList(Vec<RoleInfo>);

impl RolesList {
    /// The role with this name, if present.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{RoleInfo, RolesList};
    ///
    /// let roles: RolesList = [RoleInfo::new("ops", "")].into_iter().collect();
    /// assert!(roles.get("ops").is_some() && roles.get("dev").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&RoleInfo> {
        self.0
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.0[i])
    }

    /// The role names, in order.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{RoleInfo, RolesList};
    ///
    /// let roles: RolesList = [RoleInfo::new("ops", ""), RoleInfo::new("dev", "")]
    ///     .into_iter()
    ///     .collect();
    /// assert_eq!(roles.names().collect::<Vec<_>>(), ["dev", "ops"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|r| r.name.as_str())
    }

    /// The roles as a vector.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{RoleInfo, RolesList};
    ///
    /// let roles: RolesList = [RoleInfo::new("ops", ""), RoleInfo::new("dev", "")]
    ///     .into_iter()
    ///     .collect();
    /// let roles: Vec<RoleInfo> = roles.into_vec();
    /// assert_eq!(roles[1].name, "ops");
    /// ```
    pub fn into_vec(self) -> Vec<RoleInfo> {
        self.0
    }
}

impl From<Option<Vec<RoleInfo>>> for RolesList {
    fn from(roles: Option<Vec<RoleInfo>>) -> Self {
        roles.unwrap_or_default().into_iter().collect()
    }
}

/// The roles, sorted by name as [`FromIterator`] sorts them.
///
/// # Example
/// ```
/// use aistore_authn::{RoleInfo, RolesList};
///
/// let roles = RolesList::from(vec![RoleInfo::new("ops", ""), RoleInfo::new("dev", "")]);
/// assert_eq!(roles.names().collect::<Vec<_>>(), ["dev", "ops"]);
/// ```
impl From<Vec<RoleInfo>> for RolesList {
    fn from(roles: Vec<RoleInfo>) -> Self {
        roles.into_iter().collect()
    }
}

impl FromIterator<RoleInfo> for RolesList {
    fn from_iter<I: IntoIterator<Item = RoleInfo>>(iter: I) -> Self {
        let mut roles: Vec<RoleInfo> = iter.into_iter().collect();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        RolesList(roles)
    }
}

impl std::ops::Deref for RolesList {
    type Target = [RoleInfo];
    fn deref(&self) -> &[RoleInfo] {
        &self.0
    }
}

impl IntoIterator for RolesList {
    type Item = RoleInfo;
    type IntoIter = std::vec::IntoIter<RoleInfo>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a RolesList {
    type Item = &'a RoleInfo;
    type IntoIter = std::slice::Iter<'a, RoleInfo>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A list that may be `null` (as empty), held with room for no more than one more entry than
/// it has: a role's lists hold one entry or two as a rule, and serde's own `Vec` would keep
/// room for four, which a list of 10,000 users keeps 30,000 times (benches/ANALYSIS.md).
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Items<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Items<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list or null")
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Vec<T>, D2::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                if items.len() == items.capacity() {
                    items.reserve_exact(items.len().max(1));
                }
                items.push(item);
            }
            Ok(items)
        }
    }
    d.deserialize_option(Items(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_servers_shapes() {
        let json = r#"{"id":"alice","roles":[
            {"name":"ops","desc":"d","clusters":[{"id":"u1","alias":"c1","perm":"771"}],"buckets":null,"admin":false},
            {"name":"Admin","desc":"AuthN administrator","clusters":null,"buckets":null,"admin":true}]}"#;
        let u: UserInfo = serde_json::from_str(json).unwrap();
        assert_eq!(u.roles.names().collect::<Vec<_>>(), ["Admin", "ops"]);
        assert!(u.is_admin());
        let ops = u.roles.get("ops").unwrap();
        assert_eq!(ops.clusters[0].perm, AccessAttr::ACCESS_RO);
        assert_eq!(ops.clusters[0].alias, "c1");
        assert!(ops.buckets.is_empty());
        let u: UserInfo = serde_json::from_str(r#"{"id":"bob","roles":null}"#).unwrap();
        assert!(u.roles.is_empty() && !u.is_admin());
    }

    #[test]
    fn constructors_build_what_the_server_would_send() {
        let user = UserInfo::new(
            "alice",
            vec![RoleInfo::new("ops", "d"), RoleInfo::new("Admin", "")],
        );
        assert_eq!(user.roles.names().collect::<Vec<_>>(), ["Admin", "ops"]);
        assert!(user.is_admin() && user.roles.get("ops").is_some());
        let json = r#"{"id":"alice","roles":[
            {"name":"ops","desc":"d","clusters":null,"buckets":null,"admin":false},
            {"name":"Admin","desc":"","clusters":null,"buckets":null,"admin":false}]}"#;
        assert_eq!(user, serde_json::from_str::<UserInfo>(json).unwrap());

        let c = ClusterInfo::new("u1", "c1", &["http://a:8080", "http://b:8080"]);
        let json = r#"{"id":"u1","alias":"c1","urls":["http://a:8080","http://b:8080"]}"#;
        assert_eq!(c, serde_json::from_str::<ClusterInfo>(json).unwrap());
        assert!(ClusterInfo::new("u2", "", &[]).urls.is_empty());

        let roles = RolesList::from(vec![RoleInfo::new("b", ""), RoleInfo::new("a", "")]);
        assert_eq!(roles.names().collect::<Vec<_>>(), ["a", "b"]);
        assert!(RolesList::from(Vec::new()).is_empty());
    }

    #[test]
    fn bucket_acl_wire_shape() {
        let json = r#"{"bck":{"name":"b1","provider":"ais","namespace":{"uuid":"u1","name":""}},"perm":"831"}"#;
        let acl: BucketAcl = serde_json::from_str(json).unwrap();
        assert_eq!(acl.bucket.namespace.uuid, "u1");
        assert_eq!(
            serde_json::to_value(&acl).unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
    }
}

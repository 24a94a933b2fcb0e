//! Role management: `/v1/roles`.

use crate::api::clusters::ClusterManager;
use crate::api::role_update::RoleUpdate;
use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::access_attr::AccessAttr;
use crate::model::info::{Ensured, RoleInfo, RolesList};
use crate::transport::names::{check_new_name, segment};
use crate::transport::request::{Method, Request};

/// Creates, reads, updates and deletes AuthN roles. Borrows a [`Client`].
///
/// Roles name clusters by ID or alias; before a role is written every alias is replaced by
/// the cluster's ID (one `GET /v1/clusters`), so an unknown cluster is
/// [`Error::ClusterNotFound`] and renaming an alias later does not break the role. A cluster
/// entry named by alias keeps the alias beside the ID, as `ais auth` stores it (AuthN copies
/// it into tokens).
///
/// # Example
/// ```no_run
/// use aistore_authn::{AccessAttr, RoleInfo};
///
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let readers = RoleInfo::new("readers", "read all clusters")
///     .with_all_clusters(AccessAttr::ACCESS_RO);
/// client.role_manager().create_role(&readers)?;
/// client.role_manager().delete("readers", false)?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RoleManager<'a> {
    client: &'a Client,
}

impl<'a> RoleManager<'a> {
    /// A role manager over `client`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, RoleManager};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let roles = RoleManager::new(&client); // the same as client.role_manager()
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(client: &'a Client) -> Self {
        RoleManager { client }
    }

    /// The client this manager borrows (and sends its requests through), as the Python
    /// SDK's `RoleManager.client`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let manager = client.role_manager();
    /// assert_eq!(manager.client().base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// All roles, sorted by name. `GET /v1/roles`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// for role in &client.role_manager().list()? {
    ///     println!("{}: {}", role.name, role.desc);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn list(&self) -> Result<RolesList, Error> {
        self.client
            .fetch(&Request::new(Method::Get, "/v1/roles", Entity::None).public())
    }

    /// One role. `GET /v1/roles/{name}`. Needs no token.
    ///
    /// # Errors
    /// [`Error::RoleNotFound`]; [`Error::InvalidArgument`] for a name that cannot be a URL path
    /// segment (empty, `.`, `..`, or with `/`); [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let ops = client.role_manager().get("ops")?;
    /// for acl in &ops.clusters {
    ///     println!("{} ({}): {}", acl.id, acl.alias, acl.perm); // e.g. `ro,CREATE-BUCKET`
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Result<RoleInfo, Error> {
        self.client
            .fetch(&Request::to(Method::Get, Entity::Role(name))?.public())
    }

    /// Creates a role granting `perms` on the cluster `cluster_alias` (an alias or an ID) or,
    /// with `bucket_name`, on that `ais://` bucket of the cluster. Returns the role as stored.
    /// For several ACLs, other providers or all clusters, use
    /// [`create_role`](RoleManager::create_role).
    ///
    /// Requests: `GET /v1/clusters`, `POST /v1/roles`, `GET /v1/roles/{name}`. Needs an admin
    /// token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: a name the server would refuse, an empty
    ///   cluster alias or bucket name.
    /// - [`Error::ClusterNotFound`], [`Error::RoleAlreadyExists`], [`Error::Unauthorized`],
    ///   [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::AccessAttr;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let roles = client.role_manager();
    /// roles.create("ops", "read-write on c1", "c1", AccessAttr::ACCESS_RW, None)?;
    /// roles.create("raw-readers", "read ais://raw", "c1", AccessAttr::ACCESS_RO, Some("raw"))?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn create(
        &self,
        name: &str,
        desc: &str,
        cluster_alias: &str,
        perms: AccessAttr,
        bucket_name: Option<&str>,
    ) -> Result<RoleInfo, Error> {
        self.create_role(&one_acl(
            RoleInfo::new(name, desc),
            cluster_alias,
            perms,
            bucket_name,
        )?)
    }

    /// Creates `role` (built with [`RoleInfo::new`] and its `with_*` methods) and returns it as
    /// stored. Any number of cluster and bucket ACLs, any bucket provider, and the all-clusters
    /// entry (empty cluster ID) are allowed.
    ///
    /// Requests: `GET /v1/clusters` when an ACL names a cluster, `POST /v1/roles`,
    /// `GET /v1/roles/{name}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: a name the server would refuse, `admin`
    ///   set (only the built-in `Admin` role has it), a bucket ACL with an empty bucket name
    ///   or cluster.
    /// - [`Error::ClusterNotFound`], [`Error::RoleAlreadyExists`], [`Error::Unauthorized`],
    ///   [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{AccessAttr, RoleInfo};
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let role = RoleInfo::new("data-eng", "read everywhere, write s3://exports")
    ///     .with_all_clusters(AccessAttr::ACCESS_RO)
    ///     .with_bucket("c1", "s3", "exports", AccessAttr::ACCESS_RW);
    /// let stored = client.role_manager().create_role(&role)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn create_role(&self, role: &RoleInfo) -> Result<RoleInfo, Error> {
        check_new_name("role name", &role.name)?;
        check_acls(role)?;
        let role = self.with_cluster_ids(role)?;
        let request = Request::new(Method::Post, "/v1/roles", Entity::Role(&role.name));
        self.client.call(&request.json(&role)?)?;
        self.get(&role.name)
    }

    /// Changes the role `name` as `update` says (a [`RoleUpdate`]: a
    /// description and any number of permission entries on clusters, on every cluster, and on
    /// buckets), then returns the role as stored.
    ///
    /// AuthN merges: a non-empty description replaces the old one; an entry for a cluster (or
    /// bucket) the role already has replaces that entry's permissions; other entries are
    /// added. **No entry is ever removed** (AuthN cannot: delete and re-create the role, which
    /// also takes it from every user, or set an entry to [`AccessAttr::NONE`]).
    ///
    /// Requests: `GET /v1/clusters` when an entry names a cluster (aliases are stored as
    /// cluster IDs), `PUT /v1/roles/{name}`, `GET /v1/roles/{name}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: an update that changes nothing (an
    ///   empty description alone included: AuthN would keep the old one), a bucket URI that
    ///   does not parse or carries a namespace, an empty cluster, a name that cannot be a URL
    ///   path segment.
    /// - [`Error::RoleNotFound`], [`Error::ClusterNotFound`] (an entry names a cluster that is
    ///   not registered; nothing is written), [`Error::Forbidden`] (the built-in `Admin`
    ///   role), [`Error::Unauthorized`], [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{AccessAttr, RoleUpdate};
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// // Add read-write on cluster c2 and read on s3://logs there; other entries stay.
    /// let update = RoleUpdate::new()
    ///     .description("operators of c1 and c2")
    ///     .cluster("c2", AccessAttr::ACCESS_RW)
    ///     .bucket("c2", "s3://logs", AccessAttr::ACCESS_RO);
    /// let ops = client.role_manager().update("ops", &update)?;
    /// assert_eq!(ops.buckets.last().map(|b| b.bucket.provider.as_str()), Some("aws"));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn update(&self, name: &str, update: &RoleUpdate) -> Result<RoleInfo, Error> {
        Request::to(Method::Put, Entity::Role(name))?;
        let role = update.to_role(name)?;
        check_acls(&role)?;
        self.put_role(&self.with_cluster_ids(&role)?)
    }

    /// `PUT` a role whose clusters are named by ID, then read it back.
    fn put_role(&self, role: &RoleInfo) -> Result<RoleInfo, Error> {
        let request = Request::to(Method::Put, Entity::Role(&role.name))?;
        self.client.call(&request.json(role)?)?;
        self.get(&role.name)
    }

    /// Makes sure the role exists with `role`'s description (when not empty) and at least its
    /// ACL entries: creates it, merges what differs, or leaves it alone. Entries the stored
    /// role has beyond `role`'s stay (AuthN cannot remove one without deleting the role, which
    /// would also take it from every user).
    ///
    /// Not atomic: another client can change the role between the read and the write.
    /// Requests: `GET /v1/roles/{name}`, `GET /v1/clusters` when an ACL names a cluster, then
    /// the create or update if one is needed.
    ///
    /// # Errors
    /// As [`create_role`](RoleManager::create_role) and [`update`](RoleManager::update).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{AccessAttr, RoleInfo};
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let readers = RoleInfo::new("readers", "read all clusters")
    ///     .with_all_clusters(AccessAttr::ACCESS_RO);
    /// let (what, _) = client.role_manager().ensure_role(&readers)?;
    /// println!("readers: {what:?}");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn ensure_role(&self, role: &RoleInfo) -> Result<(Ensured, RoleInfo), Error> {
        check_new_name("role name", &role.name)?;
        check_acls(role)?;
        let current = match self.get(&role.name) {
            Ok(current) => current,
            Err(Error::RoleNotFound(_)) => return Ok((Ensured::Created, self.create_role(role)?)),
            Err(e) => return Err(e),
        };
        let wanted = self.with_cluster_ids(role)?;
        let desc_ok = wanted.desc.is_empty() || wanted.desc == current.desc;
        let clusters_ok = wanted.clusters.iter().all(|w| {
            current
                .clusters
                .iter()
                .any(|c| c.id == w.id && c.perm == w.perm)
        });
        let buckets_ok = wanted.buckets.iter().all(|w| {
            current
                .buckets
                .iter()
                .any(|c| c.bucket == w.bucket && c.perm == w.perm)
        });
        if desc_ok && clusters_ok && buckets_ok {
            return Ok((Ensured::Unchanged, current));
        }
        Ok((Ensured::Updated, self.put_role(&wanted)?))
    }

    /// Deletes a role and takes it away from every user. `DELETE /v1/roles/{name}`. Needs an
    /// admin token.
    ///
    /// # Errors
    /// [`Error::RoleNotFound`] unless `missing_ok`; [`Error::Forbidden`] for the built-in
    /// `Admin`; [`Error::Unauthorized`]; [`Error::InvalidArgument`] for a name that cannot be a
    /// URL path segment; [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// client.role_manager().delete("ops", true)?; // gone either way, and from every user
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn delete(&self, name: &str, missing_ok: bool) -> Result<(), Error> {
        self.client.delete(Entity::Role(name), missing_ok)
    }

    /// `POST /v1/roles` alone, for a role whose clusters are already named by ID and which
    /// the caller has checked: no cluster lookup, no read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn post(&self, role: &RoleInfo) -> Result<(), Error> {
        let request = Request::new(Method::Post, "/v1/roles", Entity::Role(&role.name));
        self.client.call(&request.json(role)?).map(drop)
    }

    /// `PUT /v1/roles/{name}` alone (AuthN merges the entries), for a role whose clusters are
    /// already named by ID: no cluster lookup, no read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn put(&self, role: &RoleInfo) -> Result<(), Error> {
        let request = Request::to(Method::Put, Entity::Role(&role.name))?;
        self.client.call(&request.json(role)?).map(drop)
    }

    /// The full roles for these names, in at most one request: none for no names,
    /// `GET /v1/roles/{name}` for one, `GET /v1/roles` for more. Duplicates count once.
    pub(crate) fn resolve(&self, names: &[&str]) -> Result<Vec<RoleInfo>, Error> {
        let mut wanted: Vec<&str> = Vec::with_capacity(names.len());
        for name in names {
            segment("role name", name)?;
            if !wanted.contains(name) {
                wanted.push(name);
            }
        }
        match wanted.as_slice() {
            [] => Ok(Vec::new()),
            [one] => Ok(vec![self.get(one)?]),
            _ => {
                let all = self.list()?;
                wanted
                    .iter()
                    .map(|name| {
                        all.get(name)
                            .cloned()
                            .ok_or_else(|| Error::RoleNotFound((*name).to_owned()))
                    })
                    .collect()
            }
        }
    }

    /// A copy of `role` for the wire: every cluster named by alias is named by ID, looked up
    /// in one `GET /v1/clusters` (none when no ACL names a cluster), the alias kept in the
    /// cluster entry's `alias`. IDs win over aliases.
    fn with_cluster_ids(&self, role: &RoleInfo) -> Result<RoleInfo, Error> {
        let mut role = role.clone();
        role.admin = false;
        let named = role.clusters.iter().map(|c| &c.id);
        let named = named.chain(role.buckets.iter().map(|b| &b.bucket.namespace.uuid));
        if named.clone().all(String::is_empty) {
            return Ok(role);
        }
        let clusters = ClusterManager::new(self.client).list()?;
        let to_id = |name: &mut String| -> Result<(), Error> {
            if name.is_empty() || clusters.contains_key(name.as_str()) {
                return Ok(());
            }
            match clusters.values().find(|c| c.alias == *name) {
                Some(c) => {
                    name.clone_from(&c.id);
                    Ok(())
                }
                None => Err(Error::ClusterNotFound(name.clone())),
            }
        };
        for acl in &mut role.clusters {
            let given = acl.id.clone();
            to_id(&mut acl.id)?;
            // As `ais auth add role --cluster ALIAS` stores it: the alias the entry was named
            // by stays beside the ID (AuthN copies it into tokens); one named by ID has none.
            acl.alias = if given == acl.id {
                String::new()
            } else {
                given
            };
        }
        for acl in &mut role.buckets {
            to_id(&mut acl.bucket.namespace.uuid)?;
        }
        Ok(role)
    }
}

impl Client {
    /// The role manager over this client: role CRUD.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let roles = client.role_manager().list()?; // needs no token
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn role_manager(&self) -> RoleManager<'_> {
        RoleManager::new(self)
    }
}

/// The one ACL entry of [`RoleManager::create`].
fn one_acl(
    role: RoleInfo,
    cluster_alias: &str,
    perms: AccessAttr,
    bucket_name: Option<&str>,
) -> Result<RoleInfo, Error> {
    if cluster_alias.is_empty() {
        return Err(Error::InvalidArgument(
            "cluster alias must not be empty (for all clusters, use \
             RoleInfo::with_all_clusters and create_role)"
                .into(),
        ));
    }
    Ok(match bucket_name {
        None => role.with_cluster(cluster_alias, perms),
        Some(bucket) => role.with_bucket(cluster_alias, "ais", bucket, perms),
    })
}

/// Bucket ACLs need a bucket name (a plain name: `ais://b` would be stored as a bucket named
/// that, which no request ever matches) and a cluster; nobody but the server makes admin roles.
fn check_acls(role: &RoleInfo) -> Result<(), Error> {
    if role.admin {
        return Err(Error::InvalidArgument(
            "only AuthN's built-in Admin role can have admin set".into(),
        ));
    }
    for acl in &role.buckets {
        if acl.bucket.name.is_empty() || acl.bucket.namespace.uuid.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "bucket ACL {:?}: needs a bucket name and a cluster",
                acl.bucket.name
            )));
        }
        if acl.bucket.name.contains('/') {
            return Err(Error::InvalidArgument(format!(
                "bucket name {:?} has a '/': give the provider separately, e.g. \
                 with_bucket(cluster, \"ais\", \"name\", perm)",
                acl.bucket.name
            )));
        }
    }
    Ok(())
}

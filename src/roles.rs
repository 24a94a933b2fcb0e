//! Role management: `/v1/roles`.

use crate::error::Entity;
use crate::model::{Bucket, BucketAcl, ClusterAcl, Namespace};
use crate::names::{check_new_name, entity_path, segment};
use crate::{AccessAttr, Client, ClusterManager, Error, RoleInfo, RolesList};

/// Creates, reads, updates and deletes AuthN roles. Borrows a [`Client`].
#[derive(Debug, Clone, Copy)]
pub struct RoleManager<'a> {
    client: &'a Client,
}

impl<'a> RoleManager<'a> {
    /// A role manager over `client`.
    pub fn new(client: &'a Client) -> Self {
        RoleManager { client }
    }

    /// All roles, sorted by name. `GET /v1/roles`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Decode`].
    pub fn list(&self) -> Result<RolesList, Error> {
        self.client.get("/v1/roles", Entity::None)
    }

    /// One role. `GET /v1/roles/{name}`. Needs no token.
    ///
    /// # Errors
    /// [`Error::RoleNotFound`]; [`Error::InvalidArgument`] for an empty name or one with `/`;
    /// [`Error::Transport`], [`Error::Decode`].
    pub fn get(&self, name: &str) -> Result<RoleInfo, Error> {
        let path = entity_path("roles", "role name", name)?;
        self.client.get(&path, Entity::Role(name))
    }

    /// Creates a role granting `perms` on the cluster `cluster_alias` (an alias or an ID) or,
    /// with `bucket_name`, on that `ais://` bucket of the cluster. Returns the role as stored.
    ///
    /// Requests: `GET /v1/clusters/{cluster_alias}` (the ACL stores the cluster ID),
    /// `POST /v1/roles`, `GET /v1/roles/{name}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: a name the server would refuse, an empty
    ///   cluster alias or bucket name.
    /// - [`Error::ClusterNotFound`], [`Error::RoleAlreadyExists`], [`Error::Unauthorized`],
    ///   [`Error::Transport`], [`Error::Decode`].
    pub fn create(
        &self,
        name: &str,
        desc: &str,
        cluster_alias: &str,
        perms: AccessAttr,
        bucket_name: Option<&str>,
    ) -> Result<RoleInfo, Error> {
        check_new_name("role name", name)?;
        let (clusters, buckets) = self.acl(cluster_alias, perms, bucket_name)?;
        let role = RoleInfo {
            name: name.to_owned(),
            desc: desc.to_owned(),
            clusters,
            buckets,
            admin: false,
        };
        self.client
            .send("POST", "/v1/roles", Entity::Role(name), &role)?;
        self.get(name)
    }

    /// Changes a role's description and adds or changes one permission entry, then returns
    /// the role as stored.
    ///
    /// AuthN merges ACLs: an entry for the same cluster (or bucket) gets the new `perms`,
    /// others are added, and none is ever removed (delete and re-create the role for that).
    /// Requests: `GET /v1/clusters/{cluster_alias}` when an alias is given,
    /// `PUT /v1/roles/{name}`, `GET /v1/roles/{name}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: nothing to change; `perms` without
    ///   `cluster_alias`; `bucket_name` without `cluster_alias`; `cluster_alias` or
    ///   `bucket_name` without `perms`; an empty description (AuthN keeps the old one).
    /// - [`Error::RoleNotFound`], [`Error::ClusterNotFound`], [`Error::Forbidden`] (the
    ///   built-in `Admin` role), [`Error::Unauthorized`], [`Error::Transport`],
    ///   [`Error::Decode`].
    pub fn update(
        &self,
        name: &str,
        desc: Option<&str>,
        cluster_alias: Option<&str>,
        perms: Option<AccessAttr>,
        bucket_name: Option<&str>,
    ) -> Result<RoleInfo, Error> {
        let path = entity_path("roles", "role name", name)?;
        let invalid = |msg: &str| Err(Error::InvalidArgument(msg.into()));
        if desc.is_none() && cluster_alias.is_none() && perms.is_none() && bucket_name.is_none() {
            return invalid("update needs a description, or a cluster alias with perms");
        }
        if perms.is_some() && cluster_alias.is_none() {
            return invalid("perms need a cluster_alias");
        }
        if bucket_name.is_some() && cluster_alias.is_none() {
            return invalid("bucket_name needs a cluster_alias");
        }
        if (cluster_alias.is_some() || bucket_name.is_some()) && perms.is_none() {
            return invalid("cluster_alias and bucket_name need perms");
        }
        if desc == Some("") {
            return invalid("the description is empty; AuthN keeps the old one when sent none");
        }
        let (clusters, buckets) = match (cluster_alias, perms) {
            (Some(alias), Some(perms)) => self.acl(alias, perms, bucket_name)?,
            _ => (Vec::new(), Vec::new()),
        };
        let role = RoleInfo {
            name: name.to_owned(),
            desc: desc.unwrap_or_default().to_owned(),
            clusters,
            buckets,
            admin: false,
        };
        self.client.send("PUT", &path, Entity::Role(name), &role)?;
        self.get(name)
    }

    /// Deletes a role and takes it away from every user. `DELETE /v1/roles/{name}`. Needs an
    /// admin token.
    ///
    /// # Errors
    /// [`Error::RoleNotFound`] unless `missing_ok`; [`Error::Forbidden`] for the built-in
    /// `Admin`; [`Error::Unauthorized`]; [`Error::InvalidArgument`]; [`Error::Transport`].
    pub fn delete(&self, name: &str, missing_ok: bool) -> Result<(), Error> {
        let path = entity_path("roles", "role name", name)?;
        self.client.delete(&path, Entity::Role(name), missing_ok)
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

    /// The one ACL entry of a create or update: on the cluster, or on one of its buckets.
    fn acl(
        &self,
        cluster_alias: &str,
        perm: AccessAttr,
        bucket_name: Option<&str>,
    ) -> Result<(Vec<ClusterAcl>, Vec<BucketAcl>), Error> {
        if bucket_name == Some("") {
            return Err(Error::InvalidArgument(
                "bucket name must not be empty".into(),
            ));
        }
        let cluster = ClusterManager::new(self.client).get(cluster_alias)?;
        Ok(match bucket_name {
            None => (
                vec![ClusterAcl {
                    id: cluster.id,
                    alias: String::new(),
                    perm,
                }],
                Vec::new(),
            ),
            Some(bucket) => (
                Vec::new(),
                vec![BucketAcl {
                    bucket: Bucket {
                        name: bucket.to_owned(),
                        provider: "ais".to_owned(),
                        namespace: Namespace {
                            uuid: cluster.id,
                            name: String::new(),
                        },
                    },
                    perm,
                }],
            ),
        })
    }
}

//! One read of the server, shared by [`plan`](crate::provision::plan) and
//! [`export`](crate::provision::export): what it holds, its roles keyed as AuthN matches
//! entries ([`Shape`]), and the clusters named in the spec's words ([`Naming`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::api::clusters::ClusterManager;
use crate::api::roles::RoleManager;
use crate::api::users::UserManager;
use crate::client::Client;
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::{Bucket, Namespace};
use crate::model::info::{ClusterMap, RoleInfo, RolesList, UserMap};
use crate::model::token::Token;
use crate::provision::spec::{AclSpec, RoleSpec, ALL_CLUSTERS};

/// What the server holds, from one list request per collection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Server {
    pub(crate) clusters: ClusterMap,
    pub(crate) roles: RolesList,
    pub(crate) users: UserMap,
    /// The user the client is logged in as.
    pub(crate) me: Option<String>,
}

/// `GET /v1/clusters`, `GET /v1/roles`, `GET /v1/users`.
pub(crate) fn read_server(client: &Client) -> Result<Server, Error> {
    let clusters = ClusterManager::new(client).list()?;
    let roles = RoleManager::new(client).list()?;
    let users = UserManager::new(client).list()?;
    // After the requests: a client with credentials has logged in by now.
    let me = client
        .token()
        .and_then(|jwt| Token::parse(&jwt).ok())
        .map(|t| t.subject().to_owned());
    Ok(Server {
        clusters,
        roles,
        users,
        me,
    })
}

/// An ACL entry's key as AuthN matches entries: a cluster ID (empty for every cluster), or a
/// bucket by cluster ID, provider, name and namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum AclKey {
    Cluster(String),
    Bucket {
        cluster: String,
        provider: String,
        name: String,
        namespace: String,
    },
}

/// A role's description and entries, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) desc: String,
    pub(crate) acls: BTreeMap<AclKey, AccessAttr>,
    /// The stored role has two entries for one key (a create with both can do that).
    pub(crate) repeated: bool,
}

/// The role as AuthN stores it, keyed.
pub(crate) fn shape_of(role: &RoleInfo) -> Shape {
    let mut shape = Shape {
        desc: role.desc.clone(),
        ..Shape::default()
    };
    for c in &role.clusters {
        let key = AclKey::Cluster(c.id.clone());
        shape.repeated |= shape.acls.insert(key, c.perm).is_some();
    }
    for b in &role.buckets {
        let key = AclKey::Bucket {
            cluster: b.bucket.namespace.uuid.clone(),
            provider: b.bucket.provider.clone(),
            name: b.bucket.name.clone(),
            namespace: b.bucket.namespace.name.clone(),
        };
        shape.repeated |= shape.acls.insert(key, b.perm).is_some();
    }
    shape
}

/// How clusters are named in a spec: by alias, or by ID when there is no alias (or the alias
/// is also some cluster's ID, or two clusters share it); every cluster as `*`.
pub(crate) struct Naming(HashMap<String, String>);

impl Naming {
    pub(crate) fn new<'a>(clusters: impl IntoIterator<Item = (&'a str, &'a str)>) -> Naming {
        let pairs: Vec<(&str, &str)> = clusters.into_iter().collect();
        let ids: HashSet<&str> = pairs.iter().map(|(id, _)| *id).collect();
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for (_, alias) in &pairs {
            *uses.entry(alias).or_default() += 1;
        }
        let name = |id: &str, alias: &str| {
            if alias.is_empty() || ids.contains(alias) || uses[alias] > 1 {
                id.to_owned()
            } else {
                alias.to_owned()
            }
        };
        Naming(
            pairs
                .iter()
                .map(|(id, alias)| ((*id).to_owned(), name(id, alias)))
                .collect(),
        )
    }

    pub(crate) fn name(&self, id: &str) -> String {
        if id.is_empty() {
            return ALL_CLUSTERS.to_owned();
        }
        self.0.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// One entry in the spec's words.
    pub(crate) fn acl(&self, key: &AclKey, perm: AccessAttr) -> AclSpec {
        let (cluster, bucket) = match key {
            AclKey::Cluster(id) => (self.name(id), None),
            AclKey::Bucket {
                cluster,
                provider,
                name,
                namespace,
            } => {
                let bucket = Bucket {
                    name: name.clone(),
                    provider: provider.clone(),
                    namespace: Namespace {
                        uuid: String::new(),
                        name: namespace.clone(),
                    },
                };
                (self.name(cluster), Some(bucket.to_string()))
            }
        };
        AclSpec {
            cluster,
            bucket,
            perms: perm.to_string(),
        }
    }

    /// The role in the spec's words, entries sorted by cluster then bucket.
    pub(crate) fn role(&self, name: &str, shape: &Shape) -> RoleSpec {
        let mut acls: Vec<AclSpec> = shape.acls.iter().map(|(k, p)| self.acl(k, *p)).collect();
        acls.sort_by(|a, b| (&a.cluster, &a.bucket).cmp(&(&b.cluster, &b.bucket)));
        RoleSpec {
            name: name.to_owned(),
            description: shape.desc.clone(),
            acls,
        }
    }
}

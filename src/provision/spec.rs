//! The provisioning spec: the clusters, roles and users AuthN should hold, as written in JSON.
//! Reading it from JSON is [`json`](crate::provision::json), checking it
//! [`validate`](crate::provision::validate). Public through [`provision`](crate::provision).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::access_attr::AccessAttr;
use crate::provision::password::PasswordSource;

/// The built-in administrator, which a spec cannot manage.
pub(crate) const ADMIN_USER: &str = "admin";
/// The built-in administrator role, which a spec cannot manage.
pub(crate) const ADMIN_ROLE: &str = "Admin";
/// How an ACL names every cluster.
pub(crate) const ALL_CLUSTERS: &str = "*";

/// What AuthN should hold: clusters, roles and users. Built by deserializing JSON
/// ([`Spec::from_json`] reports every problem with its JSON path), or by [`export`]; checked by
/// [`Spec::validate`]. See the [module docs](crate::provision) for the format.
///
/// `Debug` and `Serialize` never show a password: a spec names where passwords are read from,
/// and [`plan`] reads them.
///
/// [`export`]: crate::provision::export
/// [`plan`]: crate::provision::plan
///
/// # Example
/// ```
/// use aistore_authn::provision::Spec;
///
/// let spec = Spec::from_json(r#"{
///     "clusters": [{"id": "eTdL4YGHN", "alias": "c1"}],
///     "roles": [{"name": "ops", "acls": [{"cluster": "c1", "perms": "rw"}]}],
///     "users": []
/// }"#)?;
/// assert_eq!(spec.roles[0].acls[0].perms, "rw");
/// spec.validate()?;
/// # Ok::<(), aistore_authn::provision::ValidationErrors>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Spec {
    /// Registered clusters.
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
    /// Users.
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Roles the users may hold that the spec does not define: they must exist on the server
    /// ([`plan`](crate::provision::plan) checks), and pruning never deletes them. `Admin` and
    /// the roles AuthN makes for the spec's own clusters need not be listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_roles: Vec<String>,
    /// Where relative password file paths start ([`Spec::with_base_dir`]); not part of the
    /// JSON.
    #[serde(skip)]
    pub(crate) base_dir: Option<PathBuf>,
}

impl Spec {
    /// Says where the spec came from: relative `{"file": "path"}` password sources are then
    /// read from `dir` (give the spec file's directory) rather than from the current
    /// directory. `ais-authn plan`, `apply` and `validate` give the spec file's directory.
    ///
    /// # Example
    /// ```no_run
    /// use std::path::Path;
    /// use aistore_authn::provision::Spec;
    ///
    /// let path = Path::new("/etc/authn/spec.json");
    /// let spec = Spec::from_json(&std::fs::read_to_string(path)?)?
    ///     .with_base_dir(path.parent().unwrap_or(Path::new(".")));
    /// spec.validate()?; // {"file": "secrets/bob"} is /etc/authn/secrets/bob
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Spec {
        self.base_dir = Some(dir.into());
        self
    }

    /// The directory relative password file paths start from, if set
    /// ([`Spec::with_base_dir`]); else the current directory.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::Spec;
    ///
    /// let spec = Spec::default().with_base_dir("/etc/authn");
    /// assert_eq!(spec.base_dir(), Some(std::path::Path::new("/etc/authn")));
    /// ```
    pub fn base_dir(&self) -> Option<&Path> {
        self.base_dir.as_deref()
    }
}

/// A registered cluster: `{"id": "eTdL4YGHN", "alias": "c1", "urls": ["https://ais:8080"]}`.
///
/// With URLs, AuthN contacts each when it registers the cluster or changes its URLs (and
/// retries an unreachable URL for about 80 s), sending it **an admin token** (`sub` `AuthN`,
/// `admin: true`, valid 5 minutes) and a hash of its signing secret (see
/// [`ClusterManager::register_with_id`](crate::ClusterManager::register_with_id)): each URL
/// must be the cluster's. A plain `http://` URL to a host other than this machine's loopback
/// is refused unless the entry says `"allow_plain_http": true`. With no URLs AuthN contacts
/// nothing. Registering a cluster makes AuthN create
/// the roles `ClusterOwner-<x>`, `BucketOwner-<x>` and `Guest-<x>` (`<x>` the alias, else the ID).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClusterSpec {
    /// The cluster's ID (its cluster-map UUID, from `ais show cluster`).
    pub id: String,
    /// The alias; empty or absent for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
    /// The cluster's endpoint URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Accept plain `http://` URLs to hosts other than loopback, on purpose: anyone on the way
    /// can read the admin token AuthN sends them. Default: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_plain_http: bool,
}

/// A role: `{"name": "ops", "description": "...", "acls": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleSpec {
    /// The role name.
    pub name: String,
    /// The description; empty or absent for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The permission entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acls: Vec<AclSpec>,
}

/// One permission entry of a role, in the `ais` CLI's words:
/// `{"cluster": "c1", "perms": "ro,CREATE-BUCKET"}` on a whole cluster,
/// `{"cluster": "c1", "bucket": "s3://logs", "perms": "GET"}` on one bucket of it, or
/// `{"cluster": "*", "perms": "ro"}` on every cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AclSpec {
    /// The cluster, by ID or alias, or `*` for every cluster (not with a bucket).
    pub cluster: String,
    /// A bucket URI as the CLI writes it (`ais://raw`, `s3://logs`, ...), for a bucket entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The permissions as [`AccessAttr::parse`] reads them: `ro`, `rw`, `su`, `none`,
    /// operation names (`GET`, `CREATE-BUCKET`, ...), joined by commas.
    pub perms: String,
}

/// A user: `{"id": "alice", "roles": ["ops"], "password": {"env": "ALICE_PASSWORD"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserSpec {
    /// The user ID.
    pub id: String,
    /// The user's roles, exactly: roles of the spec, [`Spec::external_roles`], `Admin`, or the
    /// roles AuthN makes for the spec's clusters.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Where the password is read from; needed to create the user, or with `reset_password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordSource>,
    /// Set the password of an existing user too. Without it an existing user's password is
    /// left alone. AuthN cannot tell whether a password matches, so a spec with this flag
    /// plans the reset every time: remove the flag once applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset_password: bool,
}

impl ClusterSpec {
    /// A cluster entry, e.g. to build a spec in code (a benchmark's thousand users).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::ClusterSpec;
    ///
    /// let c1 = ClusterSpec::new("eTdL4YGHN", "c1", &[]);
    /// assert_eq!(serde_json::to_string(&c1)?, r#"{"id":"eTdL4YGHN","alias":"c1"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(id: &str, alias: &str, urls: &[&str]) -> ClusterSpec {
        ClusterSpec {
            id: id.to_owned(),
            alias: alias.to_owned(),
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            allow_plain_http: false,
        }
    }

    /// Sets [`allow_plain_http`](ClusterSpec::allow_plain_http): plain `http://` URLs to hosts
    /// other than loopback are accepted.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::ClusterSpec;
    ///
    /// let lab = ClusterSpec::new("eTdL4YGHN", "lab", &["http://10.0.0.5:8080"]).allow_plain_http(true);
    /// assert!(lab.allow_plain_http);
    /// ```
    #[must_use]
    pub fn allow_plain_http(mut self, allow: bool) -> ClusterSpec {
        self.allow_plain_http = allow;
        self
    }
}

impl RoleSpec {
    /// A role entry with these permission entries.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::{AclSpec, RoleSpec};
    ///
    /// let ops = RoleSpec::new("ops", "operators", vec![AclSpec::new("c1", None, "rw")]);
    /// assert_eq!(ops.acls[0].perms, "rw");
    /// ```
    pub fn new(name: &str, description: &str, acls: Vec<AclSpec>) -> RoleSpec {
        RoleSpec {
            name: name.to_owned(),
            description: description.to_owned(),
            acls,
        }
    }
}

impl AclSpec {
    /// A permission entry: on `cluster` (ID, alias, or `*`), or on one `bucket` of it.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::AclSpec;
    ///
    /// let logs = AclSpec::new("c1", Some("s3://logs"), "ro,PUT");
    /// assert_eq!(logs.bucket.as_deref(), Some("s3://logs"));
    /// ```
    pub fn new(cluster: &str, bucket: Option<&str>, perms: &str) -> AclSpec {
        AclSpec {
            cluster: cluster.to_owned(),
            bucket: bucket.map(str::to_owned),
            perms: perms.to_owned(),
        }
    }
}

impl UserSpec {
    /// A user entry holding `roles`, its password from `password`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::{PasswordSource, Spec, UserSpec};
    ///
    /// let mut spec = Spec::default();
    /// for i in 0..1000 {
    ///     let password = PasswordSource::Env("BENCH_PASSWORD".into());
    ///     spec.users.push(UserSpec::new(&format!("user{i}"), &["Guest-c1"], Some(password)));
    /// }
    /// ```
    pub fn new(id: &str, roles: &[&str], password: Option<PasswordSource>) -> UserSpec {
        UserSpec {
            id: id.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            password,
            reset_password: false,
        }
    }
}

/// The roles AuthN makes when it registers the cluster `id` with `alias`: name, description and
/// permissions on the cluster.
pub(crate) fn auto_roles(id: &str, alias: &str) -> [(String, String, AccessAttr); 3] {
    let suffix = if alias.is_empty() { id } else { alias };
    let target = if alias.is_empty() {
        id.to_owned()
    } else {
        format!("{id}[{alias}]")
    };
    [
        (
            format!("ClusterOwner-{suffix}"),
            format!("Admin access to {target}"),
            AccessAttr::ACCESS_SU,
        ),
        (
            format!("BucketOwner-{suffix}"),
            format!("Full access to buckets in {target}"),
            AccessAttr::ACCESS_RW,
        ),
        (
            format!("Guest-{suffix}"),
            format!("Read-only access to buckets in {target}"),
            AccessAttr::ACCESS_RO,
        ),
    ]
}

/// The cluster part of `name` when it has the form of a role AuthN makes for a cluster
/// (`Guest-c1` gives `c1`).
pub(crate) fn is_auto_role_name(name: &str) -> Option<&str> {
    ["ClusterOwner-", "BucketOwner-", "Guest-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_role_names_and_descriptions() {
        let roles = auto_roles("idA", "c1");
        assert_eq!(roles[0].0, "ClusterOwner-c1");
        assert_eq!(roles[1].1, "Full access to buckets in idA[c1]");
        assert_eq!(roles[2].2, AccessAttr::ACCESS_RO);
        let roles = auto_roles("idB", "");
        assert_eq!(roles[2].0, "Guest-idB");
        assert_eq!(roles[0].1, "Admin access to idB");
    }

    #[test]
    fn the_names_of_the_roles_authn_makes() {
        assert_eq!(is_auto_role_name("Guest-c1"), Some("c1"));
        assert_eq!(is_auto_role_name("ClusterOwner-u-1"), Some("u-1"));
        assert_eq!(is_auto_role_name("ops"), None);
    }
}

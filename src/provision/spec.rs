//! The provisioning spec: the clusters, roles and users AuthN should hold, as JSON, and the
//! checks made on it before anything is sent. Public through [`provision`](crate::provision).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::api::clusters::cluster_urls;
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::secret::Secret;
use crate::transport::names::{check_cluster_id, check_new_name, check_password, segment};

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
}

/// A registered cluster: `{"id": "eTdL4YGHN", "alias": "c1", "urls": ["http://ais:8080"]}`.
///
/// With URLs, AuthN hands the cluster its key when it registers it (and retries an unreachable
/// URL for about 80 s); with none it contacts nothing. Registering a cluster makes AuthN create
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

/// Where a user's password comes from: `{"env": "VAR"}` (an environment variable) or
/// `{"file": "path"}` (a file's contents without the trailing newline; a relative path is
/// relative to the current directory).
///
/// A password written inline in the spec (`"password": "s3cret"`) deserializes as
/// [`Inline`](PasswordSource::Inline), which keeps nothing of it and which
/// [`Spec::validate`] refuses: passwords do not belong in files that get committed.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file, without a trailing newline.
    File(PathBuf),
    /// A password written inline: refused by [`Spec::validate`]. The value is not kept.
    Inline,
}

impl fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::Env(var) => f.debug_tuple("Env").field(var).finish(),
            PasswordSource::File(path) => f.debug_tuple("File").field(path).finish(),
            PasswordSource::Inline => f.write_str("Inline([redacted])"),
        }
    }
}

impl Serialize for PasswordSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            PasswordSource::Env(var) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("env", var)?;
                map.end()
            }
            PasswordSource::File(path) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("file", path)?;
                map.end()
            }
            PasswordSource::Inline => s.serialize_str("[redacted]"),
        }
    }
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
        }
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

impl<'de> Deserialize<'de> for PasswordSource {
    /// `{"env": "VAR"}`, `{"file": "path"}`, or a string (kept only as the fact that it was
    /// inline).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = PasswordSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"{"env": "VAR"} or {"file": "path"}"#)
            }
            fn visit_str<E: de::Error>(self, _inline: &str) -> Result<PasswordSource, E> {
                Ok(PasswordSource::Inline)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PasswordSource, A::Error> {
                let mut source = None;
                while let Some(key) = map.next_key::<String>()? {
                    let next = match key.as_str() {
                        "env" => PasswordSource::Env(map.next_value()?),
                        "file" => PasswordSource::File(map.next_value()?),
                        _ => return Err(de::Error::unknown_field(&key, PASSWORD_FIELDS)),
                    };
                    if source.replace(next).is_some() {
                        return Err(de::Error::custom(
                            r#"give one password source: "env" or "file""#,
                        ));
                    }
                }
                source.ok_or_else(|| de::Error::custom(r#"give "env" or "file""#))
            }
        }
        d.deserialize_any(SourceVisitor)
    }
}

impl PasswordSource {
    /// Reads the password, or says why not (naming the variable or file, never the value) and
    /// the JSON path below the `password` field it concerns.
    fn read(&self) -> Result<Secret, (&'static str, String)> {
        let checked = |password: String, whence: String| match check_password(&password) {
            Ok(()) => Ok(Secret::new(password)),
            Err(Error::InvalidArgument(why)) => Err(format!("{whence}: {why}")),
            Err(e) => Err(format!("{whence}: {e}")),
        };
        match self {
            PasswordSource::Env(var) if var.is_empty() || var.contains(['=', '\0']) => Err((
                ".env",
                format!("{var:?} is not an environment variable name"),
            )),
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(value) => {
                    checked(value, format!("environment variable {var}")).map_err(|e| (".env", e))
                }
                Err(std::env::VarError::NotPresent) => {
                    Err((".env", format!("environment variable {var} is not set")))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err((".env", format!("environment variable {var} is not UTF-8")))
                }
            },
            PasswordSource::File(path) => match std::fs::read_to_string(path) {
                Ok(mut text) => {
                    let kept = text.trim_end_matches(['\n', '\r']).len();
                    text.truncate(kept);
                    checked(text, format!("file {}", path.display())).map_err(|e| (".file", e))
                }
                Err(e) => Err((".file", format!("cannot read {}: {e}", path.display()))),
            },
            PasswordSource::Inline => Err((
                "",
                r#"an inline password is refused: use {"env": "VAR"} or {"file": "path"}"#.into(),
            )),
        }
    }
}

/// One problem in a spec: where (a JSON path such as `users[3].roles[1]`; empty for the whole
/// document) and what.
///
/// # Example
/// ```
/// use aistore_authn::provision::Spec;
///
/// let errors = Spec::from_json(r#"{"users": [{"id": "bob", "rolez": []}]}"#).unwrap_err();
/// let first = errors.iter().next().unwrap();
/// assert_eq!(first.path, "users[0].rolez");
/// assert_eq!(first.to_string(), format!("users[0].rolez: {}", first.message));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// The JSON path of the value at fault; empty for the document itself.
    pub path: String,
    /// What is wrong and, where it helps, what to write instead.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "spec"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// Every problem found in a spec, in document order. `Display` writes one per line.
/// Converts into [`Error::InvalidArgument`] with that text.
///
/// # Example
/// ```
/// use aistore_authn::provision::Spec;
///
/// let errors = Spec::from_json(r#"{"roles": [{"name": "a b", "acls": [
///     {"cluster": "c1", "perms": "ro,FLY"}]}]}"#)
///     .unwrap()
///     .validate()
///     .unwrap_err();
/// let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
/// assert_eq!(paths, ["roles[0].name", "roles[0].acls[0].perms"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct ValidationErrors {
    /// The problems.
    pub errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// The problems, in order.
    ///
    /// # Example
    /// ```
    /// let errors = aistore_authn::provision::Spec::from_json("[]").unwrap_err();
    /// assert_eq!(errors.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// How many problems there are.
    ///
    /// # Example
    /// ```
    /// let errors = aistore_authn::provision::Spec::from_json("{}").unwrap().validate();
    /// assert!(errors.is_ok());
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// True when there is none.
    ///
    /// # Example
    /// ```
    /// assert!(aistore_authn::provision::ValidationErrors::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<ValidationErrors> for Error {
    /// [`Error::InvalidArgument`] listing every problem, one per line.
    fn from(errors: ValidationErrors) -> Error {
        let n = errors.len();
        let s = if n == 1 { "" } else { "s" };
        Error::InvalidArgument(format!("the spec has {n} problem{s}:\n{errors}"))
    }
}

/// The fields each object of a spec may have; [`check_shape`] reports any other.
const TOP_FIELDS: &[&str] = &["clusters", "roles", "users", "external_roles"];
const CLUSTER_FIELDS: &[&str] = &["id", "alias", "urls"];
const ROLE_FIELDS: &[&str] = &["name", "description", "acls"];
const ACL_FIELDS: &[&str] = &["cluster", "bucket", "perms"];
const USER_FIELDS: &[&str] = &["id", "roles", "password", "reset_password"];
const PASSWORD_FIELDS: &[&str] = &["env", "file"];

impl Spec {
    /// Reads a spec from JSON, reporting every unknown field, missing field and value of the
    /// wrong type with its JSON path (`users[0].pasword: unknown field ...`). The contents are
    /// not checked: call [`validate`](Spec::validate) (as [`plan`](crate::provision::plan)
    /// does).
    ///
    /// # Errors
    /// [`ValidationErrors`]: text that is not JSON (one error, at the document), or every
    /// problem of shape.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::Spec;
    ///
    /// let errors = Spec::from_json(r#"{
    ///     "clusters": [{"id": "u1", "alias": 7}],
    ///     "users": [{"id": "bob", "pasword": {"env": "BOB_PW"}}]
    /// }"#).unwrap_err();
    /// let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    /// assert_eq!(shown, [
    ///     "clusters[0].alias: expected a string",
    ///     "users[0].pasword: unknown field; expected one of id, roles, password, reset_password",
    /// ]);
    /// ```
    pub fn from_json(text: &str) -> Result<Spec, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                errors.push("", format!("not JSON: {e}"));
                return Err(errors);
            }
        };
        check_shape(&value, &mut errors);
        errors.into_result()?;
        serde_json::from_value(value).map_err(|e| {
            let mut errors = ValidationErrors::default();
            errors.push("", e.to_string());
            errors
        })
    }

    /// Checks the whole spec without sending anything, and reports every problem with its
    /// JSON path:
    /// - names as the server requires them (user IDs, role names, cluster aliases: at most 32
    ///   ASCII letters, digits, `-`, `_`, not starting or ending with `-`/`_`; cluster IDs:
    ///   ASCII letters, digits, `-`, `_`), cluster URLs (`http(s)://host`, no credentials);
    /// - duplicates: cluster IDs and aliases, role names, user IDs, a role listed twice for a
    ///   user, two entries of a role for the same cluster or bucket;
    /// - permission words ([`AccessAttr::parse`]) and bucket URIs ([`Bucket::parse`], without
    ///   a namespace: the cluster is the entry's `cluster`); `*` with a bucket;
    /// - the built-ins `admin` (user) and `Admin` (role), which a spec cannot manage;
    /// - role references: each role a user holds must be defined in `roles`, listed in
    ///   `external_roles`, be `Admin`, or be one AuthN makes for a cluster of the spec
    ///   (`Guest-c1`). Whether external roles exist, and which clusters that the spec does
    ///   not define an ACL may name, is checked by [`plan`](crate::provision::plan) against
    ///   the server;
    /// - password sources: no inline passwords; the environment variable is set, the file is
    ///   readable, and the password is one AuthN takes (not blank, at most 72 bytes);
    ///   `reset_password` has a source.
    ///
    /// # Errors
    /// [`ValidationErrors`] with every problem found.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::Spec;
    ///
    /// let spec = Spec::from_json(r#"{"users": [
    ///     {"id": "alice", "roles": ["ops"], "password": "s3cret"}
    /// ]}"#)?;
    /// let shown: Vec<String> = spec.validate().unwrap_err().iter().map(|e| e.to_string()).collect();
    /// assert_eq!(shown, [
    ///     r#"users[0].roles[0]: role "ops" is not defined: add it to roles, or to external_roles if it exists on the server"#,
    ///     r#"users[0].password: an inline password is refused: use {"env": "VAR"} or {"file": "path"}"#,
    /// ]);
    /// # Ok::<(), aistore_authn::provision::ValidationErrors>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        self.check().0.into_result()
    }

    /// The checks of [`validate`](Spec::validate), and each user's password when it has a
    /// readable one.
    pub(crate) fn check(&self) -> (ValidationErrors, Vec<Option<Secret>>) {
        let mut errors = ValidationErrors::default();
        let aliases = self.check_clusters(&mut errors);
        self.check_roles(&aliases, &mut errors);
        self.check_external_roles(&mut errors);
        let passwords = self.check_users(&mut errors);
        (errors, passwords)
    }

    /// Checks the clusters; returns the cluster ID each spec cluster's ID and alias stands for.
    fn check_clusters(&self, errors: &mut ValidationErrors) -> HashMap<&str, &str> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut aliases: HashMap<&str, (usize, &str)> = HashMap::new();
        for (i, c) in self.clusters.iter().enumerate() {
            let path = format!("clusters[{i}]");
            if let Err(e) = check_cluster_id(&c.id) {
                errors.push(format!("{path}.id"), reason(e));
            } else if let Some(j) = first(&mut ids, &c.id, i) {
                errors.push(
                    format!("{path}.id"),
                    format!("cluster {:?} is already defined by clusters[{j}]", c.id),
                );
            }
            if !c.alias.is_empty() {
                if let Err(e) = check_new_name("cluster alias", &c.alias) {
                    errors.push(format!("{path}.alias"), reason(e));
                } else if let Some((j, _)) = first(&mut aliases, &c.alias, (i, &c.id)) {
                    errors.push(
                        format!("{path}.alias"),
                        format!("alias {:?} is already used by clusters[{j}]", c.alias),
                    );
                }
            }
            for (k, url) in c.urls.iter().enumerate() {
                if let Err(e) = cluster_urls(&[url]) {
                    errors.push(format!("{path}.urls[{k}]"), reason(e));
                }
            }
        }
        for (i, c) in self.clusters.iter().enumerate() {
            match ids.get(c.alias.as_str()) {
                Some(&j) if j != i => errors.push(
                    format!("clusters[{i}].alias"),
                    format!(
                        "alias {:?} is the ID of clusters[{j}]: a name must mean one cluster",
                        c.alias
                    ),
                ),
                _ => {}
            }
        }
        // A name is a cluster's ID before it is another's alias.
        let mut names: HashMap<&str, &str> =
            aliases.into_iter().map(|(a, (_, id))| (a, id)).collect();
        names.extend(ids.keys().map(|id| (*id, *id)));
        names
    }

    fn check_roles(&self, aliases: &HashMap<&str, &str>, errors: &mut ValidationErrors) {
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, r) in self.roles.iter().enumerate() {
            let path = format!("roles[{i}]");
            if r.name == ADMIN_ROLE {
                errors.push(
                    format!("{path}.name"),
                    "Admin is AuthN's built-in role; a spec cannot change it",
                );
            } else if let Err(e) = check_new_name("role name", &r.name) {
                errors.push(format!("{path}.name"), reason(e));
            } else if let Some(j) = first(&mut names, &r.name, i) {
                errors.push(
                    format!("{path}.name"),
                    format!("role {:?} is already defined by roles[{j}]", r.name),
                );
            }
            let mut keys: HashMap<(String, Option<Bucket>), usize> = HashMap::new();
            for (j, acl) in r.acls.iter().enumerate() {
                let path = format!("{path}.acls[{j}]");
                let mut ok = true;
                if acl.cluster.is_empty() {
                    ok = false;
                    errors.push(
                        format!("{path}.cluster"),
                        "empty: name a cluster by ID or alias, or write * for every cluster",
                    );
                } else if acl.cluster != ALL_CLUSTERS {
                    if let Err(e) = check_cluster_id(&acl.cluster) {
                        ok = false;
                        errors.push(format!("{path}.cluster"), reason(e));
                    }
                }
                let bucket = match &acl.bucket {
                    None => None,
                    Some(uri) => match parse_bucket(uri) {
                        Ok(_) if acl.cluster == ALL_CLUSTERS => {
                            ok = false;
                            errors.push(
                                format!("{path}.bucket"),
                                "a bucket entry names one cluster, not *",
                            );
                            None
                        }
                        Ok(bucket) => Some(bucket),
                        Err(why) => {
                            ok = false;
                            errors.push(format!("{path}.bucket"), why);
                            None
                        }
                    },
                };
                if let Err(why) = parse_perms(&acl.perms) {
                    errors.push(format!("{path}.perms"), why);
                }
                if ok {
                    let cluster = aliases.get(acl.cluster.as_str()).copied();
                    let key = (cluster.unwrap_or(&acl.cluster).to_owned(), bucket);
                    if let Some(k) = first(&mut keys, key, j) {
                        errors.push(
                            path,
                            format!(
                                "a second entry for the same {} as acls[{k}]",
                                if acl.bucket.is_some() {
                                    "bucket"
                                } else {
                                    "cluster"
                                }
                            ),
                        );
                    }
                }
            }
        }
    }

    fn check_external_roles(&self, errors: &mut ValidationErrors) {
        let mut defined: HashMap<&str, usize> = HashMap::new();
        for (i, r) in self.roles.iter().enumerate() {
            first(&mut defined, &r.name, i);
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (k, name) in self.external_roles.iter().enumerate() {
            let path = format!("external_roles[{k}]");
            if let Err(e) = segment("role name", name) {
                errors.push(path, reason(e));
            } else if let Some(i) = defined.get(name.as_str()) {
                errors.push(
                    path,
                    format!("role {name:?} is defined by roles[{i}]; list only roles the spec does not define"),
                );
            } else if let Some(j) = first(&mut seen, name, k) {
                errors.push(path, format!("role {name:?} is already listed at [{j}]"));
            }
        }
    }

    /// Checks the users; returns each user's password when it has a readable one.
    fn check_users(&self, errors: &mut ValidationErrors) -> Vec<Option<Secret>> {
        let known = self.known_roles();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut passwords = Vec::with_capacity(self.users.len());
        for (i, u) in self.users.iter().enumerate() {
            let path = format!("users[{i}]");
            if u.id == ADMIN_USER {
                errors.push(
                    format!("{path}.id"),
                    "admin is AuthN's built-in user; a spec cannot change it",
                );
            } else if let Err(e) = check_new_name("user ID", &u.id) {
                errors.push(format!("{path}.id"), reason(e));
            } else if let Some(j) = first(&mut ids, &u.id, i) {
                errors.push(
                    format!("{path}.id"),
                    format!("user {:?} is already defined by users[{j}]", u.id),
                );
            }
            let mut held: HashMap<&str, usize> = HashMap::new();
            for (j, role) in u.roles.iter().enumerate() {
                let path = format!("{path}.roles[{j}]");
                if !known.contains(role.as_str()) {
                    errors.push(
                        path,
                        format!(
                            "role {role:?} is not defined: add it to roles, or to external_roles \
                             if it exists on the server"
                        ),
                    );
                } else if let Some(k) = first(&mut held, role, j) {
                    errors.push(path, format!("role {role:?} is already listed at [{k}]"));
                }
            }
            let password = match &u.password {
                None => {
                    if u.reset_password {
                        errors.push(
                            format!("{path}.reset_password"),
                            r#"needs a password: {"env": "VAR"} or {"file": "path"}"#,
                        );
                    }
                    None
                }
                Some(source) => match source.read() {
                    Ok(secret) => Some(secret),
                    Err((below, why)) => {
                        errors.push(format!("{path}.password{below}"), why);
                        None
                    }
                },
            };
            passwords.push(password);
        }
        passwords
    }

    /// The role names a user may hold as far as the spec alone can tell.
    fn known_roles(&self) -> BTreeSet<String> {
        let mut known: BTreeSet<String> = self.roles.iter().map(|r| r.name.clone()).collect();
        known.extend(self.external_roles.iter().cloned());
        known.insert(ADMIN_ROLE.to_owned());
        for c in &self.clusters {
            known.extend(auto_roles(&c.id, &c.alias).into_iter().map(|r| r.0));
        }
        known
    }
}

/// Records `value` under `key` unless the key is there already; returns the value recorded
/// first.
fn first<K: std::hash::Hash + Eq, V: Copy>(map: &mut HashMap<K, V>, key: K, value: V) -> Option<V> {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(seen) => Some(*seen.get()),
        std::collections::hash_map::Entry::Vacant(new) => {
            new.insert(value);
            None
        }
    }
}

/// The message of an argument error, without the `invalid argument:` prefix.
fn reason(e: Error) -> String {
    match e {
        Error::InvalidArgument(why) => why,
        other => other.to_string(),
    }
}

/// A bucket URI of an ACL: provider and name, no namespace (the cluster is given apart).
pub(crate) fn parse_bucket(uri: &str) -> Result<Bucket, String> {
    let bucket = Bucket::parse(uri).map_err(reason)?;
    if !bucket.namespace.uuid.is_empty() || !bucket.namespace.name.is_empty() {
        return Err(format!(
            "bucket {uri:?}: write provider://name; the cluster is the entry's \"cluster\" (AuthN \
             matches a bucket by cluster, provider and name)"
        ));
    }
    Ok(bucket)
}

/// The permissions of an ACL; an empty text is refused (write `none`).
pub(crate) fn parse_perms(text: &str) -> Result<AccessAttr, String> {
    if text.trim().is_empty() {
        return Err("empty: write the permissions (ro, rw, GET, ...), or none".into());
    }
    AccessAttr::parse(text).map_err(reason)
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

/// Reports every unknown field, missing required field and value of the wrong type.
fn check_shape(value: &Value, errors: &mut ValidationErrors) {
    let Some(top) = object(value, "", TOP_FIELDS, &[], errors) else {
        return;
    };
    let each = |key: &str,
                errors: &mut ValidationErrors,
                f: &mut dyn FnMut(&Value, String, &mut ValidationErrors)| {
        if let Some(items) = top.get(key).and_then(|v| array(v, key, errors)) {
            for (i, item) in items.iter().enumerate() {
                f(item, format!("{key}[{i}]"), errors);
            }
        }
    };
    each("clusters", errors, &mut |v, path, errors| {
        if let Some(c) = object(v, &path, CLUSTER_FIELDS, &["id"], errors) {
            field_str(c, &path, "id", errors);
            field_str(c, &path, "alias", errors);
            field_strings(c, &path, "urls", errors);
        }
    });
    each("roles", errors, &mut |v, path, errors| {
        if let Some(r) = object(v, &path, ROLE_FIELDS, &["name"], errors) {
            field_str(r, &path, "name", errors);
            field_str(r, &path, "description", errors);
            let acls_path = format!("{path}.acls");
            if let Some(acls) = r.get("acls").and_then(|v| array(v, &acls_path, errors)) {
                for (j, acl) in acls.iter().enumerate() {
                    let path = format!("{acls_path}[{j}]");
                    if let Some(a) = object(acl, &path, ACL_FIELDS, &["cluster", "perms"], errors) {
                        for key in ACL_FIELDS {
                            field_str(a, &path, key, errors);
                        }
                    }
                }
            }
        }
    });
    each("users", errors, &mut |v, path, errors| {
        if let Some(u) = object(v, &path, USER_FIELDS, &["id"], errors) {
            field_str(u, &path, "id", errors);
            field_strings(u, &path, "roles", errors);
            if u.get("reset_password").is_some_and(|v| !v.is_boolean()) {
                errors.push(format!("{path}.reset_password"), "expected true or false");
            }
            let pw_path = format!("{path}.password");
            match u.get("password") {
                None | Some(Value::String(_)) => {} // an inline one is refused by validate
                Some(v) => {
                    if let Some(p) = object(v, &pw_path, PASSWORD_FIELDS, &[], errors) {
                        if p.len() != 1 {
                            errors.push(
                                pw_path.clone(),
                                r#"give one source: {"env": "VAR"} or {"file": "path"}"#,
                            );
                        }
                        field_str(p, &pw_path, "env", errors);
                        field_str(p, &pw_path, "file", errors);
                    }
                }
            }
        }
    });
    field_strings(top, "", "external_roles", errors);
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `value` as an object whose keys are among `fields` and include `required`.
fn object<'v>(
    value: &'v Value,
    path: &str,
    fields: &[&str],
    required: &[&str],
    errors: &mut ValidationErrors,
) -> Option<&'v Map<String, Value>> {
    let Some(map) = value.as_object() else {
        errors.push(path, "expected an object");
        return None;
    };
    for key in map.keys() {
        if !fields.contains(&key.as_str()) {
            errors.push(
                join(path, key),
                format!("unknown field; expected one of {}", fields.join(", ")),
            );
        }
    }
    for key in required {
        if !map.contains_key(*key) {
            errors.push(join(path, key), "missing");
        }
    }
    Some(map)
}

fn array<'v>(
    value: &'v Value,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<&'v Vec<Value>> {
    let items = value.as_array();
    if items.is_none() {
        errors.push(path, "expected an array");
    }
    items
}

fn field_str(map: &Map<String, Value>, path: &str, key: &str, errors: &mut ValidationErrors) {
    if map.get(key).is_some_and(|v| !v.is_string()) {
        errors.push(join(path, key), "expected a string");
    }
}

fn field_strings(map: &Map<String, Value>, path: &str, key: &str, errors: &mut ValidationErrors) {
    let path = join(path, key);
    if let Some(items) = map.get(key).and_then(|v| array(v, &path, errors)) {
        for (i, item) in items.iter().enumerate() {
            if !item.is_string() {
                errors.push(format!("{path}[{i}]"), "expected a string");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(errors: &ValidationErrors) -> Vec<&str> {
        errors.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn the_shape_check_knows_every_field_serde_knows() {
        let full = Spec {
            clusters: vec![ClusterSpec {
                id: "u1".into(),
                alias: "c1".into(),
                urls: vec!["http://a:8080".into()],
            }],
            roles: vec![RoleSpec {
                name: "r".into(),
                description: "d".into(),
                acls: vec![AclSpec {
                    cluster: "c1".into(),
                    bucket: Some("s3://b".into()),
                    perms: "ro".into(),
                }],
            }],
            users: vec![
                UserSpec {
                    id: "a".into(),
                    roles: vec!["r".into()],
                    password: Some(PasswordSource::Env("A_PW".into())),
                    reset_password: true,
                },
                UserSpec {
                    id: "b".into(),
                    roles: vec![],
                    password: Some(PasswordSource::File("/pw".into())),
                    reset_password: false,
                },
            ],
            external_roles: vec!["x".into()],
        };
        let text = serde_json::to_string(&full).unwrap();
        assert_eq!(Spec::from_json(&text).unwrap(), full);
        let value: Value = serde_json::from_str(&text).unwrap();
        let mut errors = ValidationErrors::default();
        check_shape(&value, &mut errors);
        assert!(errors.is_empty(), "{errors}");
        // Every field list matches what serde writes for a full spec.
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        let sorted = |f: &[&str]| -> Vec<String> {
            let mut f: Vec<String> = f.iter().map(|s| (*s).to_owned()).collect();
            f.sort();
            f
        };
        assert_eq!(keys(&value), sorted(TOP_FIELDS));
        assert_eq!(keys(&value["clusters"][0]), sorted(CLUSTER_FIELDS));
        assert_eq!(keys(&value["roles"][0]), sorted(ROLE_FIELDS));
        assert_eq!(keys(&value["roles"][0]["acls"][0]), sorted(ACL_FIELDS));
        assert_eq!(keys(&value["users"][0]), sorted(USER_FIELDS));
    }

    #[test]
    fn shape_errors_have_paths() {
        let errors = Spec::from_json(
            r#"{"clusterz": [], "clusters": {}, "roles": [{"name": 1, "acls": [{"perms": "ro", "x": 1}]}],
                "users": [{"id": "a", "password": {"env": "A", "file": "b"}}, {"password": {"evn": "A"}}, 3],
                "external_roles": [1]}"#,
        )
        .unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "clusterz",
                "clusters",
                "roles[0].name",
                "roles[0].acls[0].x",
                "roles[0].acls[0].cluster",
                "users[0].password",
                "users[1].id",
                "users[1].password.evn",
                "users[2]",
                "external_roles[0]",
            ],
            "{errors}"
        );
        let errors = Spec::from_json("{").unwrap_err();
        assert_eq!(paths(&errors), [""]);
        assert!(errors.to_string().starts_with("spec: not JSON"), "{errors}");
    }

    #[test]
    fn serde_alone_also_refuses_typos() {
        let e = serde_json::from_str::<Spec>(r#"{"users": [{"id": "a", "pasword": "x"}]}"#);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("unknown field `pasword`"));
        let e =
            serde_json::from_str::<Spec>(r#"{"users": [{"id": "a", "password": {"evn": "X"}}]}"#);
        assert!(e.unwrap_err().to_string().contains("unknown field `evn`"));
        let e = serde_json::from_str::<Spec>(
            r#"{"users": [{"id": "a", "password": {"env": "X", "file": "Y"}}]}"#,
        );
        assert!(e.unwrap_err().to_string().contains("one password source"));
    }

    #[test]
    fn inline_passwords_are_not_kept_or_shown() {
        let spec = Spec::from_json(r#"{"users": [{"id": "a", "password": "hunter2"}]}"#).unwrap();
        assert_eq!(spec.users[0].password, Some(PasswordSource::Inline));
        let shown = format!("{spec:?} {}", serde_json::to_string(&spec).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(paths(&spec.validate().unwrap_err()), ["users[0].password"]);
    }

    #[test]
    fn passwords_from_files_lose_the_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("spec-pw-{}", crate::secret::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "s3cret\r\n").unwrap();
        let source = PasswordSource::File(file.clone());
        assert_eq!(source.read().unwrap().expose(), "s3cret");
        std::fs::write(&file, "\n").unwrap();
        let (path, why) = source.read().unwrap_err();
        assert_eq!(path, ".file");
        assert!(why.contains("empty or blank"), "{why}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
}

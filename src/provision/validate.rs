//! Checking a spec before anything is sent: names, duplicates, permissions, bucket URIs, role
//! references and password sources, every problem with its JSON path.

use std::collections::{BTreeSet, HashMap};

use crate::api::clusters::{check_plain_http, cluster_urls};
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::provision::errors::ValidationErrors;
use crate::provision::spec::{auto_roles, Spec, ADMIN_ROLE, ADMIN_USER, ALL_CLUSTERS};
use crate::secret::Secret;
use crate::transport::names::{check_cluster_id, check_new_name, segment};

impl Spec {
    /// Checks the whole spec without sending anything, and reports every problem with its
    /// JSON path:
    /// - names as the server requires them (user IDs, role names, cluster aliases: at most 32
    ///   ASCII letters, digits, `-`, `_`, not starting or ending with `-`/`_`; cluster IDs:
    ///   ASCII letters, digits, `-`, `_`), cluster URLs (`http(s)://host`, no credentials; a
    ///   plain `http://` URL to a host other than loopback only with `"allow_plain_http":
    ///   true` on the cluster, as AuthN sends each URL an admin token);
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
    /// - password sources: no inline passwords; the environment variable is set, the file is a
    ///   readable regular file of at most
    ///   [`MAX_PASSWORD_FILE_BYTES`](crate::provision::MAX_PASSWORD_FILE_BYTES) (a relative
    ///   path taken from [`Spec::with_base_dir`] when set), and the password is one AuthN
    ///   takes (not blank, at most 72 bytes);
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
                // One check with register's: AuthN sends each URL an admin token.
                let checked = cluster_urls(&[url])
                    .and_then(|trimmed| check_plain_http(&trimmed, c.allow_plain_http));
                if let Err(e) = checked {
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
                Some(source) => match source.read(self.base_dir()) {
                    Ok(secret) => Some(secret),
                    Err(why) => {
                        let at = format!("{path}.password{}", why.below);
                        errors.push_io(at, why.message, why.cause);
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

#[cfg(test)]
mod tests {
    use crate::provision::password::PasswordSource;
    use crate::provision::spec::Spec;

    fn paths(errors: &crate::provision::errors::ValidationErrors) -> Vec<&str> {
        errors.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn inline_passwords_are_not_kept_or_shown() {
        let spec = Spec::from_json(r#"{"users": [{"id": "a", "password": "hunter2"}]}"#).unwrap();
        assert_eq!(spec.users[0].password, Some(PasswordSource::Inline));
        let shown = format!("{spec:?} {}", serde_json::to_string(&spec).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(paths(&spec.validate().unwrap_err()), ["users[0].password"]);
    }

    fn shown(errors: &crate::provision::errors::ValidationErrors) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    /// Every check, each problem once, in spec order, with its path and the checker's
    /// message (without the `invalid argument:` prefix).
    #[test]
    fn every_problem_is_reported_once_with_its_path() {
        let spec = Spec::from_json(
            r#"{"clusters": [{"id": "u1", "alias": "c1", "urls": ["http://127.0.0.1:8080"]},
                             {"id": "u/2", "alias": "-c2", "urls": ["ftp://ais"]},
                             {"id": "u1", "alias": "c1", "urls": ["http://ais.example.com"]},
                             {"id": "u4", "alias": "u1"},
                             {"id": "u5", "alias": "u5"},
                             {"id": "u6"}],
                "roles": [{"name": "Admin"},
                          {"name": "ops", "acls": [
                              {"cluster": "c1", "perms": "ro"},
                              {"cluster": "u1", "perms": "rw"},
                              {"cluster": "*", "perms": "GET"},
                              {"cluster": "", "perms": "GET"},
                              {"cluster": "u/9", "perms": "GET"},
                              {"cluster": "*", "bucket": "s3://logs", "perms": "GET"},
                              {"cluster": "c1", "bucket": "s3://logs", "perms": "GET"},
                              {"cluster": "u1", "bucket": "aws://logs", "perms": "PUT"},
                              {"cluster": "u1", "bucket": "ais://@u1/raw", "perms": "GET"},
                              {"cluster": "u1", "bucket": "ais://#ns/raw", "perms": "GET"},
                              {"cluster": "u1", "bucket": "nope://raw", "perms": "GET"},
                              {"cluster": "u6", "perms": " "},
                              {"cluster": "u5", "perms": "GETT"}]},
                          {"name": "ops"},
                          {"name": "_ops"}],
                "users": [{"id": "admin"},
                          {"id": "-bob"},
                          {"id": "alice", "roles": ["ops", "ext", "Admin", "Guest-c1", "Guest-u6", "ops", "dev"]},
                          {"id": "alice", "reset_password": true},
                          {"id": "carol", "password": "inline"}],
                "external_roles": ["ext", "ops", "ext", "a/b"]}"#,
        )
        .unwrap();
        let errors = spec.validate().unwrap_err();
        let invalid = "is invalid: use at most 32 ASCII letters, digits, '-' and '_', not \
                       starting or ending with '-' or '_'";
        let namespace = "write provider://name; the cluster is the entry's \"cluster\" (AuthN \
                         matches a bucket by cluster, provider and name)";
        let source = r#"{"env": "VAR"} or {"file": "path"}"#;
        assert_eq!(
            shown(&errors),
            [
                r#"clusters[1].id: cluster ID "u/2" is invalid: use ASCII letters, digits, '-' and '_'"#.to_owned(),
                format!(r#"clusters[1].alias: cluster alias "-c2" {invalid}"#),
                r#"clusters[1].urls[0]: cluster URL "ftp://ais" must be http:// or https:// with a host"#.into(),
                r#"clusters[2].id: cluster "u1" is already defined by clusters[0]"#.into(),
                r#"clusters[2].alias: alias "c1" is already used by clusters[0]"#.into(),
                "clusters[2].urls[0]: cluster URL http://ais.example.com is plain http to another \
                 host: AuthN sends each cluster URL an admin token (valid 5 minutes) and a hash of \
                 its signing secret, which anyone on the way could read; use https://, or allow it \
                 on purpose (ClusterManager::allow_plain_http(true); ais-authn --allow-plain-http; \
                 in a spec, \"allow_plain_http\": true on the cluster)".into(),
                r#"clusters[3].alias: alias "u1" is the ID of clusters[0]: a name must mean one cluster"#.into(),
                "roles[0].name: Admin is AuthN's built-in role; a spec cannot change it".into(),
                // c1 is u1's alias: the same cluster.
                "roles[1].acls[1]: a second entry for the same cluster as acls[0]".into(),
                "roles[1].acls[3].cluster: empty: name a cluster by ID or alias, or write * for \
                 every cluster".into(),
                r#"roles[1].acls[4].cluster: cluster ID "u/9" is invalid: use ASCII letters, digits, '-' and '_'"#.into(),
                "roles[1].acls[5].bucket: a bucket entry names one cluster, not *".into(),
                // s3 is aws, and c1 is u1.
                "roles[1].acls[7]: a second entry for the same bucket as acls[6]".into(),
                format!(r#"roles[1].acls[8].bucket: bucket "ais://@u1/raw": {namespace}"#),
                format!(r#"roles[1].acls[9].bucket: bucket "ais://#ns/raw": {namespace}"#),
                r#"roles[1].acls[10].bucket: bucket "nope://raw": unknown provider "nope": use ais, s3 (aws), gs (gcp), az (azure) or oc (oci)"#.into(),
                "roles[1].acls[11].perms: empty: write the permissions (ro, rw, GET, ...), or none".into(),
                r#"roles[1].acls[12].perms: unknown permission "GETT": use ro, rw, su, an operation such as GET or LIST-BUCKETS, or a number"#.into(),
                r#"roles[2].name: role "ops" is already defined by roles[1]"#.into(),
                format!(r#"roles[3].name: role name "_ops" {invalid}"#),
                r#"external_roles[1]: role "ops" is defined by roles[1]; list only roles the spec does not define"#.into(),
                r#"external_roles[2]: role "ext" is already listed at [0]"#.into(),
                r#"external_roles[3]: role name "a/b" cannot be addressed in a URL path"#.into(),
                "users[0].id: admin is AuthN's built-in user; a spec cannot change it".into(),
                format!(r#"users[1].id: user ID "-bob" {invalid}"#),
                // ext, Admin, Guest-c1 and Guest-u6 (a cluster without alias) are known.
                r#"users[2].roles[5]: role "ops" is already listed at [0]"#.into(),
                r#"users[2].roles[6]: role "dev" is not defined: add it to roles, or to external_roles if it exists on the server"#.into(),
                r#"users[3].id: user "alice" is already defined by users[2]"#.into(),
                format!("users[3].reset_password: needs a password: {source}"),
                format!("users[4].password: an inline password is refused: use {source}"),
            ]
        );
    }

    /// A spec without problems passes, and `check` hands back each user's password, in spec
    /// order, when it has a readable one.
    #[test]
    fn a_good_spec_passes_and_its_passwords_are_read() {
        let dir = std::env::temp_dir().join(format!("spec-check-{}", crate::secret::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("alice"), "al1ce-pw\n").unwrap();
        let unset = format!("AIS_AUTHN_TEST_UNSET_{}", crate::secret::random_id());
        let json = r#"{"clusters": [{"id": "u1", "alias": "c1", "urls": ["https://ais:8080"]},
                                    {"id": "u2", "alias": "c2"}],
                       "roles": [{"name": "ops", "acls": [{"cluster": "c1", "perms": "ro"},
                                                          {"cluster": "u2", "perms": "rw"},
                                                          {"cluster": "*", "perms": "none"},
                                                          {"cluster": "c1", "bucket": "s3://logs", "perms": "GET"},
                                                          {"cluster": "u1", "bucket": "gs://logs", "perms": "GET"}]}],
                       "users": [{"id": "alice", "roles": ["ops", "Guest-c2", "Admin"], "password": {"file": "alice"}},
                                 {"id": "bob", "roles": ["ext"]}],
                       "external_roles": ["ext"]}"#;
        let spec = Spec::from_json(json).unwrap().with_base_dir(&dir);
        spec.validate().unwrap();
        let (errors, passwords) = spec.check();
        assert!(errors.is_empty());
        let passwords: Vec<Option<&str>> = passwords
            .iter()
            .map(|p| p.as_ref().map(|s| s.expose()))
            .collect();
        assert_eq!(passwords, [Some("al1ce-pw"), None]);
        // Unreadable sources: no password, and the problem below the password's path.
        let json = format!(
            r#"{{"users": [{{"id": "a", "password": {{"file": "none"}}}},
                           {{"id": "b", "password": {{"env": "{unset}"}}}},
                           {{"id": "c", "password": {{"file": "alice"}}}}]}}"#
        );
        let spec = Spec::from_json(&json).unwrap().with_base_dir(&dir);
        let (errors, passwords) = spec.check();
        assert_eq!(
            paths(&errors),
            ["users[0].password.file", "users[1].password.env"]
        );
        assert_eq!(passwords.len(), 3);
        assert!(passwords[0].is_none() && passwords[1].is_none());
        assert_eq!(passwords[2].as_ref().map(|s| s.expose()), Some("al1ce-pw"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

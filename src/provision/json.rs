//! Reading a spec from JSON: every unknown field, missing field and value of the wrong type,
//! each with its JSON path, before serde builds the [`Spec`].

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::provision::errors::ValidationErrors;
use crate::provision::password::PASSWORD_FIELDS;
use crate::provision::spec::Spec;

/// The fields each object of a spec may have; [`check_shape`] reports any other.
const TOP_FIELDS: &[&str] = &["clusters", "roles", "users", "external_roles"];
const CLUSTER_FIELDS: &[&str] = &["id", "alias", "urls", "allow_plain_http"];
const ROLE_FIELDS: &[&str] = &["name", "description", "acls"];
const ACL_FIELDS: &[&str] = &["cluster", "bucket", "perms"];
const USER_FIELDS: &[&str] = &["id", "roles", "password", "reset_password"];

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
        let (value, errors) = shaped(text);
        errors.into_result()?;
        deserialize(value)
    }

    /// Reads a spec from JSON and checks it in one pass, relative `{"file": "path"}` password
    /// sources taken from `base_dir`: [`from_json`](Spec::from_json),
    /// [`with_base_dir`](Spec::with_base_dir) and [`validate`](Spec::validate) together, with
    /// every problem at once. A misspelt field does not hide the rest: when the only problems
    /// of shape are unknown fields, the spec is read without them and validated too, and both
    /// kinds are listed (shape first). `ais-authn validate`, `plan` and `apply` read specs so.
    ///
    /// # Errors
    /// [`ValidationErrors`]: every problem of shape and, unless a problem of shape other than
    /// an unknown field prevents reading the spec, every problem [`validate`](Spec::validate)
    /// finds.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::Spec;
    ///
    /// let errors = Spec::from_json_checked(
    ///     r#"{"users": [{"id": "bob", "roles": ["ops"], "pasword": {"env": "BOB_PW"}}]}"#,
    ///     ".",
    /// ).unwrap_err();
    /// let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    /// assert_eq!(shown, [
    ///     "users[0].pasword: unknown field; expected one of id, roles, password, reset_password",
    ///     r#"users[0].roles[0]: role "ops" is not defined: add it to roles, or to external_roles if it exists on the server"#,
    /// ]);
    /// ```
    pub fn from_json_checked(
        text: &str,
        base_dir: impl Into<PathBuf>,
    ) -> Result<Spec, ValidationErrors> {
        let (mut value, mut errors) = shaped(text);
        if !errors.iter().all(|e| e.message.starts_with(UNKNOWN_FIELD)) {
            return Err(errors);
        }
        without_unknown_fields(&mut value);
        let spec = match deserialize(value) {
            Ok(spec) => spec.with_base_dir(base_dir),
            Err(more) => {
                errors.errors.extend(more.errors);
                return Err(errors);
            }
        };
        if let Err(more) = spec.validate() {
            errors.errors.extend(more.errors);
        }
        errors.into_result().map(|()| spec)
    }
}

/// The text as JSON (`Null` when it is not) and its problems of shape.
fn shaped(text: &str) -> (Value, ValidationErrors) {
    let mut errors = ValidationErrors::default();
    match serde_json::from_str(text) {
        Ok(value) => {
            check_shape(&value, &mut errors);
            (value, errors)
        }
        Err(e) => {
            errors.push("", format!("not JSON: {e}"));
            (Value::Null, errors)
        }
    }
}

/// The spec a value of the right shape holds.
fn deserialize(value: Value) -> Result<Spec, ValidationErrors> {
    serde_json::from_value(value).map_err(|e| {
        let mut errors = ValidationErrors::default();
        errors.push("", e.to_string());
        errors
    })
}

/// How [`check_shape`] starts the message of an unknown field.
const UNKNOWN_FIELD: &str = "unknown field; expected one of";

/// Drops the fields [`check_shape`] reports as unknown, leaving a value serde can read when
/// they were its only problems.
fn without_unknown_fields(value: &mut Value) {
    fn keep<'v>(value: &'v mut Value, fields: &[&str]) -> Option<&'v mut Map<String, Value>> {
        let map = value.as_object_mut()?;
        map.retain(|key, _| fields.contains(&key.as_str()));
        Some(map)
    }
    fn items<'v>(
        map: &'v mut Map<String, Value>,
        key: &str,
    ) -> impl Iterator<Item = &'v mut Value> {
        map.get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
    }
    let Some(top) = keep(value, TOP_FIELDS) else {
        return;
    };
    for cluster in items(top, "clusters") {
        keep(cluster, CLUSTER_FIELDS);
    }
    for role in items(top, "roles") {
        if let Some(role) = keep(role, ROLE_FIELDS) {
            for acl in items(role, "acls") {
                keep(acl, ACL_FIELDS);
            }
        }
    }
    for user in items(top, "users") {
        if let Some(password) = keep(user, USER_FIELDS).and_then(|u| u.get_mut("password")) {
            keep(password, PASSWORD_FIELDS);
        }
    }
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
            if c.get("allow_plain_http").is_some_and(|v| !v.is_boolean()) {
                errors.push(format!("{path}.allow_plain_http"), "expected true or false");
            }
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
                        // None or two; an unknown key is reported as such, not as a second source.
                        let known = p.keys().filter(|k| PASSWORD_FIELDS.contains(&k.as_str()));
                        if p.is_empty() || known.count() > 1 {
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
                format!("{UNKNOWN_FIELD} {}", fields.join(", ")),
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
    use crate::provision::password::PasswordSource;
    use crate::provision::spec::{AclSpec, ClusterSpec, RoleSpec, UserSpec};

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
                allow_plain_http: true,
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
            ..Spec::default()
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
    fn a_misspelt_field_does_not_hide_the_other_problems() {
        let text = r#"{"extra": 1, "roles": [{"name": "ops", "acl": []}],
            "users": [{"id": "a", "roles": ["nope"], "password": {"env": "A", "x": 1}},
                      {"id": "b", "roles": ["ops"], "pasword": {"env": "B"}}]}"#;
        let errors = Spec::from_json_checked(text, ".").unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "extra",
                "roles[0].acl",
                "users[0].password.x",
                "users[1].pasword",
                "users[0].roles[0]",
                "users[0].password.env",
            ],
            "{errors}"
        );
        // The unknown fields alone are what from_json reports.
        let shape = Spec::from_json(text).unwrap_err();
        assert_eq!(paths(&shape), &paths(&errors)[..4]);
        // A problem of shape other than an unknown field stops there: the spec cannot be read.
        let errors = Spec::from_json_checked(
            r#"{"users": [{"id": 7, "roles": ["nope"]}], "extra": 1}"#,
            ".",
        )
        .unwrap_err();
        assert_eq!(paths(&errors), ["extra", "users[0].id"], "{errors}");
        // Valid: the spec, its base directory set.
        let spec = Spec::from_json_checked(r#"{"users": [{"id": "c"}]}"#, "/etc/authn").unwrap();
        assert_eq!(spec.users[0].id, "c");
        assert_eq!(spec.base_dir, Some(PathBuf::from("/etc/authn")));
        assert_eq!(paths(&Spec::from_json_checked("{", ".").unwrap_err()), [""]);
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
}

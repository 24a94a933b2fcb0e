//! Saved plans: a [`Plan`] written to a file ([`Plan::save`], [`SavedPlan::to_json`]) and
//! carried out later exactly as shown, or refused if the server changed in between
//! ([`SavedPlan::check`]). Public through [`provision`](crate::provision).
//!
//! The file is a versioned JSON document:
//!
//! ```text
//! {"format": "ais-authn-plan", "version": 1,
//!  "server": {"url": ..., "user": ..., "state": {"clusters": .., "roles": .., "users": ..}},
//!  "options": {"prune": .., "allow_own_admin_removal": ..},
//!  "spec": <the spec, relative password files made absolute>,
//!  "plan": <the plan as its JSON shows it>}
//! ```
//!
//! It holds password *sources* (environment variable names, file paths), never a password nor
//! a token: they are read again when the plan is checked. The server's state is stored whole
//! (canonical: sorted, ACL entries by cluster ID) rather than as a digest, so that a refusal
//! can say what changed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::env::replace_private_file;
use crate::client::Client;
use crate::error::Error;
use crate::provision::diff::build;
use crate::provision::errors::SavedPlanError;
use crate::provision::password::PasswordSource;
use crate::provision::plan::{Plan, PlanOptions};
use crate::provision::snapshot::{read_server, shape_of, Naming, Server};
use crate::provision::spec::{AclSpec, Spec};

/// What a plan was made from, kept in it (shared by its clones) so that it can be saved.
pub(crate) struct Origin {
    url: String,
    spec: Spec,
    options: PlanOptions,
    server: Server,
    /// How many actions the plan had: one trimmed by [`Plan::retain`] cannot be saved.
    actions: usize,
}

impl std::fmt::Debug for Origin {
    /// The server and options; not the spec and server state a plan's `Debug` already shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Origin")
            .field("url", &self.url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Origin {
    /// `planned`, made from `spec` and `options` against `server` (read through `client`),
    /// remembering all four.
    pub(crate) fn remember(
        mut planned: Plan,
        client: &Client,
        spec: &Spec,
        server: Server,
        options: &PlanOptions,
    ) -> Plan {
        planned.origin = Some(Arc::new(Origin {
            url: client.base_url().to_owned(),
            spec: spec.clone(),
            options: *options,
            server,
            actions: planned.len(),
        }));
        planned
    }
}

/// The document, as written and read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u64,
    server: Recorded,
    options: Options,
    spec: Spec,
    plan: Value,
}

/// The server the plan was made against, and what it held.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    url: String,
    /// The user the client was logged in as.
    #[serde(default)]
    user: Option<String>,
    state: Snapshot,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    prune: bool,
    allow_own_admin_removal: bool,
}

/// What the server held, canonical: everything sorted, role entries by cluster ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    clusters: BTreeMap<String, ClusterEntry>,
    roles: BTreeMap<String, RoleEntry>,
    /// Each user's role names, sorted.
    users: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterEntry {
    #[serde(default)]
    alias: String,
    #[serde(default)]
    urls: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntry {
    #[serde(default)]
    description: String,
    /// Clusters by ID (`*` for every cluster), sorted.
    #[serde(default)]
    acls: Vec<AclSpec>,
}

impl Snapshot {
    fn of(server: &Server) -> Snapshot {
        let by_id = Naming::new(std::iter::empty());
        let clusters = server.clusters.iter().map(|(id, c)| {
            let entry = ClusterEntry {
                alias: c.alias.clone(),
                urls: c.urls.clone(),
            };
            (id.clone(), entry)
        });
        let roles = server.roles.iter().map(|r| {
            let role = by_id.role(&r.name, &shape_of(r));
            let entry = RoleEntry {
                description: role.description,
                acls: role.acls,
            };
            (r.name.clone(), entry)
        });
        let users = server.users.iter().map(|(id, u)| {
            let mut roles: Vec<String> = u.roles.names().map(str::to_owned).collect();
            roles.sort();
            (id.clone(), roles)
        });
        Snapshot {
            clusters: clusters.collect(),
            roles: roles.collect(),
            users: users.collect(),
        }
    }

    /// What changed from `self` to `now`, in words, one entry per cluster, role or user.
    fn changes(&self, now: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        compare(
            &self.clusters,
            &now.clusters,
            "cluster",
            &mut out,
            |a, b| {
                let mut what = Vec::new();
                if a.alias != b.alias {
                    what.push(format!("alias {:?} -> {:?}", a.alias, b.alias));
                }
                if a.urls != b.urls {
                    what.push(format!("URLs {} -> {}", list(&a.urls), list(&b.urls)));
                }
                what
            },
        );
        compare(&self.roles, &now.roles, "role", &mut out, |a, b| {
            let mut what = Vec::new();
            if a.description != b.description {
                what.push(format!(
                    "description {:?} -> {:?}",
                    a.description, b.description
                ));
            }
            if a.acls != b.acls {
                let acls = |acls: &[AclSpec]| -> Vec<String> { acls.iter().map(acl).collect() };
                what.push(format!(
                    "permissions {} -> {}",
                    list(&acls(&a.acls)),
                    list(&acls(&b.acls))
                ));
            }
            what
        });
        compare(&self.users, &now.users, "user", &mut out, |a, b| {
            match a == b {
                true => Vec::new(),
                false => vec![format!("roles {} -> {}", list(a), list(b))],
            }
        });
        out
    }
}

/// Adds to `out` each entity deleted, created or changed (`differ` says how) from `was` to
/// `now`.
fn compare<T>(
    was: &BTreeMap<String, T>,
    now: &BTreeMap<String, T>,
    kind: &str,
    out: &mut Vec<String>,
    differ: impl Fn(&T, &T) -> Vec<String>,
) {
    for (name, a) in was {
        match now.get(name) {
            None => out.push(format!("{kind} {name} was deleted")),
            Some(b) => {
                let what = differ(a, b);
                if !what.is_empty() {
                    out.push(format!("{kind} {name} changed: {}", what.join("; ")));
                }
            }
        }
    }
    for name in now.keys().filter(|name| !was.contains_key(*name)) {
        out.push(format!("{kind} {name} was created"));
    }
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn acl(a: &AclSpec) -> String {
    match &a.bucket {
        Some(bucket) => format!("{} {bucket}: {}", a.cluster, a.perms),
        None => format!("{}: {}", a.cluster, a.perms),
    }
}

/// `spec` with every relative password file made absolute (from its base directory, else the
/// current one), so that the saved plan reads the same files from anywhere.
fn absolute_sources(spec: &Spec) -> Result<Spec, Error> {
    let mut spec = spec.clone();
    let base = spec.base_dir.take();
    for user in &mut spec.users {
        if let Some(PasswordSource::File(path)) = &mut user.password {
            if path.is_relative() {
                let joined = match &base {
                    Some(dir) => dir.join(&*path),
                    None => path.clone(),
                };
                *path = std::path::absolute(&joined).map_err(|e| {
                    Error::config_file("find the password file", Path::new(&joined), e)
                })?;
            }
        }
    }
    Ok(spec)
}

impl Plan {
    /// The plan as a [`SavedPlan`], to write to a file ([`SavedPlan::to_json`]) and carry out
    /// later, exactly, with [`SavedPlan::check`] then [`apply`](crate::provision::apply()).
    /// It records the server's URL, the user the client is logged in as, what the server held
    /// when the plan was made, the options, the spec (relative password files made absolute)
    /// and the actions. It holds no password and no token. Sends nothing.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`]: the plan was trimmed with [`Plan::retain`] (a saved plan
    ///   is carried out whole), or a password file path is not UTF-8.
    /// - [`Error::ConfigFile`]: the current directory, which a relative password file starts
    ///   from, cannot be read.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{plan, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// let planned = plan(&client, &spec, &PlanOptions::new())?;
    /// println!("{planned}");
    /// std::fs::write("authn.plan", planned.save()?.to_json())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self) -> Result<SavedPlan, Error> {
        let Some(origin) = self.origin.as_deref() else {
            return Err(Error::InvalidArgument(
                "only a plan from provision::plan can be saved".into(),
            ));
        };
        if self.len() != origin.actions {
            return Err(Error::InvalidArgument(format!(
                "this plan was trimmed to {} of its {} actions: a saved plan is carried out \
                 whole, so save the plan before trimming it",
                self.len(),
                origin.actions
            )));
        }
        let invalid = |e: serde_json::Error| Error::InvalidArgument(format!("cannot save: {e}"));
        let doc = Document {
            format: SavedPlan::FORMAT.to_owned(),
            version: SavedPlan::VERSION,
            server: Recorded {
                url: origin.url.clone(),
                user: origin.server.me.clone(),
                state: Snapshot::of(&origin.server),
            },
            options: Options {
                prune: origin.options.prune,
                allow_own_admin_removal: origin.options.allow_own_admin_removal,
            },
            spec: absolute_sources(&origin.spec)?,
            plan: serde_json::to_value(self).map_err(invalid)?,
        };
        let json = serde_json::to_value(&doc).map_err(invalid)?;
        Ok(SavedPlan { doc, json })
    }
}

/// A plan saved to be carried out later: made by [`Plan::save`] or read by
/// [`SavedPlan::from_json`]; [`check`](SavedPlan::check) plans again and gives the plan to
/// [`apply`](crate::provision::apply()) only when the server and the actions are as recorded.
/// It holds the spec with its password *sources*, never a password or a token.
///
/// # Example
/// ```no_run
/// use aistore_authn::provision::{apply, ApplyOptions, SavedPlan, SavedPlanError};
///
/// let client = aistore_authn::Client::from_env()?;
/// let saved = SavedPlan::from_json(&std::fs::read_to_string("authn.plan")?)?;
/// match saved.check(&client) {
///     Ok(plan) => println!("{}", apply(&client, &plan, &ApplyOptions::new())),
///     Err(SavedPlanError::Stale { changes, .. }) => eprintln!("plan again: {changes:?}"),
///     Err(e) => return Err(e.into()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SavedPlan {
    doc: Document,
    /// `doc` as JSON, made once (serializing a spec can fail on a path that is not UTF-8).
    json: Value,
}

impl SavedPlan {
    /// The value of the document's `"format"` field, which tells a saved plan from a spec.
    pub const FORMAT: &'static str = "ais-authn-plan";
    /// The version of the document this release writes and reads.
    pub const VERSION: u64 = 1;

    /// The saved plan as indented JSON, to write to a file (it holds no secret, but lists the
    /// server's users and roles: `ais-authn plan -o` writes it with mode 0600).
    ///
    /// # Example
    /// ```no_run
    /// # let client = aistore_authn::Client::from_env()?;
    /// # let spec = aistore_authn::provision::Spec::default();
    /// # let options = aistore_authn::provision::PlanOptions::new();
    /// let saved = aistore_authn::provision::plan(&client, &spec, &options)?.save()?;
    /// assert!(saved.to_json().starts_with("{\n  \"format\": \"ais-authn-plan\""));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        format!("{:#}", self.json)
    }

    /// Writes [`to_json`](SavedPlan::to_json) to `path`, readable and writable by its owner
    /// only (the plan lists the server's users and roles), replacing what is there in one
    /// rename so a reader never sees half a plan. Sends nothing.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] with the I/O error as its source: the directory does not exist or
    /// cannot be written.
    ///
    /// # Example
    /// ```no_run
    /// # let client = aistore_authn::Client::from_env()?;
    /// # let spec = aistore_authn::provision::Spec::default();
    /// # let options = aistore_authn::provision::PlanOptions::new();
    /// let saved = aistore_authn::provision::plan(&client, &spec, &options)?.save()?;
    /// saved.write_file(std::path::Path::new("authn.plan"))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_file(&self, path: &Path) -> Result<(), Error> {
        let body = self.to_json() + "\n";
        replace_private_file(path, body.as_bytes())
            .map_err(|e| Error::config_file("write the plan", path, e))
    }

    /// Reads a saved plan written by [`to_json`](SavedPlan::to_json). Sends nothing.
    ///
    /// # Errors
    /// [`SavedPlanError::Malformed`]: not JSON, not `"format": "ais-authn-plan"`, another
    /// `version` (one written by a later release), or a field missing, unknown or of the
    /// wrong type (the spec's problems with their JSON paths, below `spec`).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::{SavedPlan, SavedPlanError};
    ///
    /// let e = SavedPlan::from_json(r#"{"clusters": []}"#).unwrap_err();
    /// assert!(e.to_string().contains("ais-authn-plan"));
    /// ```
    pub fn from_json(text: &str) -> Result<SavedPlan, SavedPlanError> {
        let bad = |what: String| SavedPlanError::Malformed(what);
        let json: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        match json.get("format") {
            Some(Value::String(f)) if f == SavedPlan::FORMAT => {}
            Some(other) => {
                return Err(bad(format!(
                    "format {other}, not \"{}\"",
                    SavedPlan::FORMAT
                )))
            }
            None => {
                return Err(bad(format!(
                    "no \"format\": \"{}\" (a spec goes to plan, not here)",
                    SavedPlan::FORMAT
                )))
            }
        }
        match json.get("version").and_then(Value::as_u64) {
            Some(SavedPlan::VERSION) => {}
            Some(v) => {
                return Err(bad(format!(
                    "version {v}; this release reads version {}: make the plan again with it",
                    SavedPlan::VERSION
                )))
            }
            None => return Err(bad("no \"version\" number".into())),
        }
        // The spec's problems with their paths, as a spec file would show them.
        if let Err(errors) = Spec::from_json(&json["spec"].to_string()) {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| match e.path.as_str() {
                    "" => format!("spec: {}", e.message),
                    path => format!("spec.{path}: {}", e.message),
                })
                .collect();
            return Err(bad(lines.join("\n")));
        }
        let doc: Document = serde_json::from_value(json.clone()).map_err(|e| bad(e.to_string()))?;
        Ok(SavedPlan { doc, json })
    }

    /// The base URL of the server the plan was made for.
    ///
    /// # Example
    /// ```no_run
    /// # let saved = aistore_authn::provision::SavedPlan::from_json("")?;
    /// println!("made for {}", saved.server_url());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn server_url(&self) -> &str {
        &self.doc.server.url
    }

    /// The spec the plan was made from (relative password files made absolute).
    ///
    /// # Example
    /// ```no_run
    /// # let saved = aistore_authn::provision::SavedPlan::from_json("")?;
    /// println!("{} users", saved.spec().users.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spec(&self) -> &Spec {
        &self.doc.spec
    }

    /// The options the plan was made with; they are part of it.
    ///
    /// # Example
    /// ```no_run
    /// # let saved = aistore_authn::provision::SavedPlan::from_json("")?;
    /// if saved.options().prune {
    ///     println!("this plan deletes what its spec does not name");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> PlanOptions {
        PlanOptions::new()
            .prune(self.doc.options.prune)
            .allow_own_admin_removal(self.doc.options.allow_own_admin_removal)
    }

    /// Plans again and returns the plan, for [`apply`](crate::provision::apply()), only when
    /// nothing changed: the client's server is the one recorded, the server holds what it held
    /// (and the client is logged in as the same user), and the spec gives the recorded
    /// actions. Passwords are read from their sources now. Sends no write.
    ///
    /// Requests: `GET /v1/clusters`, `GET /v1/roles`, `GET /v1/users` (none when the server
    /// is another one).
    ///
    /// # Errors
    /// - [`SavedPlanError::OtherServer`]: the client's base URL is not the recorded one (as
    ///   spelled: `localhost` is not `127.0.0.1`); nothing sent.
    /// - [`SavedPlanError::Plan`]: what [`plan`](crate::provision::plan()) fails with: the
    ///   spec's problems ([`Error::InvalidArgument`], e.g. a password variable not set; nothing
    ///   sent), [`Error::Unauthorized`], [`Error::Transport`], [`Error::Decode`].
    /// - [`SavedPlanError::Stale`]: a cluster, role or user was created, deleted or changed,
    ///   or the client is logged in as another user: each change in words.
    /// - [`SavedPlanError::ActionsDiffer`]: the server is as recorded but the actions are not
    ///   what the spec gives (an edited file).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::SavedPlan;
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let saved = SavedPlan::from_json(&std::fs::read_to_string("authn.plan")?)?;
    /// let plan = saved.check(&client)?;
    /// println!("{plan}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, client: &Client) -> Result<Plan, SavedPlanError> {
        let recorded = &self.doc.server;
        if client.base_url() != recorded.url {
            return Err(SavedPlanError::OtherServer {
                planned: recorded.url.clone(),
                current: client.base_url().to_owned(),
            });
        }
        let spec = &self.doc.spec;
        let (errors, passwords) = spec.check();
        errors.into_result().map_err(Error::from)?;
        let server = read_server(client)?;
        let mut changes = recorded.state.changes(&Snapshot::of(&server));
        if server.me != recorded.user {
            let who = |user: &Option<String>| user.clone().unwrap_or_else(|| "nobody".into());
            changes.push(format!(
                "the plan was made logged in as {}, this client is logged in as {}",
                who(&recorded.user),
                who(&server.me)
            ));
        }
        if !changes.is_empty() {
            return Err(SavedPlanError::Stale { changes });
        }
        let options = self.options();
        let planned = build(spec, passwords, &server, &options).map_err(Error::from)?;
        let now = serde_json::to_value(&planned)
            .map_err(|e| Error::InvalidArgument(format!("cannot show the plan: {e}")))?;
        let differences = differences(&self.doc.plan, &now);
        if !differences.is_empty() {
            return Err(SavedPlanError::ActionsDiffer { differences });
        }
        Ok(Origin::remember(planned, client, spec, server, &options))
    }
}

/// How the plan in the file differs from the one the spec gives now, action by action.
fn differences(saved: &Value, now: &Value) -> Vec<String> {
    let actions = |plan: &Value| plan["actions"].as_array().cloned().unwrap_or_default();
    let (saved_actions, now_actions) = (actions(saved), actions(now));
    let summary = |a: Option<&Value>| match a {
        None => "nothing".to_owned(),
        Some(a) => {
            let field = |k: &str| a[k].as_str().unwrap_or("?").to_owned();
            format!("{} {} {}", field("op"), field("kind"), field("name"))
        }
    };
    let mut out = Vec::new();
    for i in 0..saved_actions.len().max(now_actions.len()) {
        let (a, b) = (saved_actions.get(i), now_actions.get(i));
        if a != b {
            let (was, is) = (summary(a), summary(b));
            out.push(match was == is {
                true => format!("#{i} {was}: its details differ"),
                false => format!("#{i}: the file has {was}, the spec gives {is}"),
            });
        }
    }
    if saved.get("protected") != now.get("protected") {
        out.push("what pruning keeps differs".to_owned());
    }
    if out.is_empty() && saved != now {
        out.push("the plan's other fields differ".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::info::{ClusterInfo, RoleInfo, UserInfo};
    use crate::provision::plan::Op;
    use crate::secret::Secret;

    const PASSWORD: &str = "n0t-in-the-file";

    /// A server with cluster `u1` (alias c1), roles Admin, ops and Guest-c1, users admin and
    /// alice (ops).
    fn server() -> Server {
        let mut admin = RoleInfo::new("Admin", "AuthN administrator");
        admin.admin = true;
        let ops = RoleInfo::new("ops", "operators");
        let guest = RoleInfo::new("Guest-c1", "Read-only access to buckets in u1[c1]");
        let mut server = Server {
            me: Some("admin".into()),
            roles: vec![admin.clone(), ops.clone(), guest].into(),
            ..Server::default()
        };
        server
            .clusters
            .insert("u1".into(), ClusterInfo::new("u1", "c1", &[]));
        server
            .users
            .insert("admin".into(), UserInfo::new("admin", vec![admin]));
        server
            .users
            .insert("alice".into(), UserInfo::new("alice", vec![ops]));
        server
    }

    fn spec() -> Spec {
        Spec::from_json(
            r#"{"roles": [{"name": "ops", "description": "operators",
                           "acls": [{"cluster": "c1", "perms": "ro"}]}],
                "users": [{"id": "alice", "roles": ["ops", "Guest-c1"]},
                          {"id": "bob", "roles": ["ops"], "password": {"file": "secrets/bob"}},
                          {"id": "carol", "roles": ["ops"], "password": {"env": "CAROL_PW"}}]}"#,
        )
        .unwrap()
        .with_base_dir("/etc/authn")
    }

    fn planned(spec: &Spec, server: Server) -> Plan {
        let client = Client::new("http://127.0.0.1:1").unwrap();
        let pw = || Some(Secret::new(PASSWORD.into()));
        let options = PlanOptions::new();
        let plan = build(spec, vec![None, pw(), pw()], &server, &options).unwrap();
        Origin::remember(plan, &client, spec, server, &options)
    }

    #[test]
    fn a_saved_plan_reads_back_and_holds_sources_not_passwords() {
        let plan = planned(&spec(), server());
        let text = plan.save().unwrap().to_json();
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(
            text.contains(r#""file": "/etc/authn/secrets/bob""#),
            "{text}"
        );
        assert!(text.contains(r#""env": "CAROL_PW""#), "{text}");
        let saved = SavedPlan::from_json(&text).unwrap();
        assert_eq!(saved.server_url(), "http://127.0.0.1:1");
        assert_eq!(saved.options(), PlanOptions::new());
        assert_eq!(saved.spec().users.len(), 3);
        assert_eq!(saved.spec().base_dir(), None);
        assert_eq!(saved.to_json(), text);
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["server"]["user"], "admin");
        assert_eq!(json["server"]["state"]["users"]["alice"][0], "ops");
        assert_eq!(json["plan"], serde_json::to_value(&plan).unwrap());
    }

    #[test]
    fn a_relative_password_file_without_a_base_starts_at_the_current_directory() {
        let spec = Spec {
            base_dir: None,
            ..spec()
        };
        let saved = absolute_sources(&spec).unwrap();
        let Some(PasswordSource::File(path)) = &saved.users[1].password else {
            panic!("{saved:?}")
        };
        assert_eq!(path, &std::env::current_dir().unwrap().join("secrets/bob"));
    }

    #[test]
    fn a_trimmed_plan_or_one_not_from_plan_cannot_be_saved() {
        let mut plan = planned(&spec(), server());
        assert!(plan.save().is_ok());
        plan.retain(|a| a.op != Op::Create);
        let e = plan.save().unwrap_err().to_string();
        assert!(e.contains("trimmed to 2 of its 4 actions"), "{e}");
        plan.origin = None;
        assert!(matches!(plan.save(), Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn what_is_not_a_saved_plan_is_refused_saying_why() {
        let text = planned(&spec(), server()).save().unwrap().to_json();
        let refused = |text: &str| match SavedPlan::from_json(text) {
            Err(SavedPlanError::Malformed(why)) => why,
            other => panic!("{other:?}"),
        };
        assert!(refused("{").starts_with("not JSON"));
        assert!(refused(r#"{"users": []}"#).contains("a spec goes to plan"));
        assert!(refused(r#"{"format": "tf-plan"}"#).contains(r#"format "tf-plan""#));
        let later = text.replace(r#""version": 1"#, r#""version": 2"#);
        assert!(refused(&later).contains("version 2; this release reads version 1"));
        let typo = text.replace(r#""id": "bob""#, r#""idd": "bob""#);
        assert!(refused(&typo).contains("spec.users[1].idd: unknown field"));
        let extra = text.replace(r#""version": 1"#, r#""version": 1, "extra": 0"#);
        assert!(refused(&extra).contains("unknown field `extra`"));
        let no_state = text.replace(r#""state""#, r#""stat""#);
        assert!(refused(&no_state).contains("stat"));
    }

    #[test]
    fn changes_are_named_entity_by_entity() {
        let was = Snapshot::of(&server());
        let mut now = server();
        now.clusters.clear();
        now.roles = vec![RoleInfo::new("ops", "ops!"), RoleInfo::new("new", "")].into();
        now.users.insert(
            "alice".into(),
            UserInfo::new("alice", vec![RoleInfo::new("Guest-c1", "")]),
        );
        now.users.remove("admin");
        assert_eq!(
            was.changes(&Snapshot::of(&now)),
            [
                "cluster u1 was deleted",
                "role Admin was deleted",
                "role Guest-c1 was deleted",
                r#"role ops changed: description "operators" -> "ops!""#,
                "role new was created",
                "user admin was deleted",
                "user alice changed: roles [ops] -> [Guest-c1]",
            ]
        );
        assert!(was.changes(&Snapshot::of(&server())).is_empty());
    }

    #[test]
    fn differences_name_each_action_that_differs() {
        let plan = serde_json::to_value(planned(&spec(), server())).unwrap();
        assert!(differences(&plan, &plan).is_empty());
        let mut edited = plan.clone();
        edited["actions"][1]["after"]["roles"][0] = "Admin".into();
        edited["actions"][2]["name"] = "mallory".into();
        edited["actions"]
            .as_array_mut()
            .unwrap()
            .push(plan["actions"][0].clone());
        assert_eq!(
            differences(&edited, &plan),
            [
                "#1 update user alice: its details differ",
                "#2: the file has create user mallory, the spec gives create user bob",
                "#4: the file has update role ops, the spec gives nothing",
            ]
        );
    }
}

//! Applying a plan: its requests in dependency order, each phase on bounded parallel workers
//! sharing one client. Public through [`provision`](crate::provision).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::api::clusters::ClusterManager;
use crate::api::roles::RoleManager;
use crate::api::users::UserManager;
use crate::client::Client;
use crate::error::Error;
use crate::provision::plan::{Action, Phase, Plan, Work};
use crate::provision::report::{stopped_reason, ApplyCounts, ApplyReport, Outcome, Status};

/// The number of workers [`apply`] uses unless told otherwise.
pub const DEFAULT_PARALLEL: usize = 4;

/// How many transport failures an [`apply`] takes before it starts no new action, unless told
/// otherwise ([`ApplyOptions::stop_after_transport_failures`]).
pub const DEFAULT_STOP_AFTER_TRANSPORT_FAILURES: usize = 3;

/// How to apply: [`ApplyOptions::new`], then the builder methods.
///
/// # Example
/// ```
/// use aistore_authn::provision::ApplyOptions;
///
/// let options = ApplyOptions::new().parallel(16);
/// assert_eq!((options.parallel, options.verify), (16, true));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// How many actions run at once, each a thread sharing the client (its connection pool
    /// keeps [`ClientBuilder::max_idle_connections`](crate::ClientBuilder::max_idle_connections)
    /// idle). At least 1; default [`DEFAULT_PARALLEL`].
    pub parallel: usize,
    /// After the writes, read the users once (`GET /v1/users`) and report a user create or
    /// update as failed when the user lacks a role it was given: AuthN silently drops a role
    /// that does not exist (deleted since the plan was made). Default: true.
    pub verify: bool,
    /// After this many actions have failed with an [`Error::Transport`] (a timeout, a
    /// refused or broken connection), start no new action: see
    /// [`ApplyOptions::stop_after_transport_failures`]. 0: never stop. Default
    /// [`DEFAULT_STOP_AFTER_TRANSPORT_FAILURES`].
    pub stop_after_transport_failures: usize,
    /// Called after each action ([`ApplyOptions::progress`]).
    progress: Option<Arc<ProgressFn>>,
}

/// A progress callback, shared by the workers.
type ProgressFn = dyn Fn(Progress<'_>) + Send + Sync;

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("parallel", &self.parallel)
            .field("verify", &self.verify)
            .field(
                "stop_after_transport_failures",
                &self.stop_after_transport_failures,
            )
            .field("progress", &self.progress.as_ref().map(|_| "Fn(Progress)"))
            .finish()
    }
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions {
            parallel: DEFAULT_PARALLEL,
            verify: true,
            stop_after_transport_failures: DEFAULT_STOP_AFTER_TRANSPORT_FAILURES,
            progress: None,
        }
    }
}

impl ApplyOptions {
    /// The defaults: [`DEFAULT_PARALLEL`] workers, verifying, stopping after
    /// [`DEFAULT_STOP_AFTER_TRANSPORT_FAILURES`] transport failures.
    ///
    /// # Example
    /// ```
    /// let options = aistore_authn::provision::ApplyOptions::new();
    /// assert_eq!(options.parallel, aistore_authn::provision::DEFAULT_PARALLEL);
    /// ```
    pub fn new() -> ApplyOptions {
        ApplyOptions::default()
    }

    /// How many actions run at once (0 counts as 1).
    ///
    /// # Example
    /// ```
    /// let one_at_a_time = aistore_authn::provision::ApplyOptions::new().parallel(1);
    /// ```
    #[must_use]
    pub fn parallel(mut self, workers: usize) -> ApplyOptions {
        self.parallel = workers.max(1);
        self
    }

    /// Whether to read the users back once at the end (see [`ApplyOptions::verify`]).
    ///
    /// # Example
    /// ```
    /// let options = aistore_authn::provision::ApplyOptions::new().verify(false);
    /// assert!(!options.verify);
    /// ```
    #[must_use]
    pub fn verify(mut self, verify: bool) -> ApplyOptions {
        self.verify = verify;
        self
    }

    /// Once `failures` actions have failed with an [`Error::Transport`] (the server timed
    /// out, refused or broke the connection), start no new action: the ones not started are
    /// reported [`Status::NotAttempted`], the report's
    /// [`stopped_after`](ApplyReport::stopped_after) says so, and nothing more is sent (not
    /// even the verification). The actions under way finish, each within the client's
    /// [`timeout`](crate::ClientBuilder::timeout). So a server that stops answering ends the
    /// apply in about two timeouts, not one timeout per action. 0: never stop. Default
    /// [`DEFAULT_STOP_AFTER_TRANSPORT_FAILURES`].
    ///
    /// # Example
    /// ```
    /// let options = aistore_authn::provision::ApplyOptions::new().stop_after_transport_failures(1);
    /// assert_eq!(options.stop_after_transport_failures, 1);
    /// ```
    #[must_use]
    pub fn stop_after_transport_failures(mut self, failures: usize) -> ApplyOptions {
        self.stop_after_transport_failures = failures;
        self
    }

    /// Calls `progress` after each action finishes, whatever its outcome: for a progress bar
    /// or a line per action on a long apply. It runs on the worker that ran the action, one
    /// call at a time (keep it short: the other workers wait to report theirs), so it must be
    /// `Send + Sync`; a second call replaces the first callback. Default: none.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{apply, plan, ApplyOptions, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// let plan = plan(&client, &spec, &PlanOptions::new())?;
    /// let options = ApplyOptions::new().progress(|p| eprintln!("{}/{} {}", p.finished, p.total, p.outcome));
    /// let report = apply(&client, &plan, &options);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn progress(
        mut self,
        progress: impl Fn(Progress<'_>) + Send + Sync + 'static,
    ) -> ApplyOptions {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// How far an [`apply`] has come: given to the [`ApplyOptions::progress`] callback after each
/// action, with that action's outcome. The counts are those of [`ApplyReport::counts`] so far:
/// after the last action they are the report's, unless the verification that follows finds a
/// role missing from a user (then that done action is failed in the report).
///
/// # Example
/// ```
/// use aistore_authn::provision::Progress;
///
/// fn show(p: Progress<'_>) {
///     eprintln!("[{}/{}] {} ({})", p.finished, p.total, p.outcome, p.counts);
/// }
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Progress<'a> {
    /// The action that just finished, and what became of it.
    pub outcome: &'a Outcome,
    /// Actions finished so far, whatever their outcome (the sum of `counts`).
    pub finished: usize,
    /// The finished actions by outcome: done, failed, may have been applied, skipped, not
    /// attempted.
    pub counts: ApplyCounts,
    /// Actions in the plan.
    pub total: usize,
}

/// Carries out `plan`: clusters, then roles, then users, then the deletes of pruning (users,
/// roles, clusters), each phase on up to `options.parallel` threads sharing `client`. Every
/// action is tried once; a failure stops nothing but the actions that depend on it, which are
/// skipped with the reason, until [`ApplyOptions::stop_after_transport_failures`] actions
/// have failed with a transport error: then no new action starts. Never panics, never returns
/// early: the report says what was done.
///
/// An action whose request failed after it may have reached the server (a timeout waiting for
/// the reply, a broken connection: [`Error::may_have_arrived`]) is [`Status::Unknown`], not
/// failed: it may have been applied, and the next plan shows whether it was. Each request is
/// bounded by the client's [`timeout`](crate::ClientBuilder::timeout).
///
/// Requests: exactly those in each action's [`requests`](crate::provision::Action::requests)
/// (a user create is one `POST /v1/users`; a role create one `POST /v1/roles`), then with
/// [`ApplyOptions::verify`] one `GET /v1/users` when a user was created or given roles (not
/// after a stop). Needs an admin token. The [`ApplyOptions::progress`] callback, if any, is
/// called after each action.
///
/// After a successful apply, a new [`plan`](crate::provision::plan) of the same spec is empty
/// (unless a user has `reset_password`, which plans a reset every time).
///
/// # Example
/// ```no_run
/// use aistore_authn::provision::{apply, plan, ApplyOptions, PlanOptions, Spec};
///
/// let client = aistore_authn::Client::from_env()?;
/// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
/// let plan = plan(&client, &spec, &PlanOptions::new())?;
/// let report = apply(&client, &plan, &ApplyOptions::new().parallel(8));
/// println!("{report}");
/// assert!(report.is_success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply(client: &Client, plan: &Plan, options: &ApplyOptions) -> ApplyReport {
    let actions = plan.actions();
    let total = actions.len();
    let index = Index::new(actions);
    let counts = Mutex::new(ApplyCounts::default());
    let transport_failures = AtomicUsize::new(0);
    let limit = options.stop_after_transport_failures;
    let stopped = || limit > 0 && transport_failures.load(Ordering::SeqCst) >= limit;
    let slots: Vec<OnceLock<Outcome>> = actions.iter().map(|_| OnceLock::new()).collect();
    for phase in Phase::ALL {
        // Positions, not ids: an id says nothing about where an action is.
        let positions: Vec<usize> = (0..total).filter(|&p| actions[p].phase == phase).collect();
        each(&positions, options.parallel, |position| {
            let (status, completed) = match stopped() {
                true => (Status::NotAttempted(stopped_reason(limit)), 0),
                false => run(client, actions, &index, &slots, position),
            };
            let transport = match &status {
                Status::Failed(e) | Status::Unknown(e) => matches!(e, Error::Transport { .. }),
                _ => false,
            };
            if transport {
                transport_failures.fetch_add(1, Ordering::SeqCst);
            }
            // Each position runs once, so the slot is empty.
            let outcome =
                slots[position].get_or_init(|| outcome(&actions[position], status, completed));
            // One call at a time, under the lock: the counts a callback sees only grow.
            let mut counts = counts.lock().unwrap_or_else(PoisonError::into_inner);
            counts.add(&outcome.status);
            if let Some(progress) = &options.progress {
                progress(Progress {
                    outcome,
                    finished: counts.total(),
                    counts: *counts,
                    total,
                });
            }
        });
    }
    let stopped_after = stopped().then_some(limit);
    let mut outcomes: Vec<Outcome> = actions
        .iter()
        .zip(slots)
        .map(|(action, slot)| {
            slot.into_inner()
                .unwrap_or_else(|| outcome(action, Status::Skipped("not run".into()), 0))
        })
        .collect();
    let verification = match options.verify && stopped_after.is_none() {
        true => verify(client, actions, &mut outcomes),
        false => None,
    };
    ApplyReport {
        outcomes,
        verification,
        stopped_after,
    }
}

/// The outcome of `action`: `status`, after its first `completed` requests succeeded.
fn outcome(action: &Action, status: Status, completed: usize) -> Outcome {
    Outcome {
        id: action.id,
        op: action.op,
        kind: action.kind,
        name: action.name.clone(),
        status,
        completed: action.requests.iter().take(completed).cloned().collect(),
    }
}

/// Where each action id is in the plan: dependencies are looked up here, never by indexing
/// with an id.
struct Index(HashMap<usize, Option<usize>>);

impl Index {
    fn new(actions: &[Action]) -> Index {
        let mut at: HashMap<usize, Option<usize>> = HashMap::new();
        for (position, action) in actions.iter().enumerate() {
            // An id held twice stands for no one action.
            at.entry(action.id)
                .and_modify(|p| *p = None)
                .or_insert(Some(position));
        }
        Index(at)
    }

    /// The position of action `id`: `Err` says why there is no single one.
    fn find(&self, id: usize) -> Result<usize, &'static str> {
        match self.0.get(&id) {
            Some(Some(position)) => Ok(*position),
            Some(None) => Err("which the plan holds more than once"),
            None => Err("which is not in the plan"),
        }
    }
}

/// Calls `f` for each of `ids` (positions) on up to `workers` threads.
fn each(ids: &[usize], workers: usize, f: impl Fn(usize) + Sync) {
    let workers = workers.max(1).min(ids.len());
    if workers <= 1 {
        ids.iter().copied().for_each(f);
        return;
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(&id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    f(id);
                }
            });
        }
    });
}

/// Runs the action at `position` unless one it depends on was not done; returns its status
/// and how many of its requests succeeded. An action whose id the plan holds twice is not
/// run: which of them would the others wait for?
fn run(
    client: &Client,
    actions: &[Action],
    index: &Index,
    slots: &[OnceLock<Outcome>],
    position: usize,
) -> (Status, usize) {
    let action = &actions[position];
    if index.find(action.id).is_err() {
        let why = format!(
            "the plan holds more than one action #{}: none of them is run",
            action.id
        );
        return (Status::Failed(Error::InvalidArgument(why)), 0);
    }
    for &dep in &action.depends_on {
        let why = match index.find(dep) {
            Err(why) => why.to_owned(),
            Ok(p) => {
                let on = &actions[p];
                let state = match slots[p].get().map(|o| &o.status) {
                    Some(Status::Done) => continue,
                    Some(Status::Failed(e)) => format!("which failed: {e}"),
                    Some(Status::Unknown(e)) => format!("which may have been applied: {e}"),
                    Some(Status::Skipped(_)) => "which was skipped".to_owned(),
                    Some(Status::NotAttempted(_)) => "which was not attempted".to_owned(),
                    None => "which did not run".to_owned(),
                };
                format!("({} {} {}), {state}", on.op, on.kind, on.name)
            }
        };
        return (Status::Skipped(format!("depends on #{dep} {why}")), 0);
    }
    match execute(client, action) {
        (Ok(()), done) => (Status::Done, done),
        (Err(e), done) if e.may_have_arrived() => (Status::Unknown(e), done),
        (Err(e), done) => (Status::Failed(e), done),
    }
}

/// Sends the action's requests, stopping at the first failure; returns the result and how
/// many succeeded.
fn execute(client: &Client, action: &Action) -> (Result<(), Error>, usize) {
    // A spec entry's allow_plain_http reaches the cluster manager, which checks the URLs.
    let clusters =
        |allow_plain_http: bool| ClusterManager::new(client).allow_plain_http(allow_plain_http);
    let roles = RoleManager::new(client);
    let users = UserManager::new(client);
    let one = |result: Result<(), Error>| {
        let done = usize::from(result.is_ok());
        (result, done)
    };
    let two = |first: Result<(), Error>, second: &dyn Fn() -> Result<(), Error>| match first {
        Err(e) => (Err(e), 0),
        Ok(()) => match second() {
            Err(e) => (Err(e), 1),
            Ok(()) => (Ok(()), 2),
        },
    };
    match &action.work {
        Work::CreateCluster {
            id,
            alias,
            urls,
            allow_plain_http,
        } => one(clusters(*allow_plain_http).post(id, alias, &strs(urls))),
        Work::UpdateCluster {
            id,
            alias,
            urls,
            allow_plain_http,
        } => {
            let urls = urls.as_deref().map(strs);
            one(clusters(*allow_plain_http).put(id, alias.as_deref(), urls.as_deref()))
        }
        Work::RecreateCluster {
            id,
            alias,
            urls,
            allow_plain_http,
        } => {
            let clusters = clusters(*allow_plain_http);
            // Checked before the DELETE: a refused URL leaves the cluster registered.
            if let Err(e) = clusters.check_urls(&strs(urls)) {
                return (Err(e), 0);
            }
            two(clusters.delete(id, false), &|| {
                clusters.post(id, alias, &strs(urls))
            })
        }
        Work::DeleteCluster(id) => one(clusters(false).delete(id, false)),
        Work::CreateRole(role) => one(roles.post(role)),
        Work::UpdateRole(role) => one(roles.put(role)),
        Work::RecreateRole(role) => two(roles.delete(&role.name, false), &|| roles.post(role)),
        Work::DeleteRole(name) => one(roles.delete(name, false)),
        Work::CreateUser {
            id,
            roles,
            password,
        } => one(users.create_with_roles(id, roles, password.expose())),
        Work::UpdateUser {
            id,
            roles,
            password,
        } => one(users.put(id, password.as_ref().map(|p| p.expose()), roles.as_deref())),
        Work::DeleteUser(id) => one(users.delete(id, false)),
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Reads the users once and fails each done user create or update whose user lacks a role it
/// was given (AuthN drops unknown role names silently). Returns the read's error, if any.
fn verify(client: &Client, actions: &[Action], outcomes: &mut [Outcome]) -> Option<Error> {
    let to_check: Vec<(&Action, &mut Outcome)> = actions
        .iter()
        .zip(outcomes.iter_mut())
        .filter(|(a, o)| a.work.user_roles().is_some() && o.is_done())
        .collect();
    if to_check.is_empty() {
        return None;
    }
    let users = match UserManager::new(client).list() {
        Ok(users) => users,
        Err(e) => return Some(e),
    };
    for (action, outcome) in to_check {
        let Some((user, roles)) = action.work.user_roles() else {
            continue;
        };
        let error = match users.get(user) {
            None => Some(Error::UserNotFound(user.to_owned())),
            Some(stored) => {
                let held: HashSet<&str> = stored.roles.names().collect();
                roles
                    .iter()
                    .find(|r| !held.contains(r.name.as_str()))
                    .map(|r| Error::RoleNotFound(r.name.clone()))
            }
        };
        if let Some(e) = error {
            outcome.status = Status::Failed(e);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::info::{RoleInfo, RolesList, UserInfo};
    use crate::provision::diff::build;
    use crate::provision::plan::PlanOptions;
    use crate::provision::snapshot::Server;
    use crate::provision::spec::Spec;
    use crate::secret::Secret;
    use crate::transport::retry::RetryPolicy;

    /// A plan with dependencies across every phase: a cluster, two roles, three users, and a
    /// prune.
    fn plan() -> Plan {
        let spec = Spec::from_json(
            r#"{"clusters": [{"id": "u1", "alias": "c1"}],
                "roles": [{"name": "ops", "acls": [{"cluster": "c1", "perms": "ro"}]},
                          {"name": "dev", "acls": [{"cluster": "*", "perms": "GET"}]}],
                "users": [{"id": "alice", "roles": ["ops", "Guest-c1"]},
                          {"id": "bob", "roles": ["dev"]},
                          {"id": "carol", "roles": ["ops"]}]}"#,
        )
        .unwrap();
        let mut admin = RoleInfo::new("Admin", "");
        admin.admin = true;
        let roles: RolesList = vec![admin.clone(), RoleInfo::new("stray", "")].into();
        let mut server = Server {
            roles,
            ..Server::default()
        };
        for (id, role) in [("admin", &admin), ("eve", &RoleInfo::new("stray", ""))] {
            let user = UserInfo::new(id, vec![role.clone()]);
            server.users.insert(id.to_owned(), user);
        }
        let pw = || Some(Secret::new("s3cret-pw".into()));
        build(
            &spec,
            vec![pw(), pw(), pw()],
            &server,
            &PlanOptions::new().prune(true),
        )
        .unwrap()
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Drop(usize),
        Swap(usize, usize),
        Duplicate(usize),
        Dangle(usize, usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            any::<usize>().prop_map(Edit::Drop),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
            any::<usize>().prop_map(Edit::Duplicate),
            (any::<usize>(), 0..20usize).prop_map(|(a, id)| Edit::Dangle(a, id)),
        ]
    }

    fn edited(edits: &[Edit]) -> Plan {
        let mut plan = plan();
        let actions = plan.actions_mut();
        for e in edits {
            let n = actions.len();
            if n == 0 {
                break;
            }
            match *e {
                Edit::Drop(a) => drop(actions.remove(a % n)),
                Edit::Swap(a, b) => actions.swap(a % n, b % n),
                Edit::Duplicate(a) => actions.push(actions[a % n].clone()),
                // An id that may or may not be in the plan (the plan has 10 actions).
                Edit::Dangle(a, id) => actions[a % n].depends_on.push(id),
            }
        }
        plan
    }

    #[test]
    fn the_plan_has_dependencies_in_every_phase() {
        let shown: Vec<String> = plan()
            .actions()
            .iter()
            .map(|a| format!("{} {} {:?}", a.op, a.name, a.depends_on))
            .collect();
        assert_eq!(
            shown,
            [
                "create u1 []",
                "create ops [0]",
                "create dev []",
                "create alice [0, 1]",
                "create bob [2]",
                "create carol [1]",
                "delete eve []",
                "delete stray []"
            ]
        );
    }

    fn unreachable() -> Client {
        Client::builder("http://127.0.0.1:1")
            .proxy_from_env(false)
            .token("not-a-token")
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }

    /// A spec cluster's `allow_plain_http` reaches the cluster manager: without it a plain
    /// http URL to another host is refused before anything is sent, even in a plan that was
    /// not validated (issue 17, item 2).
    #[test]
    fn apply_registers_plain_http_urls_only_when_the_spec_allows_them() {
        for allow in [false, true] {
            let spec = Spec::from_json(&format!(
                r#"{{"clusters": [{{"id": "u1", "urls": ["http://ais.example:8080"],
                                    "allow_plain_http": {allow}}}]}}"#
            ))
            .unwrap();
            let plan = build(&spec, vec![], &Server::default(), &PlanOptions::new()).unwrap();
            let report = apply(&unreachable(), &plan, &ApplyOptions::new());
            match &report.outcomes[0].status {
                Status::Failed(Error::InvalidArgument(why)) => {
                    assert!(!allow, "{why}");
                    assert!(
                        why.contains("http://ais.example:8080 is plain http"),
                        "{why}"
                    );
                }
                Status::Failed(Error::Transport { .. }) => assert!(allow),
                other => panic!("{other:?}"),
            }
        }
    }

    /// A refused connection is a plain failure (nothing arrived), and it counts toward the
    /// stop: after three, nothing more is started. The progress calls count what the report
    /// counts.
    #[test]
    fn refused_connections_fail_and_stop_the_apply_after_three() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let calls = Arc::clone(&seen);
        let options = ApplyOptions::new().parallel(1).progress(move |p| {
            let line = format!("{}/{} {}: {}", p.finished, p.total, p.outcome, p.counts);
            calls.lock().unwrap().push(line);
        });
        let report = apply(&unreachable(), &plan(), &options);
        // The refusal as the system words it, cut out of the skip reasons.
        let refused = |i: usize| match &report.outcomes[i].status {
            Status::Failed(e) => {
                assert!(!e.may_have_arrived(), "{e}");
                e.to_string()
            }
            other => panic!("{other:?}"),
        };
        let (cluster, role, user) = (refused(0), refused(2), refused(6));
        assert!(cluster.starts_with("POST /v1/clusters: connection failed"));
        assert!(user.starts_with("DELETE /v1/users/eve: connection failed"));
        let got: Vec<String> = report
            .outcomes
            .iter()
            .map(|o| {
                o.to_string()
                    .replace(&cluster, "E0")
                    .replace(&role, "E2")
                    .replace(&user, "E6")
            })
            .collect();
        assert_eq!(
            got,
            [
                "#0 create cluster u1: failed: E0",
                "#1 create role ops: skipped: depends on #0 (create cluster u1), which failed: E0",
                "#2 create role dev: failed: E2",
                "#3 create user alice: skipped: depends on #0 (create cluster u1), which failed: E0",
                "#4 create user bob: skipped: depends on #2 (create role dev), which failed: E2",
                "#5 create user carol: skipped: depends on #1 (create role ops), which was skipped",
                "#6 delete user eve: failed: E6",
                "#7 delete role stray: not attempted: apply stopped after 3 transport failures",
            ]
        );
        assert_eq!(report.stopped_after, Some(3));
        let counts = report.counts();
        assert_eq!(
            counts.to_string(),
            "0 done, 3 failed, 4 skipped, 1 not attempted"
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 8);
        let last = seen.last().unwrap();
        assert!(
            last.starts_with("8/8 #7 delete role stray: not attempted")
                && last.ends_with(&format!(": {counts}")),
            "{last}"
        );
        assert!(report.to_string().starts_with(&format!(
            "{counts}\napply stopped after 3 transport failures\n"
        )));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever is dropped, reordered, duplicated or made to depend on what is not there,
        /// apply answers with a status per action, never a panic: an id held twice is refused
        /// with `InvalidArgument`; an action waiting for one that is missing, or was not done,
        /// is skipped; the others are sent (and fail here: nothing listens).
        #[test]
        fn an_edited_plan_never_panics(
            edits in proptest::collection::vec(edit(), 0..8),
            parallel in 1..4usize,
        ) {
            let plan = edited(&edits);
            let options = ApplyOptions::new().parallel(parallel).stop_after_transport_failures(0);
            let report = apply(&unreachable(), &plan, &options);
            prop_assert_eq!(report.outcomes.len(), plan.len());
            for (action, outcome) in plan.actions().iter().zip(&report.outcomes) {
                prop_assert_eq!(outcome.id, action.id);
                let twice = plan.actions().iter().filter(|a| a.id == action.id).count() > 1;
                match &outcome.status {
                    Status::Failed(Error::InvalidArgument(why)) => {
                        prop_assert!(twice, "{}", why);
                        prop_assert!(why.contains("more than one action"), "{}", why);
                    }
                    Status::Failed(e) => prop_assert!(!twice && action.depends_on.is_empty(), "{}", e),
                    Status::Skipped(why) => {
                        prop_assert!(!twice);
                        let first = action.depends_on[0];
                        prop_assert!(why.starts_with(&format!("depends on #{first} ")), "{}", why);
                    }
                    Status::Done | Status::Unknown(_) => prop_assert!(false, "nothing listens"),
                    Status::NotAttempted(_) => prop_assert!(false, "never stops"),
                }
                prop_assert!(outcome.completed.is_empty());
            }
        }
    }
}

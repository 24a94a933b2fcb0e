//! Applying a plan: its requests in dependency order, each phase on bounded parallel workers
//! sharing one client. Public through [`provision`](crate::provision).

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::api::clusters::ClusterManager;
use crate::api::roles::RoleManager;
use crate::api::users::UserManager;
use crate::client::Client;
use crate::error::Error;
use crate::provision::plan::{Action, Phase, Plan, Work};
use crate::provision::report::{ApplyReport, Outcome, Status};

/// The number of workers [`apply`] uses unless told otherwise.
pub const DEFAULT_PARALLEL: usize = 4;

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
    /// Called after each action ([`ApplyOptions::progress`]).
    progress: Option<Arc<ProgressFn>>,
}

/// A progress callback, shared by the workers.
type ProgressFn = dyn Fn(Progress) + Send + Sync;

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("parallel", &self.parallel)
            .field("verify", &self.verify)
            .field("progress", &self.progress.as_ref().map(|_| "Fn(Progress)"))
            .finish()
    }
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions {
            parallel: DEFAULT_PARALLEL,
            verify: true,
            progress: None,
        }
    }
}

impl ApplyOptions {
    /// The defaults: [`DEFAULT_PARALLEL`] workers, verifying.
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

    /// Calls `progress` after each action finishes, whatever its outcome: for a progress bar
    /// on a long apply. It runs on the worker that ran the action (keep it short), so it must
    /// be `Send + Sync`; a second call replaces the first callback. Default: none.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::provision::{apply, plan, ApplyOptions, PlanOptions, Spec};
    ///
    /// let client = aistore_authn::Client::from_env()?;
    /// let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
    /// let plan = plan(&client, &spec, &PlanOptions::new())?;
    /// let options = ApplyOptions::new().progress(|p| eprint!("\r{}/{}", p.finished, p.total));
    /// let report = apply(&client, &plan, &options);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn progress(mut self, progress: impl Fn(Progress) + Send + Sync + 'static) -> ApplyOptions {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// How far an [`apply`] has come: given to the [`ApplyOptions::progress`] callback after each
/// action.
///
/// # Example
/// ```
/// use aistore_authn::provision::Progress;
///
/// fn show(p: Progress) {
///     eprint!("\r{}/{} done, {} failed", p.finished, p.total, p.failed);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Actions finished so far, whatever their outcome.
    pub finished: usize,
    /// Of those, the ones that failed or were skipped.
    pub failed: usize,
    /// Actions in the plan.
    pub total: usize,
}

/// Carries out `plan`: clusters, then roles, then users, then the deletes of pruning (users,
/// roles, clusters), each phase on up to `options.parallel` threads sharing `client`. Every
/// action is tried once; a failure stops nothing but the actions that depend on it, which are
/// skipped with the reason. Never panics, never returns early: the report says what was done.
///
/// Requests: exactly those in each action's [`requests`](crate::provision::Action::requests)
/// (a user create is one `POST /v1/users`; a role create one `POST /v1/roles`), then with
/// [`ApplyOptions::verify`] one `GET /v1/users` when a user was created or given roles. Needs
/// an admin token. The [`ApplyOptions::progress`] callback, if any, is called after each
/// action.
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
    let total = plan.actions.len();
    let (finished, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let slots: Vec<OnceLock<(Status, usize)>> =
        plan.actions.iter().map(|_| OnceLock::new()).collect();
    for phase in Phase::ALL {
        let ids: Vec<usize> = plan
            .actions
            .iter()
            .filter(|a| a.phase == phase)
            .map(|a| a.id)
            .collect();
        each(&ids, options.parallel, |id| {
            let outcome = run(client, plan, &slots, id);
            let not_done = !matches!(outcome.0, Status::Done);
            // Each id runs once, so the slot is empty.
            let _ = slots[id].set(outcome);
            let failed =
                failed.fetch_add(usize::from(not_done), Ordering::Relaxed) + usize::from(not_done);
            let finished = finished.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = &options.progress {
                progress(Progress {
                    finished,
                    failed,
                    total,
                });
            }
        });
    }
    let mut outcomes: Vec<Outcome> = plan
        .actions
        .iter()
        .zip(slots)
        .map(|(action, slot)| {
            let (status, completed) = slot
                .into_inner()
                .unwrap_or_else(|| (Status::Skipped("not run".into()), 0));
            Outcome {
                id: action.id,
                op: action.op,
                kind: action.kind,
                name: action.name.clone(),
                status,
                completed: action.requests[..completed].to_vec(),
            }
        })
        .collect();
    let verification = if options.verify {
        verify(client, plan, &mut outcomes)
    } else {
        None
    };
    ApplyReport {
        outcomes,
        verification,
    }
}

/// Calls `f` for each of `ids` on up to `workers` threads.
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

/// Runs one action unless one it depends on was not done; returns its status and how many of
/// its requests succeeded.
fn run(
    client: &Client,
    plan: &Plan,
    slots: &[OnceLock<(Status, usize)>],
    id: usize,
) -> (Status, usize) {
    let action = &plan.actions[id];
    for &dep in &action.depends_on {
        let why = match slots.get(dep).and_then(OnceLock::get) {
            Some((Status::Done, _)) => continue,
            Some((Status::Failed(e), _)) => format!("which failed: {e}"),
            Some((Status::Skipped(_), _)) => "which was skipped".to_owned(),
            None => "which did not run".to_owned(),
        };
        let on = &plan.actions[dep];
        return (
            Status::Skipped(format!(
                "depends on #{dep} ({} {} {}), {why}",
                on.op, on.kind, on.name
            )),
            0,
        );
    }
    match execute(client, action) {
        (Ok(()), done) => (Status::Done, done),
        (Err(e), done) => (Status::Failed(e), done),
    }
}

/// Sends the action's requests, stopping at the first failure; returns the result and how
/// many succeeded.
fn execute(client: &Client, action: &Action) -> (Result<(), Error>, usize) {
    let clusters = ClusterManager::new(client);
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
        Work::CreateCluster { id, alias, urls } => one(clusters.post(id, alias, &strs(urls))),
        Work::UpdateCluster { id, alias, urls } => {
            let urls = urls.as_deref().map(strs);
            one(clusters.put(id, alias.as_deref(), urls.as_deref()))
        }
        Work::RecreateCluster { id, alias, urls } => two(clusters.delete(id, false), &|| {
            clusters.post(id, alias, &strs(urls))
        }),
        Work::DeleteCluster(id) => one(clusters.delete(id, false)),
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
fn verify(client: &Client, plan: &Plan, outcomes: &mut [Outcome]) -> Option<Error> {
    let to_check: Vec<usize> = plan
        .actions
        .iter()
        .filter(|a| a.work.user_roles().is_some() && outcomes[a.id].is_done())
        .map(|a| a.id)
        .collect();
    if to_check.is_empty() {
        return None;
    }
    let users = match UserManager::new(client).list() {
        Ok(users) => users,
        Err(e) => return Some(e),
    };
    for id in to_check {
        let Some((user, roles)) = plan.actions[id].work.user_roles() else {
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
            outcomes[id].status = Status::Failed(e);
        }
    }
    None
}

//! The provisioning rows: 1,000 users with 3 roles each on a fresh AuthN server, created by
//! `provision::apply` with N workers, by a sequential loop of the Python SDK's
//! `user_manager().create(...)`, and by raw parallel `POST /v1/users` at the same concurrency
//! (the server's capacity); then `plan` timed against the server holding the users.
//!
//! Every run of these rows goes through a counting proxy (bcrypt makes a run tens of seconds,
//! too long to repeat for a separate count): the plan's requests through one proxy, the writes
//! through another, so each is counted on its own. All peers take the same path.
//!
//! Environment: `BENCH_PROV_USERS` (default 1000; 0 skips these rows), `BENCH_PROV_PARALLEL`
//! (default `2,4,8`), `BENCH_PROV_PLAN_BUDGET` (seconds of repeated plans, default 3).

mod report;
mod run;
pub(crate) mod scale;
mod worker;

pub(crate) use report::markdown;
pub(crate) use run::run;
pub(crate) use worker::worker;

use aistore_authn::provision::{self, AclSpec, PasswordSource, RoleSpec, UserSpec};
use serde::{Deserialize, Serialize};

/// The environment variable the SDK peer's spec reads every user's password from.
const PASSWORD_VAR: &str = "BENCH_PROV_PASSWORD";
const ROLES: [&str; 3] = ["prov-r1", "prov-r2", "prov-r3"];
const USER_PREFIX: &str = "prov-u";

/// What the provisioning peers are given (target/bench/prov-spec.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProvSpec {
    /// The fresh server, directly (setup and the plan timing only).
    url: String,
    /// A counting proxy for the plan's requests.
    plan_proxy_url: String,
    /// A counting proxy for the writes (every timed run goes through it).
    apply_proxy_url: String,
    token: String,
    /// Users `{user_prefix}0000` ... .
    user_prefix: String,
    users: usize,
    /// How many of the users the server already holds (the first ones): `apply` creates the
    /// rest (the scale rows grow the server this way).
    #[serde(default)]
    present: usize,
    /// The roles every user holds.
    roles: Vec<String>,
    /// For the Python loop and the raw POSTs; the SDK reads it from `BENCH_PROV_PASSWORD`.
    password: String,
}

impl ProvSpec {
    fn user(&self, i: usize) -> String {
        format!("{}{i:04}", self.user_prefix)
    }
}

/// One provisioning run, as each peer prints it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ProvRun {
    peer: String,
    op: String,
    #[serde(default)]
    parallel: usize,
    #[serde(default)]
    users: usize,
    /// Wall time of the creates (the apply alone for the SDK; the plan is `plan_s`).
    elapsed_s: f64,
    /// CPU (user + system, all threads) of the peer process in the timed part.
    cpu_s: f64,
    rss_kib: u64,
    /// Per-create latencies, where the peer has them (not `apply`, which creates in bulk).
    #[serde(default)]
    p50_us: f64,
    #[serde(default)]
    p99_us: f64,
    /// The SDK: the plan made for this apply (seconds) and its number of actions.
    #[serde(default)]
    plan_s: f64,
    #[serde(default)]
    plan_actions: usize,
    /// `op == "plan"`: the times of the repeated plans, sorted (seconds).
    #[serde(default)]
    plan_times_s: Vec<f64>,
}

/// The spec `apply` is given: the 3 roles (on every cluster, read-only) and `users` users
/// holding all three, each password read from `BENCH_PROV_PASSWORD`.
fn bench_spec(p: &ProvSpec, users: usize) -> provision::Spec {
    let mut spec = provision::Spec::default();
    spec.roles = p
        .roles
        .iter()
        .map(|r| {
            RoleSpec::new(
                r,
                "provisioning benchmark role",
                vec![AclSpec::new("*", None, "ro")],
            )
        })
        .collect();
    let roles: Vec<&str> = p.roles.iter().map(String::as_str).collect();
    for i in 0..users {
        let password = PasswordSource::Env(PASSWORD_VAR.into());
        spec.users
            .push(UserSpec::new(&p.user(i), &roles, Some(password)));
    }
    spec
}

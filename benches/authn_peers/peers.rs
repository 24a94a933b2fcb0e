//! The peer processes: what each is given (`Spec`, the same for the Rust SDK, the limit,
//! Go and Python), what each prints (`PeerRun`), and how the orchestrator runs one.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::Res;

/// What every peer is given: the same server, token and names (target/bench/spec.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Spec {
    pub(crate) url: String,
    pub(crate) proxy_url: String,
    pub(crate) token: String,
    /// The user that `get_user` reads.
    pub(crate) user: String,
    /// The role that `get_role` reads.
    pub(crate) role: String,
    pub(crate) roles1: Vec<String>,
    pub(crate) roles5: Vec<String>,
    /// `create_delete_*` creates and deletes `{new_user_prefix}-{peer}`.
    pub(crate) new_user_prefix: String,
    /// The password of every user the benchmark makes, and the one updates set.
    pub(crate) password: String,
    /// The user `update_*` changes.
    pub(crate) upd_user: String,
    /// The user `login` logs in as.
    pub(crate) login_user: String,
    /// Threads of the multi-threaded row.
    pub(crate) threads: usize,
}

/// One peer's measurement of one operation, as each peer prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PeerRun {
    pub(crate) peer: String,
    pub(crate) op: String,
    pub(crate) threads: usize,
    pub(crate) iters: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) ops_per_s: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) rss_kib: u64,
    /// CPU time (user + system, all threads) the peer process spent in the timed loop.
    pub(crate) cpu_s: f64,
    pub(crate) count_iters: u64,
}

pub(crate) struct Setup {
    pub(crate) spec_path: PathBuf,
    pub(crate) go_peer: PathBuf,
    pub(crate) python: PathBuf,
    pub(crate) peer_py: PathBuf,
    pub(crate) budget: f64,
    pub(crate) slow_budget: f64,
    pub(crate) rounds: usize,
}

pub(crate) fn run_peer(setup: &Setup, peer: &str, op: &str, slow: bool) -> Res<PeerRun> {
    let budget = if slow {
        setup.slow_budget
    } else {
        setup.budget
    };
    let (max_iters, warmup, count_iters) = if slow {
        (60u64, 1u64, 2u64)
    } else {
        (1_000_000, 20, 3)
    };
    let me = std::env::current_exe()?;
    let mut cmd = match peer {
        "sdk" | "limit" => {
            let mut c = Command::new(me);
            c.args(["--worker", peer]);
            c
        }
        "go" => Command::new(&setup.go_peer),
        "python" => {
            let mut c = Command::new(&setup.python);
            c.arg(&setup.peer_py);
            c
        }
        other => return Err(format!("unknown peer {other}").into()),
    };
    cmd.arg("--spec")
        .arg(&setup.spec_path)
        .args(["--op", op])
        .args(["--budget", &budget.to_string()])
        .args(["--max-iters", &max_iters.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args(["--count-iters", &count_iters.to_string()]);
    run_peer_process(cmd, peer, op)
}

/// Runs a peer process (no proxy variables: the peers talk to the server or the counting
/// proxy directly) and decodes the JSON of its last line of output.
pub(crate) fn run_peer_process<T: serde::de::DeserializeOwned>(
    mut cmd: Command,
    peer: &str,
    what: &str,
) -> Res<T> {
    cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
    for key in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env_remove(key);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run peer {peer}: {e}"))?;
    if !out.status.success() {
        return Err(format!("peer {peer} failed on {what} ({})", out.status).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(last).map_err(|e| format!("peer {peer} printed {last:?}: {e}"))?)
}

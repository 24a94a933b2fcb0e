//! The orchestrator's part of the provisioning rows: a fresh server, the runs through the
//! counting proxies, the checks between them, and the targets.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aistore_authn::provision::{self, ApplyOptions, PlanOptions};
use aistore_authn::Client;
use aistore_authn_testkit::LocalServer;
use serde::Serialize;
use serde_json::{json, Value};

use super::{bench_spec, ProvRun, ProvSpec, PASSWORD_VAR, ROLES, USER_PREFIX};
use crate::peers::{run_peer_process, Setup};
use crate::proxy::Proxy;
use crate::{env_or, Res, PASSWORD};

/// One measured provisioning run with what the proxies counted.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProvCell {
    peer: String,
    op: String,
    parallel: usize,
    users: usize,
    elapsed_s: f64,
    users_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    client_cpu_s: f64,
    peak_rss_kib: u64,
    /// The writes' requests (apply proxy), by `METHOD /path-pattern`.
    requests: BTreeMap<String, u64>,
    connections: u64,
    /// The plan's requests (plan proxy), for the SDK.
    plan_requests: BTreeMap<String, u64>,
    plan_ms: f64,
    plan_actions: usize,
    plan_times_ms: Vec<f64>,
}

/// `POST /v1/users`, `GET /v1/users/{id}`, `GET /v1/roles/{name}`, ...: a request line with
/// the entity's name replaced, so that 1,000 creates count as one kind.
fn pattern(line: &str) -> String {
    let mut parts = line.splitn(2, ' ');
    let (method, path) = (parts.next().unwrap_or("?"), parts.next().unwrap_or("?"));
    let segments: Vec<&str> = path.split('/').collect();
    let path = if segments.len() > 3 {
        format!(
            "{}/{{{}}}",
            segments[..3].join("/"),
            &segments[2][..segments[2].len() - 1]
        )
    } else {
        path.to_owned()
    };
    format!("{method} {path}")
}

pub(super) fn tally(lines: &[String]) -> BTreeMap<String, u64> {
    let mut by = BTreeMap::new();
    for l in lines {
        *by.entry(pattern(l)).or_insert(0) += 1;
    }
    by
}

pub(super) fn run_prov_peer(
    setup: &Setup,
    spec_path: &Path,
    peer: &str,
    op: &str,
    n: usize,
) -> Res<ProvRun> {
    let mut cmd = match peer {
        "sdk" | "limit" => {
            let mut c = Command::new(std::env::current_exe()?);
            c.args(["--prov-worker", peer]);
            c
        }
        "python" => {
            let mut c = Command::new(&setup.python);
            c.arg(&setup.peer_py).arg("--provision");
            c
        }
        other => return Err(format!("unknown provisioning peer {other}").into()),
    };
    cmd.arg("--spec")
        .arg(spec_path)
        .args(["--op", op])
        .args(["--parallel", &n.to_string()])
        .env(PASSWORD_VAR, PASSWORD);
    run_peer_process(cmd, peer, &format!("provisioning {op}"))
}

/// Checks that the server holds exactly the benchmark's users, each with the 3 roles (or
/// none of them), and with `clear` deletes them (4 threads; deletes do no bcrypt).
pub(super) fn check_users(admin: &Client, p: &ProvSpec, expect: usize, clear: bool) -> Res<()> {
    let users = admin.user_manager().list()?;
    let ours: Vec<&aistore_authn::UserInfo> = users
        .values()
        .filter(|u| u.id.starts_with(&p.user_prefix))
        .collect();
    let complete = ours
        .iter()
        .filter(|u| p.roles.iter().all(|r| u.roles.get(r).is_some()))
        .count();
    if ours.len() != expect || complete != expect {
        return Err(format!(
            "expected {expect} benchmark users with {} roles each; the server has {} ({complete} complete)",
            p.roles.len(),
            ours.len()
        )
        .into());
    }
    if clear {
        let next = AtomicU64::new(0);
        let ids: Vec<&str> = ours.iter().map(|u| u.id.as_str()).collect();
        let failed = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed) as usize) {
                        if let Err(e) = admin.user_manager().delete(id, false) {
                            *failed.lock().unwrap() = Some(e);
                            break;
                        }
                    }
                });
            }
        });
        if let Some(e) = failed.into_inner().unwrap() {
            return Err(format!("could not delete the benchmark users: {e}").into());
        }
    }
    Ok(())
}

/// Runs the provisioning rows on a fresh server; `None` when `BENCH_PROV_USERS=0`.
pub(crate) fn run(setup: &Setup, peers: &[String], bench_dir: &Path) -> Res<Option<Value>> {
    let users: usize = env_or("BENCH_PROV_USERS", 1000);
    if users == 0 {
        return Ok(None);
    }
    let parallel: Vec<usize> = std::env::var("BENCH_PROV_PARALLEL")
        .unwrap_or_else(|_| "2,4,8".into())
        .split(',')
        .map(|n| n.trim().parse())
        .collect::<Result<_, _>>()?;
    let has = |peer: &str| peers.iter().any(|p| p == peer);
    let started = Instant::now();
    eprintln!("provisioning rows: starting a fresh AuthN server");
    let server = LocalServer::start()?;
    let admin = server.admin_client()?;
    let upstream = format!("127.0.0.1:{}", server.port());
    let plan_proxy = Proxy::start(upstream.clone())?;
    let apply_proxy = Proxy::start(upstream)?;
    let p = ProvSpec {
        url: server.url(),
        plan_proxy_url: format!("http://{}", plan_proxy.addr),
        apply_proxy_url: format!("http://{}", apply_proxy.addr),
        token: admin.token().ok_or("no admin token")?,
        user_prefix: USER_PREFIX.into(),
        users,
        present: 0,
        roles: ROLES.iter().map(|r| (*r).to_owned()).collect(),
        password: PASSWORD.into(),
    };
    let spec_path = bench_dir.join("prov-spec.json");
    std::fs::write(&spec_path, serde_json::to_vec_pretty(&p)?)?;

    // The roles, made by the SDK from the same spec without users (untimed): the Python loop
    // and the raw POSTs need them too, and the measured plans then hold only user creates.
    let roles_plan = provision::plan(&admin, &bench_spec(&p, 0), &PlanOptions::new())?;
    let report = provision::apply(&admin, &roles_plan, &ApplyOptions::new());
    if !report.is_success() {
        return Err(format!("could not create the provisioning roles: {report}").into());
    }

    let mut cells: Vec<ProvCell> = Vec::new();
    let mut measure = |peer: &str, op: &str, n: usize| -> Res<()> {
        plan_proxy.take();
        apply_proxy.take();
        let run = run_prov_peer(setup, &spec_path, peer, op, n)?;
        std::thread::sleep(Duration::from_millis(50));
        let (plan_lines, _) = plan_proxy.take();
        let (lines, connections) = apply_proxy.take();
        let plan_times_ms: Vec<f64> = run.plan_times_s.iter().map(|t| t * 1e3).collect();
        let cell = ProvCell {
            peer: peer.into(),
            op: op.into(),
            parallel: n,
            users: run.users,
            elapsed_s: run.elapsed_s,
            users_per_s: run.users as f64 / run.elapsed_s,
            p50_us: run.p50_us,
            p99_us: run.p99_us,
            client_cpu_s: run.cpu_s,
            peak_rss_kib: run.rss_kib,
            requests: tally(&lines),
            connections,
            plan_requests: tally(&plan_lines),
            plan_ms: run.plan_s * 1e3,
            plan_actions: run.plan_actions,
            plan_times_ms,
        };
        eprintln!(
            "  provision {peer:<7} {op:<6} x{n}: {:>7.2} s  {:>6.1} users/s  cpu {:.2} s  requests {:?}  plan {:?} {:.1} ms  {} conn",
            cell.elapsed_s, cell.users_per_s, cell.client_cpu_s, cell.requests, cell.plan_requests, cell.plan_ms, connections
        );
        cells.push(cell);
        Ok(())
    };

    if has("python") {
        measure("python", "loop", 1)?;
        check_users(&admin, &p, users, true)?;
    }
    let mut present = false;
    for (i, &n) in parallel.iter().enumerate() {
        if has("limit") {
            measure("limit", "post", n)?;
            check_users(&admin, &p, users, true)?;
        }
        if has("sdk") {
            measure("sdk", "apply", n)?;
            let last = i + 1 == parallel.len();
            check_users(&admin, &p, users, !last)?;
            present = last;
        }
    }
    if present {
        measure("sdk", "plan", 1)?;
    }
    drop(server);
    let seconds = started.elapsed().as_secs_f64();
    Ok(Some(json!({
        "users": users,
        "roles_per_user": ROLES.len(),
        "parallel": parallel,
        "seconds": seconds,
        "cells": cells,
        "targets": targets(&cells),
    })))
}

fn find<'a>(cells: &'a [ProvCell], peer: &str, n: usize) -> Option<&'a ProvCell> {
    cells
        .iter()
        .find(|c| c.peer == peer && (peer == "python" || c.parallel == n))
}

/// Per N: apply over the raw POSTs and over the Python loop, and the request targets.
fn targets(cells: &[ProvCell]) -> Vec<Value> {
    cells
        .iter()
        .filter(|c| c.op == "apply")
        .map(|sdk| {
            let n = sdk.parallel;
            let ratio = |peer: &str| find(cells, peer, n).map(|c| sdk.users_per_s / c.users_per_s);
            let (limit, python) = (ratio("limit"), ratio("python"));
            let posts = sdk.requests.get("POST /v1/users").copied().unwrap_or(0);
            let others: u64 = sdk.requests.values().sum::<u64>() - posts;
            let plan_requests: u64 = sdk.plan_requests.values().sum();
            json!({
                "parallel": n,
                "apply_over_limit": limit,
                "apply_over_python": python,
                "posts": posts,
                "other_requests": others,
                "plan_requests": plan_requests,
                "targets": [
                    {"target": "apply >= 0.8x server capacity", "held": limit.map(|r| r >= 0.8)},
                    {"target": "apply >= 2x Python loop", "held": python.map(|r| r >= 2.0)},
                    {"target": "one POST per created user", "held": posts as usize == sdk.users},
                    {"target": "plan <= 3 requests", "held": plan_requests <= 3},
                ],
            })
        })
        .collect()
}

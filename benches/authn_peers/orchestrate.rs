//! The orchestrator: sets up the server and data, measures every peer on every operation
//! through the counting proxy, runs the provisioning rows and writes the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aistore_authn::{AccessAttr, Client};
use aistore_authn_testkit::LocalServer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::peers::{run_peer, Setup, Spec};
use crate::proxy::Proxy;
use crate::report::{load_at_start, machine, markdown, ratios};
use crate::{env_or, load, provision, Res, OPS, PASSWORD, PEERS};

/// A measured cell: one peer, one operation, one user-count level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Cell {
    pub(crate) op: String,
    pub(crate) label: String,
    pub(crate) users_present: usize,
    pub(crate) peer: String,
    pub(crate) threads: usize,
    pub(crate) iters: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) ops_per_s: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// The peer process's CPU time per operation in the timed loop (user + system).
    pub(crate) client_cpu_us_per_op: f64,
    pub(crate) peak_rss_kib: u64,
    pub(crate) requests_per_op: f64,
    pub(crate) requests_by_method: BTreeMap<String, f64>,
    pub(crate) connections_in_count_pass: u64,
    /// The requests of one operation, as the proxy saw them.
    pub(crate) request_sequence: Vec<String>,
}

fn measure(
    setup: &Setup,
    proxy: &Proxy,
    peers: &[String],
    (op, label, slow): (&str, &str, bool),
    users_present: usize,
) -> Res<Vec<Cell>> {
    let mut best: BTreeMap<String, Cell> = BTreeMap::new();
    // bcrypt bounds the writes whatever the client: one round is enough for them.
    let rounds = if slow { 1 } else { setup.rounds };
    for _round in 0..rounds {
        for peer in peers {
            proxy.take();
            let run = run_peer(setup, peer, op, slow)?;
            // Let the proxy's threads finish forwarding the last reply.
            std::thread::sleep(Duration::from_millis(50));
            let (lines, connections) = proxy.take();
            let k = run.count_iters.max(1) as f64;
            let mut by_method = BTreeMap::new();
            for l in &lines {
                let m = l.split(' ').next().unwrap_or("?").to_owned();
                *by_method.entry(m).or_insert(0.0) += 1.0 / k;
            }
            let per_op = (lines.len() as f64 / k).round() as usize;
            let cell = Cell {
                op: op.to_owned(),
                label: label.to_owned(),
                users_present,
                peer: peer.clone(),
                threads: run.threads,
                iters: run.iters,
                elapsed_s: run.elapsed_s,
                ops_per_s: run.ops_per_s,
                p50_us: run.p50_us,
                p99_us: run.p99_us,
                client_cpu_us_per_op: run.cpu_s * 1e6 / run.iters.max(1) as f64,
                peak_rss_kib: run.rss_kib,
                requests_per_op: lines.len() as f64 / k,
                requests_by_method: by_method,
                connections_in_count_pass: connections,
                request_sequence: lines.iter().take(per_op).cloned().collect(),
            };
            eprintln!(
                "  {op:<16} users={users_present:<5} {peer:<7} {:>10.1} ops/s  p50 {:>9.1} us  p99 {:>9.1} us  cpu {:>8.1} us/op  {:.2} req/op  {} conn  rss {} KiB",
                cell.ops_per_s, cell.p50_us, cell.p99_us, cell.client_cpu_us_per_op, cell.requests_per_op, connections, cell.peak_rss_kib
            );
            match best.get(peer) {
                Some(b) if b.ops_per_s >= cell.ops_per_s => {}
                _ => {
                    best.insert(peer.clone(), cell);
                }
            }
        }
    }
    Ok(peers.iter().filter_map(|p| best.remove(p)).collect())
}

/// Grows the user count (as `GET /v1/users` returns it, `admin` included) to `n` with filler
/// users holding one role, on two threads (bcrypt on the server bounds this).
fn fill_users(admin: &Client, n: usize, role: &str) -> Res<()> {
    let have = admin.user_manager().list()?.len();
    if have >= n {
        return Ok(());
    }
    let started = Instant::now();
    let next = AtomicU64::new(have as u64);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i as usize >= n || failed.load(Ordering::SeqCst) {
                    break;
                }
                if let Err(e) =
                    admin
                        .user_manager()
                        .create(&format!("bench-fill-{i:05}"), &[role], PASSWORD)
                {
                    eprintln!("fill: {e}");
                    failed.store(true, Ordering::SeqCst);
                }
            });
        }
    });
    if failed.load(Ordering::SeqCst) {
        return Err("could not create the filler users".into());
    }
    let now = admin.user_manager().list()?.len();
    eprintln!(
        "users present: {now} (made {} in {:.1} s)",
        now - have,
        started.elapsed().as_secs_f64()
    );
    if now != n {
        return Err(format!("expected {n} users, the server lists {now}").into());
    }
    Ok(())
}

/// Sets up the server and data and measures every peer; with `serve_only`, sets up, prints
/// the spec file's path and waits until killed (to profile one peer by hand:
/// `authn_peers --worker sdk --spec target/bench/spec.json --op get_user ...`).
pub(crate) fn run(serve_only: bool) -> Res<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bench_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let out_dir = std::env::var_os("BENCH_OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("benches"));
    let peers: Vec<String> = std::env::var("BENCH_PEERS")
        .unwrap_or_else(|_| PEERS.join(","))
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let levels: Vec<usize> = std::env::var("BENCH_LEVELS")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .map(|l| l.trim().parse())
        .collect::<Result<_, _>>()?;
    let setup = Setup {
        spec_path: bench_dir.join("spec.json"),
        go_peer: std::env::var_os("BENCH_GO_PEER")
            .map(PathBuf::from)
            .unwrap_or_else(|| bench_dir.join("go-peer")),
        python: std::env::var_os("BENCH_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| bench_dir.join("venv").join("bin").join("python")),
        peer_py: root.join("benches").join("peer.py"),
        budget: env_or("BENCH_BUDGET", 2.0),
        slow_budget: env_or("BENCH_SLOW_BUDGET", 3.0),
        rounds: env_or("BENCH_ROUNDS", 2usize).max(1),
    };
    let threads = env_or("BENCH_THREADS", 4usize);
    if peers.iter().any(|p| p == "go") && !setup.go_peer.is_file() {
        return Err(format!(
            "{} is missing: run `bash benches/run.sh`",
            setup.go_peer.display()
        )
        .into());
    }
    if peers.iter().any(|p| p == "python") && !setup.python.is_file() {
        return Err(format!(
            "{} is missing: run `bash benches/run.sh`",
            setup.python.display()
        )
        .into());
    }

    load_at_start();
    eprintln!("starting the AuthN server");
    let server = LocalServer::start()?;
    let admin = server.admin_client()?;
    let cluster = admin
        .cluster_manager()
        .register_with_id("bench-cluster-id", "bench", &[])?;
    let roles: Vec<String> = (1..=5).map(|i| format!("bench-r{i}")).collect();
    for r in &roles {
        admin.role_manager().create(
            r,
            "benchmark role",
            &cluster.alias,
            AccessAttr::ACCESS_RO,
            None,
        )?;
    }
    let users = admin.user_manager();
    let r5: Vec<&str> = roles.iter().map(String::as_str).collect();
    users.create("bench-get", &r5[..2], PASSWORD)?;
    users.create("bench-upd", &r5, PASSWORD)?;
    users.create("bench-login", &r5[..1], PASSWORD)?;
    let proxy = Proxy::start(format!("127.0.0.1:{}", server.port()))?;
    let spec = Spec {
        url: server.url(),
        proxy_url: format!("http://{}", proxy.addr),
        token: admin.token().ok_or("no admin token")?.to_owned(),
        user: "bench-get".into(),
        role: roles[0].clone(),
        roles1: roles[..1].to_vec(),
        roles5: roles.clone(),
        new_user_prefix: "bench-cd".into(),
        password: PASSWORD.into(),
        upd_user: "bench-upd".into(),
        login_user: "bench-login".into(),
        threads,
    };
    std::fs::write(&setup.spec_path, serde_json::to_vec_pretty(&spec)?)?;
    let role_count = admin.role_manager().list()?.len();
    if serve_only {
        fill_users(&admin, levels[0], &roles[0])?;
        println!("{}", setup.spec_path.display());
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }

    let watch = load::LoadWatch::start();
    let started = Instant::now();
    let mut cells = Vec::new();
    for (i, &level) in levels.iter().enumerate() {
        fill_users(&admin, level, &roles[0])?;
        for &(op, label, slow) in &OPS {
            if i > 0 && op != "list_users" {
                continue;
            }
            cells.extend(measure(&setup, &proxy, &peers, (op, label, slow), level)?);
        }
    }
    let bench_secs = started.elapsed().as_secs_f64();
    drop(server);
    let prov = provision::run(&setup, &peers, &bench_dir)?;
    // The scale rows only when `BENCH_SCALE_USERS` names sizes (`--scale` runs them alone).
    let scale = provision::scale::run(&setup, &bench_dir, "")?;
    let total_secs = started.elapsed().as_secs_f64();
    let load_seen = watch.finish();

    let build: Value = std::env::var_os("BENCH_BUILD_JSON")
        .map(PathBuf::from)
        .or_else(|| Some(bench_dir.join("build.json")))
        .filter(|p| p.is_file())
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let mut machine = machine(&setup);
    machine["load_sampled"] = json!(load::describe(&load_seen));
    let command = std::env::var("BENCH_COMMAND").unwrap_or_else(|_| "bash benches/run.sh".into());
    let ratios = ratios(&cells);
    let report = json!({
        "command": command,
        "machine": machine,
        "settings": {
            "budget_s": setup.budget, "slow_budget_s": setup.slow_budget,
            "rounds": setup.rounds, "threads": threads, "levels": levels,
            "roles_present": role_count, "bench_seconds": bench_secs,
            "total_seconds": total_secs, "load_samples": load_seen,
        },
        "build": build,
        "cells": cells,
        "ratios": ratios,
        "provisioning": prov,
    });
    std::fs::create_dir_all(&out_dir)?;
    if !scale.is_null() {
        std::fs::write(
            out_dir.join("scale.json"),
            serde_json::to_string_pretty(&scale)? + "\n",
        )?;
    }
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    let md = markdown(&report, &cells, &ratios, &root);
    std::fs::write(out_dir.join("RESULTS.md"), md)?;
    eprintln!(
        "wrote {} and {} ({total_secs:.0} s of measuring)",
        out_dir.join("RESULTS.md").display(),
        out_dir.join("results.json").display()
    );
    Ok(())
}

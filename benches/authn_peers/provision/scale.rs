//! The scale rows (issue 20): a fresh AuthN server grown to 1,000 and then 10,000 users with 3
//! roles each. At each size: the users created by raw parallel `POST /v1/users` (the server's
//! capacity), deleted, and created again by `provision::apply` at the same parallelism; then,
//! against the server holding them, the SDK's list of users, `plan` (nothing to do) and
//! `export`, each in a process of its own (time, CPU, peak RSS, requests), and the Python
//! SDK's list. The reply size of `GET /v1/users` is read once by the limit's raw client.
//!
//! Run only these rows with `cargo bench --features provision --bench authn_peers -- --scale`
//! (or `BENCH_SCALE_ONLY=1 bash benches/run.sh`): they write `benches/scale.json` and render
//! `RESULTS.md` again with them. A full run leaves them out unless `BENCH_SCALE_USERS` is set.
//!
//! Environment: `BENCH_SCALE_USERS` (sizes, default `1000,10000`), `BENCH_SCALE_PARALLEL`
//! (workers for both the raw POSTs and `apply`, default 4), `BENCH_SCALE_ROUNDS` (timed runs of
//! each read, default 5; the first, on a new connection, is one of them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aistore_authn::provision::{self, ApplyOptions, PlanOptions};
use aistore_authn::Client;
use aistore_authn_testkit::LocalServer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::run::{check_users, run_prov_peer, tally};
use super::{bench_spec, ProvSpec, ROLES};
use crate::peers::{run_peer_process, PeerRun, Setup, Spec};
use crate::proxy::Proxy;
use crate::raw_http::{host_of, request, RawConn};
use crate::timing::{cpu_seconds, peak_rss_kib};
use crate::{env_or, flag, Res, PASSWORD};

const SCALE_PREFIX: &str = "scale-u";

/// What one SDK scale worker prints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ScaleRun {
    op: String,
    users: usize,
    /// What the op returned: users listed, plan actions, users exported.
    items: usize,
    /// Each timed run (seconds), in order; the first opened the connection.
    times_s: Vec<f64>,
    cpu_s: f64,
    /// VmRSS after the client was made, before the first request.
    rss_before_kib: u64,
    /// VmHWM at the end.
    peak_rss_kib: u64,
}

fn rss_now_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// `--scale-worker sdk --spec PATH --op list|plan|export --rounds N`: the op `N` times against
/// the server, then once through the plan proxy (to count its requests).
pub(crate) fn worker(args: &[String]) -> Res<()> {
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("missing {name}"));
    let p: ProvSpec = serde_json::from_slice(&std::fs::read(need("--spec")?)?)?;
    let op = need("--op")?.to_owned();
    let rounds: usize = need("--rounds")?.parse()?;
    let client_for = |url: &str| -> Res<Client> {
        Ok(Client::builder(url)
            .token(p.token.clone())
            .proxy_from_env(false)
            .build()?)
    };
    let spec = bench_spec(&p, p.users);
    let once = |client: &Client| -> Res<usize> {
        Ok(match op.as_str() {
            "list" => client.user_manager().list()?.len(),
            "plan" => provision::plan(client, &spec, &PlanOptions::new())?.len(),
            "export" => provision::export(client)?.users.len(),
            other => return Err(format!("unknown scale op {other}").into()),
        })
    };
    let client = client_for(&p.url)?;
    let rss_before_kib = rss_now_kib();
    let mut times_s = Vec::new();
    let mut items = 0;
    let cpu0 = cpu_seconds();
    for _ in 0..rounds.max(1) {
        let t0 = Instant::now();
        items = once(&client)?;
        times_s.push(t0.elapsed().as_secs_f64());
    }
    let cpu_s = cpu_seconds() - cpu0;
    let peak_rss_kib = peak_rss_kib();
    once(&client_for(&p.plan_proxy_url)?)?;
    let run = ScaleRun {
        op,
        users: p.users,
        items,
        times_s,
        cpu_s,
        rss_before_kib,
        peak_rss_kib,
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

/// The Python SDK's `user_manager().list()`, `rounds` times, by benches/peer.py.
fn python_list(setup: &Setup, p: &ProvSpec, dir: &Path, rounds: usize) -> Res<PeerRun> {
    let spec = Spec {
        url: p.url.clone(),
        proxy_url: p.plan_proxy_url.clone(),
        token: p.token.clone(),
        user: "admin".into(),
        role: ROLES[0].into(),
        roles1: vec![ROLES[0].into()],
        roles5: vec![ROLES[0].into()],
        new_user_prefix: "scale-none".into(),
        password: PASSWORD.into(),
        upd_user: "admin".into(),
        login_user: "admin".into(),
        threads: 1,
    };
    let path = dir.join("scale-peer-spec.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&spec)?)?;
    let mut cmd = Command::new(&setup.python);
    cmd.arg(&setup.peer_py)
        .arg("--spec")
        .arg(&path)
        .args(["--op", "list_users", "--budget", "1e9"])
        .args(["--max-iters", &rounds.to_string()])
        .args(["--warmup", "0", "--count-iters", "1"]);
    run_peer_process(cmd, "python", "the scale list")
}

/// The load averages (1, 5, 15 min) now.
fn load_now() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// `--scale`: the scale rows alone; writes benches/scale.json and renders RESULTS.md again.
pub(crate) fn run_only() -> Res<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bench_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let setup = Setup {
        spec_path: bench_dir.join("spec.json"),
        go_peer: bench_dir.join("go-peer"),
        python: std::env::var_os("BENCH_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| bench_dir.join("venv").join("bin").join("python")),
        peer_py: root.join("benches").join("peer.py"),
        budget: 0.0,
        slow_budget: 0.0,
        rounds: 1,
    };
    let value = run(&setup, &bench_dir, "1000,10000")?;
    let out_dir = std::env::var_os("BENCH_OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("benches"));
    std::fs::write(
        out_dir.join("scale.json"),
        serde_json::to_string_pretty(&value)? + "\n",
    )?;
    crate::report::render()
}

/// Runs the scale rows on a fresh server at the sizes in `BENCH_SCALE_USERS` (else
/// `default_sizes`; `0` or empty runs none and returns null).
pub(crate) fn run(setup: &Setup, bench_dir: &Path, default_sizes: &str) -> Res<Value> {
    let sizes: Vec<usize> = std::env::var("BENCH_SCALE_USERS")
        .unwrap_or_else(|_| default_sizes.into())
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "0")
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        return Ok(Value::Null);
    }
    let parallel: usize = env_or("BENCH_SCALE_PARALLEL", 4);
    let rounds: usize = env_or("BENCH_SCALE_ROUNDS", 5usize).max(1);
    let python = setup.python.is_file();
    let started = Instant::now();
    let load_start = load_now();
    eprintln!("scale rows: starting a fresh AuthN server");
    let server = LocalServer::start()?;
    let admin = server.admin_client()?;
    let upstream = format!("127.0.0.1:{}", server.port());
    let plan_proxy = Proxy::start(upstream.clone())?;
    let apply_proxy = Proxy::start(upstream)?;
    let base = ProvSpec {
        url: server.url(),
        plan_proxy_url: format!("http://{}", plan_proxy.addr),
        apply_proxy_url: format!("http://{}", apply_proxy.addr),
        token: admin.token().ok_or("no admin token")?,
        user_prefix: SCALE_PREFIX.into(),
        users: 0,
        present: 0,
        roles: ROLES.iter().map(|r| (*r).to_owned()).collect(),
        password: PASSWORD.into(),
    };
    let roles_plan = provision::plan(&admin, &bench_spec(&base, 0), &PlanOptions::new())?;
    if !provision::apply(&admin, &roles_plan, &ApplyOptions::new()).is_success() {
        return Err("could not create the scale roles".into());
    }
    let raw_up_to: usize = env_or("BENCH_SCALE_RAW_UP_TO", usize::MAX);
    let out = std::env::var_os("BENCH_OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches"));
    let summary = |rows: &[Value]| {
        json!({
            "sizes": sizes, "parallel": parallel, "rounds": rounds,
            "roles_per_user": ROLES.len(), "seconds": started.elapsed().as_secs_f64(),
            "load_at_start": load_start, "load_at_end": load_now(),
            "raw_up_to": (raw_up_to != usize::MAX).then_some(raw_up_to),
            "rows": rows,
        })
    };
    let mut rows = Vec::new();
    // The benchmark users the server holds (the first `present`).
    let mut present = 0;
    for &users in &sizes {
        let raw = users <= raw_up_to;
        if raw && present > 0 {
            let held = ProvSpec {
                users: present,
                ..base.clone()
            };
            check_users(&admin, &held, present, true)?;
            present = 0;
        }
        let p = ProvSpec {
            users,
            present,
            ..base.clone()
        };
        let spec_path = bench_dir.join("scale-spec.json");
        std::fs::write(&spec_path, serde_json::to_vec_pretty(&p)?)?;
        let mut writes = Vec::new();
        let runs: &[(&str, &str)] = match raw {
            true => &[("limit", "post"), ("sdk", "apply")],
            false => &[("sdk", "apply")],
        };
        for &(peer, op) in runs {
            apply_proxy.take();
            plan_proxy.take();
            let run = run_prov_peer(setup, &spec_path, peer, op, parallel)?;
            std::thread::sleep(std::time::Duration::from_millis(50));
            let (lines, connections) = apply_proxy.take();
            eprintln!(
                "  scale {users:>6} {peer:<6} {op:<6} x{parallel}: {} created in {:.1} s, {:.1} users/s",
                run.users,
                run.elapsed_s,
                run.users as f64 / run.elapsed_s
            );
            check_users(&admin, &p, users, peer == "limit")?;
            writes.push(json!({
                "peer": peer, "op": op, "parallel": parallel, "created": run.users,
                "elapsed_s": run.elapsed_s, "users_per_s": run.users as f64 / run.elapsed_s,
                "client_cpu_s": run.cpu_s, "peak_rss_kib": run.rss_kib,
                "plan_s": run.plan_s, "requests": tally(&lines), "connections": connections,
            }));
        }
        present = users;
        let host = host_of(&p.url);
        let reply_bytes = RawConn::connect(host)?
            .body_of(&request("GET", host, "/v1/users", Some(&p.token), None))?
            .len();
        let mut reads = Vec::new();
        for op in ["list", "plan", "export"] {
            plan_proxy.take();
            let mut cmd = Command::new(std::env::current_exe()?);
            cmd.args(["--scale-worker", "sdk", "--op", op])
                .arg("--spec")
                .arg(&spec_path)
                .args(["--rounds", &rounds.to_string()])
                .env(super::PASSWORD_VAR, PASSWORD);
            let run: ScaleRun = run_peer_process(cmd, "sdk", &format!("scale {op}"))?;
            std::thread::sleep(std::time::Duration::from_millis(50));
            let (lines, _) = plan_proxy.take();
            eprintln!(
                "  scale {users:>6} sdk    {op:<6}: median {:.1} ms, peak RSS {} KiB (before {} KiB), {} items, requests {:?}",
                median(&run.times_s) * 1e3,
                run.peak_rss_kib,
                run.rss_before_kib,
                run.items,
                tally(&lines)
            );
            reads.push(json!({
                "peer": "sdk", "op": op, "items": run.items,
                "median_s": median(&run.times_s), "times_s": run.times_s,
                "cpu_s_per_run": run.cpu_s / run.times_s.len().max(1) as f64,
                "rss_before_kib": run.rss_before_kib, "peak_rss_kib": run.peak_rss_kib,
                "requests": tally(&lines),
            }));
        }
        if python {
            plan_proxy.take();
            let run = python_list(setup, &p, bench_dir, rounds)?;
            std::thread::sleep(std::time::Duration::from_millis(50));
            let (lines, _) = plan_proxy.take();
            eprintln!(
                "  scale {users:>6} python list  : p50 {:.1} ms, peak RSS {} KiB",
                run.p50_us / 1e3,
                run.rss_kib
            );
            reads.push(json!({
                "peer": "python", "op": "list", "items": users + 1,
                "median_s": run.p50_us / 1e6, "times_s": [],
                "cpu_s_per_run": run.cpu_s / run.iters.max(1) as f64,
                "rss_before_kib": null, "peak_rss_kib": run.rss_kib,
                "requests": tally(&lines),
            }));
        }
        rows.push(json!({
            "users": users, "listed": users + 1, "reply_bytes": reply_bytes,
            "writes": writes, "reads": reads,
        }));
        // Written after each size, so that a long run that is stopped keeps what it measured.
        std::fs::write(
            out.join("scale.json"),
            serde_json::to_string_pretty(&summary(&rows))? + "\n",
        )?;
    }
    drop(server);
    Ok(summary(&rows))
}

/// The "Scale" section of RESULTS.md from scale.json.
pub(crate) fn markdown(s: &Value) -> String {
    let mut o = String::new();
    let mut line = |t: String| {
        o.push_str(&t);
        o.push('\n');
    };
    line("## Scale: 1,000 and 10,000 users\n".into());
    line(format!(
        "Run separately (`cargo bench --features provision --bench authn_peers -- --scale`; {:.0} s; \
         1-min load average {} at the start, {} at the end). A fresh AuthN server holding 3 roles; \
         at each size, the users (3 roles each) are created by raw parallel `POST /v1/users` over \
         {p} connections (the server's capacity), deleted, then created by `provision::apply` \
         with {p} workers, through a counting proxy. Then, against the server holding them, \
         each read runs in a process of its own, {} times (the first on a new connection), \
         timed directly against the server, then once more through a counting proxy. \
          \"growth\" is the peak RSS (VmHWM) less the RSS before the first request (VmRSS); \
         \"listed\" includes `admin`.\n",
        s["seconds"].as_f64().unwrap_or(0.0),
        s["load_at_start"].as_str().unwrap_or("?"),
        s["load_at_end"].as_str().unwrap_or("?"),
        s["rounds"],
        p = s["parallel"],
    ));
    line("| users | run | created | users/s | total s | client CPU s | peak RSS MiB | requests | apply / raw |".into());
    line("|---:|---|---:|---:|---:|---:|---:|---|---:|".into());
    let empty = Vec::new();
    let rows = s["rows"].as_array().unwrap_or(&empty);
    let reqs = |v: &Value| -> String {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| format!("`{k}` × {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    for r in rows {
        let writes = r["writes"].as_array().unwrap_or(&empty);
        let rate = |peer: &str| {
            writes
                .iter()
                .find(|w| w["peer"] == peer)
                .and_then(|w| w["users_per_s"].as_f64())
        };
        for w in writes {
            let ratio = match (w["peer"].as_str(), rate("sdk"), rate("limit")) {
                (Some("sdk"), Some(a), Some(l)) => format!("{:.2}x", a / l),
                _ => "–".into(),
            };
            let name = if w["peer"] == "sdk" {
                format!("apply x{}", w["parallel"])
            } else {
                format!("raw POSTs x{}", w["parallel"])
            };
            line(format!(
                "| {} | {name} | {} | {:.1} | {:.1} | {:.2} | {:.1} | {} | {ratio} |",
                r["users"],
                w["created"],
                w["users_per_s"].as_f64().unwrap_or(0.0),
                w["elapsed_s"].as_f64().unwrap_or(0.0),
                w["client_cpu_s"].as_f64().unwrap_or(0.0),
                w["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
                reqs(&w["requests"]),
            ));
        }
    }
    line(String::new());
    line("| users listed | reply bytes | peer | op | median ms | client CPU ms / run | peak RSS MiB | growth MiB | growth / reply | requests |".into());
    line("|---:|---:|---|---|---:|---:|---:|---:|---:|---|".into());
    for r in rows {
        let reply = r["reply_bytes"].as_f64().unwrap_or(0.0);
        for x in r["reads"].as_array().unwrap_or(&empty) {
            let peak = x["peak_rss_kib"].as_f64().unwrap_or(0.0);
            let (growth, per_reply) = match x["rss_before_kib"].as_f64() {
                Some(before) => {
                    let g = (peak - before) * 1024.0;
                    (
                        format!("{:.1}", g / 1024.0 / 1024.0),
                        format!("{:.2}x", g / reply),
                    )
                }
                None => ("–".into(), "–".into()),
            };
            line(format!(
                "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {growth} | {per_reply} | {} |",
                r["listed"],
                r["reply_bytes"],
                x["peer"].as_str().unwrap_or("?"),
                x["op"].as_str().unwrap_or("?"),
                x["median_s"].as_f64().unwrap_or(0.0) * 1e3,
                x["cpu_s_per_run"].as_f64().unwrap_or(0.0) * 1e3,
                peak / 1024.0,
                reqs(&x["requests"]),
            ));
        }
    }
    line(String::new());
    o
}

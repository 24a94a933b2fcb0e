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

use super::*;

use aistore_authn::provision::{
    self, AclSpec, ApplyOptions, PasswordSource, PlanOptions, RoleSpec, UserSpec,
};
use aistore_authn::RoleInfo;

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

fn sdk_client(p: &ProvSpec, url: &str) -> Res<Client> {
    Ok(Client::builder(url)
        .token(p.token.clone())
        .proxy_from_env(false)
        .build()?)
}

/// `--prov-worker sdk|limit --spec PATH --op apply|plan|post --parallel N`.
pub(crate) fn worker(args: &[String]) -> Res<()> {
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("missing {name}"));
    let p: ProvSpec = serde_json::from_slice(&std::fs::read(need("--spec")?)?)?;
    let peer = args.first().cloned().ok_or("missing peer")?;
    let op = need("--op")?.to_owned();
    let parallel: usize = need("--parallel")?.parse()?;
    let run = match (peer.as_str(), op.as_str()) {
        ("sdk", "apply") => sdk_apply(&p, parallel)?,
        ("sdk", "plan") => sdk_plan(&p, env_or("BENCH_PROV_PLAN_BUDGET", 3.0))?,
        ("limit", "post") => limit_post(&p, parallel)?,
        other => return Err(format!("unknown provisioning worker {other:?}").into()),
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

/// Plans the whole spec (through the plan proxy) on a server holding the roles and none of
/// the users, then applies it with `parallel` workers (through the apply proxy).
fn sdk_apply(p: &ProvSpec, parallel: usize) -> Res<ProvRun> {
    let spec = bench_spec(p, p.users);
    let planner = sdk_client(p, &p.plan_proxy_url)?;
    let applier = sdk_client(p, &p.apply_proxy_url)?;
    let t0 = Instant::now();
    let plan = provision::plan(&planner, &spec, &PlanOptions::new())?;
    let plan_s = t0.elapsed().as_secs_f64();
    let creates = plan
        .actions
        .iter()
        .filter(|a| a.op == provision::Op::Create && a.kind == provision::Kind::User)
        .count();
    if creates != p.users || plan.actions.len() != p.users {
        return Err(format!(
            "expected a plan of {} user creates, got {} actions ({creates} user creates):\n{plan}",
            p.users,
            plan.actions.len()
        )
        .into());
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let report = provision::apply(&applier, &plan, &ApplyOptions::new().parallel(parallel));
    let elapsed_s = t0.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    if !report.is_success() {
        return Err(format!("apply failed: {report}").into());
    }
    Ok(ProvRun {
        peer: "sdk".into(),
        op: "apply".into(),
        parallel,
        users: p.users,
        elapsed_s,
        cpu_s,
        rss_kib: peak_rss_kib(),
        plan_s,
        plan_actions: plan.actions.len(),
        ..ProvRun::default()
    })
}

/// Times `plan` of the whole spec against the server that holds it (directly, after one
/// warm-up plan), for `budget` seconds or 50 plans; then plans once through the plan proxy
/// to count the requests. Every plan must be empty.
fn sdk_plan(p: &ProvSpec, budget: f64) -> Res<ProvRun> {
    let spec = bench_spec(p, p.users);
    let client = sdk_client(p, &p.url)?;
    let check = |plan: &provision::Plan| -> Res<()> {
        if plan.is_empty() {
            Ok(())
        } else {
            Err(format!("expected an empty plan, got:\n{plan}").into())
        }
    };
    check(&provision::plan(&client, &spec, &PlanOptions::new())?)?;
    let mut times = Vec::new();
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    while times.len() < 50 && start.elapsed().as_secs_f64() < budget {
        let t0 = Instant::now();
        let plan = provision::plan(&client, &spec, &PlanOptions::new())?;
        times.push(t0.elapsed().as_secs_f64());
        check(&plan)?;
    }
    let elapsed_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    check(&provision::plan(
        &sdk_client(p, &p.plan_proxy_url)?,
        &spec,
        &PlanOptions::new(),
    )?)?;
    times.sort_by(f64::total_cmp);
    let lat: Vec<Duration> = times.iter().map(|t| Duration::from_secs_f64(*t)).collect();
    Ok(ProvRun {
        peer: "sdk".into(),
        op: "plan".into(),
        parallel: 1,
        users: p.users,
        elapsed_s,
        cpu_s,
        rss_kib: peak_rss_kib(),
        p50_us: percentile_us(&lat, 0.50),
        p99_us: percentile_us(&lat, 0.99),
        plan_times_s: times,
        ..ProvRun::default()
    })
}

/// The server's capacity: the same `POST /v1/users` bodies `apply` sends (roles by name, as
/// the plan resolves them), pre-built, over `parallel` keep-alive connections (one per
/// worker), each worker taking the next user as `apply`'s workers do.
fn limit_post(p: &ProvSpec, parallel: usize) -> Res<ProvRun> {
    let host = host_of(&p.apply_proxy_url);
    let mut roles: Vec<&str> = p.roles.iter().map(String::as_str).collect();
    roles.sort_unstable();
    let roles: Vec<RoleInfo> = roles.iter().map(|r| RoleInfo::new(r, "")).collect();
    let requests: Vec<Vec<u8>> = (0..p.users)
        .map(|i| {
            let body = serde_json::to_vec(&json!({
                "id": p.user(i), "pass": p.password, "roles": roles,
            }))?;
            Ok(request(
                "POST",
                host,
                "/v1/users",
                Some(&p.token),
                Some(&body),
            ))
        })
        .collect::<Res<_>>()?;
    let next = AtomicU64::new(0);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let results: Vec<Res<Vec<Duration>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..parallel.max(1))
            .map(|_| {
                let (requests, next) = (&requests, &next);
                s.spawn(move || -> Res<Vec<Duration>> {
                    let mut conn = RawConn::connect(host)?;
                    let mut lat = Vec::new();
                    while let Some(r) = requests.get(next.fetch_add(1, Ordering::Relaxed) as usize)
                    {
                        let t0 = Instant::now();
                        let status = conn.exchange(r)?;
                        lat.push(t0.elapsed());
                        if status != 200 {
                            return Err(format!("POST /v1/users: HTTP {status}").into());
                        }
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
            .collect()
    });
    let elapsed_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    let mut lat = Vec::new();
    for r in results {
        lat.extend(r?);
    }
    lat.sort_unstable();
    Ok(ProvRun {
        peer: "limit".into(),
        op: "post".into(),
        parallel,
        users: p.users,
        elapsed_s,
        cpu_s,
        rss_kib: peak_rss_kib(),
        p50_us: percentile_us(&lat, 0.50),
        p99_us: percentile_us(&lat, 0.99),
        ..ProvRun::default()
    })
}

// ---------------------------------------------------------------------------------------------
// The orchestrator's part.

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

fn tally(lines: &[String]) -> BTreeMap<String, u64> {
    let mut by = BTreeMap::new();
    for l in lines {
        *by.entry(pattern(l)).or_insert(0) += 1;
    }
    by
}

fn run_prov_peer(setup: &Setup, spec_path: &Path, peer: &str, op: &str, n: usize) -> Res<ProvRun> {
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
fn check_users(admin: &Client, p: &ProvSpec, expect: usize, clear: bool) -> Res<()> {
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

fn mark(held: &Value) -> &'static str {
    match held.as_bool() {
        Some(true) => "held",
        Some(false) => "**missed**",
        None => "n/a",
    }
}

fn requests_text(by: &Value) -> String {
    by.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("`{k}` × {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The RESULTS.md section.
pub(crate) fn markdown(prov: &Value, nproc: &str) -> String {
    let mut o = String::new();
    let mut line = |t: String| {
        o.push_str(&t);
        o.push('\n');
    };
    let users = prov["users"].as_u64().unwrap_or(0);
    line(
        "## Provisioning: 1,000 users with 3 roles each\n".replace("1,000", &fmt_thousands(users)),
    );
    line(format!(
        "A second, fresh AuthN server (so the rows above leave nothing in it) holding 3 roles \
         `prov-r1..3` (made beforehand by `apply` of the same spec without users). Each run \
         creates the same {} users holding all three roles, and is checked afterwards (every \
         user present with its 3 roles); the users are deleted before the next run. \
         Every run goes through a counting proxy: the plan's requests through one, the writes \
         through another; the proxy adds well under a millisecond per request to creates that \
         take tens of milliseconds of bcrypt each.\n",
        fmt_thousands(users)
    ));
    line("- **apply xN**: `provision::plan` of a `Spec` with the 3 roles and the users (each password `{\"env\": \"BENCH_PROV_PASSWORD\"}`), then `provision::apply(&client, &plan, &ApplyOptions::new().parallel(N))` (verifying: one `GET /v1/users` at the end). The time is the apply's; the plan's is its own column.".into());
    line("- **raw POSTs xN** (the server's capacity at that concurrency): the same `POST /v1/users` bodies `apply` sends, pre-built, over N keep-alive connections (one per worker), each worker taking the next user.".into());
    line("- **Python loop**: `aistore==2.0.0`, `user_manager().create(name, roles, password)` for each user in turn (it looks up each role, POSTs, reads the user back).".into());
    line(format!(
        "- AuthN hashes each new password with bcrypt on its own cores (here {nproc}, shared with the client).\n"
    ));
    line("| run | users/s | total s | plan ms | p50 ms / create | client CPU s | peak RSS MiB | requests (writes proxy) | plan requests | conns |".into());
    line("|---|---:|---:|---:|---:|---:|---:|---|---|---:|".into());
    let cells = prov["cells"].as_array().cloned().unwrap_or_default();
    for c in cells.iter().filter(|c| c["op"] != "plan") {
        let name = match c["peer"].as_str().unwrap_or_default() {
            "sdk" => format!("apply x{}", c["parallel"]),
            "limit" => format!("raw POSTs x{}", c["parallel"]),
            _ => "Python loop".to_owned(),
        };
        let opt = |v: &Value, scale: f64| {
            v.as_f64()
                .filter(|x| *x > 0.0)
                .map(|x| fmt_num(x * scale))
                .unwrap_or_else(|| "–".into())
        };
        line(format!(
            "| {name} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} |",
            opt(&c["users_per_s"], 1.0),
            opt(&c["elapsed_s"], 1.0),
            opt(&c["plan_ms"], 1.0),
            opt(&c["p50_us"], 1e-3),
            opt(&c["client_cpu_s"], 1.0),
            c["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
            requests_text(&c["requests"]),
            if c["peer"] == "sdk" {
                requests_text(&c["plan_requests"])
            } else {
                "–".into()
            },
            c["connections"],
        ));
    }
    line(String::new());
    line("| apply | apply / raw POSTs | apply / Python loop | POSTs | other requests | plan requests | targets |".into());
    line("|---|---:|---:|---:|---:|---:|---|".into());
    for t in prov["targets"].as_array().cloned().unwrap_or_default() {
        let targets: Vec<String> = t["targets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        format!(
                            "{}: {}",
                            x["target"].as_str().unwrap_or_default(),
                            mark(&x["held"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        line(format!(
            "| x{} | {} | {} | {} | {} | {} | {} |",
            t["parallel"],
            fmt_ratio(&t["apply_over_limit"]),
            fmt_ratio(&t["apply_over_python"]),
            t["posts"],
            t["other_requests"],
            t["plan_requests"],
            targets.join("; ")
        ));
    }
    line(String::new());
    if let Some(plan) = cells.iter().find(|c| c["op"] == "plan") {
        let times: Vec<f64> = plan["plan_times_ms"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        let reqs: u64 = plan["plan_requests"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        line(format!(
            "**Plan against the server holding the {} users** (nothing to do): p50 {:.1} ms, min {:.1} ms, max {:.1} ms over {} plans (client CPU {:.1} ms per plan); {} requests ({}): {}.\n",
            fmt_thousands(users),
            plan["p50_us"].as_f64().unwrap_or(0.0) / 1e3,
            times.first().copied().unwrap_or(0.0),
            times.last().copied().unwrap_or(0.0),
            times.len(),
            plan["client_cpu_s"].as_f64().unwrap_or(0.0) * 1e3 / times.len().max(1) as f64,
            reqs,
            requests_text(&plan["plan_requests"]),
            mark(&Value::Bool(reqs <= 3)).replace("held", "target <= 3 held").replace("**missed**", "target <= 3 **missed**"),
        ));
    }
    line(format!(
        "These rows took {:.0} s (server start, the runs, the checks and deletes between them).\n",
        prov["seconds"].as_f64().unwrap_or(0.0)
    ));
    o
}

fn fmt_thousands(n: u64) -> String {
    if n >= 1000 && n % 1000 == 0 {
        format!("{},000", n / 1000)
    } else {
        n.to_string()
    }
}

//! The provisioning peers of this binary (`--prov-worker sdk|limit`): `provision::apply` and
//! `plan` through the SDK, and the raw parallel POSTs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aistore_authn::provision::{self, ApplyOptions, PlanOptions};
use aistore_authn::{Client, RoleInfo};
use serde_json::json;

use super::{bench_spec, ProvRun, ProvSpec};
use crate::raw_http::{host_of, request, RawConn};
use crate::timing::{cpu_seconds, peak_rss_kib, percentile_us};
use crate::{env_or, flag, Res};

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
        .actions()
        .iter()
        .filter(|a| a.op == provision::Op::Create && a.kind == provision::Kind::User)
        .count();
    let missing = p.users - p.present.min(p.users);
    if creates != missing || plan.len() != missing {
        return Err(format!(
            "expected a plan of {missing} user creates, got {} actions ({creates} user creates):\n{plan}",
            plan.len()
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
        users: missing,
        elapsed_s,
        cpu_s,
        rss_kib: peak_rss_kib(),
        plan_s,
        plan_actions: plan.len(),
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

//! Soak run: several threads share one `Client` and run mixed operations on a real AuthN
//! server; reports operations, errors (must be 0) and peak memory, and exits non-zero on any
//! error.
//!
//! ```sh
//! cargo run --release --example soak -- --threads 8 --ops 5000   # the long form
//! cargo run --example soak -- --threads 4 --ops 200              # what CI runs
//! ```
//!
//! Uses the server in `AIS_AUTHN_URL` (admin password in `AIS_AUTHN_SU_PASS`), or starts one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aistore_authn::{AccessAttr, Client, Error};
use aistore_authn_testkit::AuthnTarget;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

/// The peak resident memory of this process, from /proc (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let (threads, ops) = (arg("--threads", 4), arg("--ops", 1000));
    let target = AuthnTarget::from_env_or_start()?;
    let (url, admin_user, admin_pass) =
        (target.url(), target.admin_user(), target.admin_password());
    // Direct connections: a proxy from the environment has no business in a soak run.
    let connect = || Client::builder(url).proxy_from_env(false).build();
    let mut admin = connect()?;
    admin.login(admin_user, admin_pass, None)?;
    let run = std::process::id();
    let cluster = admin.cluster_manager().register_with_id(
        &format!("soak-{run}"),
        &format!("soak-{run}"),
        &[],
    )?;
    let role = format!("soak-r-{run}");
    admin
        .role_manager()
        .create(&role, "soak", &cluster.alias, AccessAttr::ACCESS_RO, None)?;

    let done = AtomicU64::new(0);
    let requests_failed = AtomicU64::new(0);
    let first_errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (admin, role, connect) = (&admin, &role, &connect);
            let (done, failed, first_errors) = (&done, &requests_failed, &first_errors);
            scope.spawn(move || {
                let users = admin.user_manager();
                let mut me = connect().expect("client");
                let note = |r: Result<(), Error>| {
                    done.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = r {
                        failed.fetch_add(1, Ordering::Relaxed);
                        let mut errors = first_errors.lock().unwrap();
                        if errors.len() < 5 {
                            errors.push(e.to_string());
                        }
                    }
                };
                let mut i = 0;
                while i < ops {
                    // One user's life: 8 operations, 2 of them hashing a password on the server.
                    let id = format!("soak-{run}-{t}-{i}");
                    note(users.create(&id, &[role], "pw-1").map(drop));
                    note(users.get(&id).map(drop));
                    note(admin.role_manager().list().map(drop));
                    note(users.update(&id, Some("pw-2"), None).map(drop));
                    note(admin.cluster_manager().list().map(drop));
                    note(
                        me.login(&id, "pw-2", Some(Duration::from_secs(120 + i)))
                            .map(drop),
                    );
                    note(me.user_manager().get(&id).map(drop));
                    note(users.delete(&id, false));
                    i += 8;
                }
            });
        }
    });
    let elapsed = started.elapsed();
    admin.role_manager().delete(&role, true)?;
    admin.cluster_manager().delete(&cluster.id, true)?;
    for prefix in ["ClusterOwner", "BucketOwner", "Guest"] {
        admin
            .role_manager()
            .delete(&format!("{prefix}-{}", cluster.alias), true)?;
    }

    let (n, errors) = (
        done.load(Ordering::Relaxed),
        requests_failed.load(Ordering::Relaxed),
    );
    println!(
        "soak: {threads} threads sharing one client, {n} operations, {errors} errors, {:.1} s, {:.0} ops/s, peak RSS {} KiB",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        peak_rss_kib().map_or("?".into(), |k| k.to_string())
    );
    for e in first_errors.lock().unwrap().iter() {
        println!("  error: {e}");
    }
    if errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

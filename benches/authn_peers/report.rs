//! The report: the machine it ran on, the ratios and targets, and RESULTS.md (also again from
//! results.json with `--render`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::orchestrate::Cell;
use crate::peers::Setup;
use crate::{provision, Res, OPS};

/// The load average when the harness started (read once, on first use, at start-up).
pub(crate) fn load_at_start() -> String {
    static LOAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LOAD.get_or_init(|| {
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|_| "unknown".into())
    })
    .clone()
}

/// `--render`: writes RESULTS.md again from results.json and the current ANALYSIS.md, for a
/// change to the hand-written analysis after a run. Measures nothing.
pub(crate) fn render() -> Res<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::var_os("BENCH_OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("benches"));
    let report: Value = serde_json::from_slice(&std::fs::read(out_dir.join("results.json"))?)?;
    let cells: Vec<Cell> = serde_json::from_value(report["cells"].clone())?;
    let ratios: Vec<Value> = serde_json::from_value(report["ratios"].clone())?;
    std::fs::write(
        out_dir.join("RESULTS.md"),
        markdown(&report, &cells, &ratios, &root),
    )?;
    eprintln!("wrote {}", out_dir.join("RESULTS.md").display());
    Ok(())
}

pub(crate) fn machine(setup: &Setup) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let python = setup.python.to_string_lossy().into_owned();
    let root = env!("CARGO_MANIFEST_DIR");
    let git_dirty = !cmd_out(
        "git",
        &["-C", root, "status", "--porcelain", "--untracked-files=no"],
    )
    .is_empty();
    json!({
        "nproc": cmd_out("nproc", &[]),
        "cpu": cpu,
        "memory": mem,
        "kernel": cmd_out("uname", &["-sr"]),
        "rustc": cmd_out("rustc", &["-V"]),
        "go": cmd_out("go", &["version"]),
        "python": cmd_out(&python, &["--version"]),
        "python_sdk": cmd_out(&python, &["-c", "import aistore; print('aistore', aistore.__version__)"]),
        "go_client": "github.com/NVIDIA/aistore/api/authn v1.5.0",
        "authn_server": aistore_authn_testkit::AUTHN_VERSION,
        "crate": format!("aistore-authn {}", env!("CARGO_PKG_VERSION")),
        "git_commit": cmd_out("git", &["-C", root, "rev-parse", "--short", "HEAD"]),
        "git_dirty": git_dirty,
        "date_utc": cmd_out("date", &["-u", "+%Y-%m-%d %H:%M"]),
        "load_at_start": load_at_start(),
        "load_note": std::env::var("BENCH_LOAD_NOTE").unwrap_or_else(|_| "not recorded".into()),
    })
}

/// SDK/limit, SDK/Go and SDK/Python ops/s ratios per operation and level, with the targets.
pub(crate) fn ratios(cells: &[Cell]) -> Vec<Value> {
    let mut keys: Vec<(String, usize)> = Vec::new();
    for c in cells {
        let k = (c.op.clone(), c.users_present);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.iter()
        .map(|(op, level)| {
            let find = |peer: &str| {
                cells
                    .iter()
                    .find(|c| &c.op == op && c.users_present == *level && c.peer == peer)
            };
            let sdk = find("sdk");
            let ratio =
                |peer: &str| -> Option<f64> { Some(sdk?.ops_per_s / find(peer)?.ops_per_s) };
            let (l, g, p) = (ratio("limit"), ratio("go"), ratio("python"));
            let read_target = matches!(
                op.as_str(),
                "get_user" | "list_users" | "get_role" | "list_roles"
            );
            let write_target = matches!(
                op.as_str(),
                "create_delete_1" | "create_delete_5" | "update_password" | "update_roles_5"
            );
            let mut targets = Vec::new();
            if read_target {
                targets.push(json!({"target": "SDK >= 0.95x limit", "held": l.map(|r| r >= 0.95)}));
                targets.push(json!({"target": "SDK >= Go", "held": g.map(|r| r >= 1.0)}));
                targets.push(json!({"target": "SDK >= 3x Python", "held": p.map(|r| r >= 3.0)}));
            }
            if write_target {
                // Create/update: 3 requests whatever the roles (create+delete adds the DELETE).
                let writes = sdk.map(|c| {
                    c.requests_per_op - c.requests_by_method.get("DELETE").copied().unwrap_or(0.0)
                });
                let want = if op == "update_password" { 2.0 } else { 3.0 };
                targets.push(json!({
                    "target": format!("SDK create/update: {want} requests"),
                    "held": writes.map(|w| (w - want).abs() < 1e-9),
                }));
            }
            json!({
                "op": op, "users_present": level,
                "sdk_over_limit": l, "sdk_over_go": g, "sdk_over_python": p,
                "targets": targets,
            })
        })
        .collect()
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub(crate) fn fmt_ratio(v: &Value) -> String {
    v.as_f64()
        .map(|r| format!("{r:.2}x"))
        .unwrap_or_else(|| "–".into())
}

pub(crate) fn markdown(report: &Value, cells: &[Cell], ratios: &[Value], root: &Path) -> String {
    let m = &report["machine"];
    let s = &report["settings"];
    let mut o = String::new();
    let w = &mut o;
    let line = |w: &mut String, t: String| {
        w.push_str(&t);
        w.push('\n');
    };
    line(
        w,
        "# AuthN client benchmark: this SDK, the raw-HTTP limit, the Python SDK, the Go client\n"
            .into(),
    );
    line(
        w,
        "Generated by the harness; do not edit by hand. Reproduce from a clean checkout with:\n"
            .into(),
    );
    line(
        w,
        format!(
            "```sh\n{}\n```\n",
            report["command"].as_str().unwrap_or_default()
        ),
    );
    line(w, "## Machine\n".into());
    line(w, "| | |\n|---|---|".into());
    for (k, label) in [
        ("nproc", "cores (`nproc`)"),
        ("cpu", "CPU"),
        ("memory", "memory"),
        ("kernel", "kernel"),
        ("rustc", "Rust"),
        ("go", "Go"),
        ("python", "Python"),
        ("python_sdk", "Python SDK"),
        ("go_client", "Go client"),
        ("authn_server", "AuthN server"),
        ("crate", "this crate"),
        ("git_commit", "commit"),
        ("date_utc", "date (UTC)"),
        ("load_at_start", "load average at start (1, 5, 15 min)"),
        ("load_sampled", "other load during the run (sampled)"),
        ("load_note", "load before the run"),
    ] {
        let v = match &m[k] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let v = if k == "git_commit" && m["git_dirty"].as_bool() == Some(true) {
            format!("{v} (with uncommitted changes)")
        } else {
            v
        };
        line(w, format!("| {label} | {v} |"));
    }
    line(w, String::new());
    line(w, "## How it measures\n".into());
    line(w, format!(
        "One AuthN server (started by the harness on loopback, HMAC tokens) and the same data for every \
         peer: one registered cluster, 5 roles `bench-r1..5` ({} roles in all, with the ones AuthN makes \
         for the cluster), and users holding 1 to 5 roles. Each peer runs as its own process; each cell \
         times one operation single-threaded for {} s (bcrypt-bound writes: {} s or 60 operations) after a \
         warm-up, on one keep-alive connection, best of {} run(s). ops/s is operations over wall time; \
         p50/p99 are per-operation latencies (nearest rank). Requests per operation are counted by a \
         TCP proxy in the harness that parses the requests it forwards (a separate, untimed pass of 2-3 \
         operations); \"conns\" is the connections that pass opened (it runs one thread, also for the multi-threaded row). Client CPU is the peer process's \
         user + system time in the timed loop over the operations done (all its threads; the server's \
         CPU not included). Peak RSS is the peer process's high-water mark (VmHWM / ru_maxrss).",
        s["roles_present"], s["budget_s"], s["slow_budget_s"], s["rounds"]
    ));
    line(w, String::new());
    line(w, "- **sdk**: this crate, release build, one `Client` (`Client::builder(url).token(..).proxy_from_env(false)`), its managers.".into());
    line(w, "- **limit**: the SDK's exact request sequence as pre-built bytes over one keep-alive `TcpStream` (TCP_NODELAY), reading only the status, headers and body length (Content-Length or chunked); no JSON parsing, no validation, no retries.".into());
    line(w, "- **go**: `github.com/NVIDIA/aistore/api/authn` v1.5.0 with `cmn.NewClient(cmn.TransportArgs{})` (as the `ais` CLI). It has no read-back after a write and no role lookup: `AddUser` sends role names, which AuthN resolves (and silently drops if unknown); `UpdateUser` is one PUT.".into());
    line(w, "- **python**: `aistore==2.0.0`, `AuthNClient(url, token=..)`, `user_manager()`, `role_manager()`; login on a second `AuthNClient`.".into());
    line(w, format!(
        "- The multi-threaded row runs {} threads sharing one client (Go: goroutines sharing one `BaseParams`; Python: threads sharing one `AuthNClient`; the limit: one connection per thread, as it cannot share one). The server runs on the same {} cores.",
        s["threads"], m["nproc"].as_str().unwrap_or("?")
    ));
    line(
        w,
        "- \"users\" is the number of users `GET /v1/users` returns (`admin` included).\n".into(),
    );

    line(w, "## Ratios (ops/s) and targets\n".into());
    line(
        w,
        "| operation | users | SDK/limit | SDK/Go | SDK/Python | targets |".into(),
    );
    line(w, "|---|---:|---:|---:|---:|---|".into());
    for r in ratios {
        let op = r["op"].as_str().unwrap_or_default();
        let label = OPS.iter().find(|o| o.0 == op).map(|o| o.1).unwrap_or(op);
        let targets: Vec<String> = r["targets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        let mark = match t["held"].as_bool() {
                            Some(true) => "held",
                            Some(false) => "**missed**",
                            None => "n/a",
                        };
                        format!("{}: {mark}", t["target"].as_str().unwrap_or_default())
                    })
                    .collect()
            })
            .unwrap_or_default();
        line(
            w,
            format!(
                "| {label} | {} | {} | {} | {} | {} |",
                r["users_present"],
                fmt_ratio(&r["sdk_over_limit"]),
                fmt_ratio(&r["sdk_over_go"]),
                fmt_ratio(&r["sdk_over_python"]),
                if targets.is_empty() {
                    "–".into()
                } else {
                    targets.join("; ")
                }
            ),
        );
    }
    line(w, String::new());

    line(w, "## Results\n".into());
    line(w, "| operation | users | peer | ops/s | p50 ms | p99 ms | client CPU µs/op | requests/op | conns | peak RSS MiB |".into());
    line(w, "|---|---:|---|---:|---:|---:|---:|---|---:|---:|".into());
    for c in cells {
        let by: Vec<String> = c
            .requests_by_method
            .iter()
            .map(|(m, n)| format!("{m} {}", fmt_num(*n)))
            .collect();
        let label = if c.threads > 1 {
            c.label
                .replace("N threads", &format!("{} threads", c.threads))
        } else {
            c.label.clone()
        };
        line(
            w,
            format!(
                "| {label} | {} | {} | {} | {:.3} | {:.3} | {} | {} ({}) | {} | {:.1} |",
                c.users_present,
                c.peer,
                fmt_num(c.ops_per_s),
                c.p50_us / 1e3,
                c.p99_us / 1e3,
                fmt_num(c.client_cpu_us_per_op),
                fmt_num(c.requests_per_op),
                by.join(", "),
                c.connections_in_count_pass,
                c.peak_rss_kib as f64 / 1024.0
            ),
        );
    }
    line(w, String::new());

    line(
        w,
        "## Request sequences of the writes (one operation, as the proxy saw them)\n".into(),
    );
    line(w, "| operation | peer | requests |".into());
    line(w, "|---|---|---|".into());
    for c in cells.iter().filter(|c| {
        matches!(
            c.op.as_str(),
            "create_delete_1" | "create_delete_5" | "update_password" | "update_roles_5" | "login"
        )
    }) {
        line(
            w,
            format!(
                "| {} | {} | {} |",
                c.label,
                c.peer,
                c.request_sequence
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
        );
    }
    line(w, String::new());

    if !report["provisioning"].is_null() {
        w.push_str(&provision::markdown(
            &report["provisioning"],
            m["nproc"].as_str().unwrap_or("?"),
        ));
    }

    // The scale rows, from their own run (`--scale`), when there has been one: scale.json
    // beside results.json.
    let scale = std::env::var_os("BENCH_OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("benches"))
        .join("scale.json");
    if let Some(scale) = std::fs::read(scale)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter(|v| !v.is_null())
    {
        w.push_str(&provision::scale::markdown(&scale));
    }

    line(w, "## Build cost\n".into());
    let b = &report["build"];
    if b.is_null() {
        line(
            w,
            "Not measured in this run (`benches/run.sh` measures it).\n".into(),
        );
    } else {
        line(w, format!(
            "Cold `cargo build` (dev profile) of the library alone in a fresh target directory, sources \
             already downloaded; crates = `{}`.\n",
            b["crate_count_command"].as_str().unwrap_or_default()
        ));
        line(w, "| features | cold build s | crates |".into());
        line(w, "|---|---:|---:|".into());
        for (k, label) in [
            ("default", "default (`rustls`)"),
            ("no_default", "`--no-default-features`"),
        ] {
            line(
                w,
                format!(
                    "| {label} | {} | {} |",
                    b[k]["cold_build_s"], b[k]["crates"]
                ),
            );
        }
        line(w, String::new());
        line(w, format!(
            "Quickstart example (`cargo build --release --example quickstart`, stripped copy): {} bytes ({:.2} MiB).\n",
            b["quickstart_stripped_bytes"],
            b["quickstart_stripped_bytes"].as_f64().unwrap_or(0.0) / 1024.0 / 1024.0
        ));
    }

    // The offline-verification section, written by its own harness (benches/verify/run.sh).
    if let Ok(section) = std::fs::read_to_string(root.join("benches/verify/RESULTS.md")) {
        line(w, section.trim_end().to_owned());
        line(w, String::new());
    }
    if let Ok(notes) = std::fs::read_to_string(root.join("benches").join("ANALYSIS.md")) {
        line(w, notes.trim_end().to_owned());
        line(w, String::new());
    }
    o
}

fn cmd_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let mut s = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            if s.is_empty() {
                s = String::from_utf8_lossy(&o.stderr).trim().to_owned();
            }
            s
        })
        .unwrap_or_else(|| "unknown".into())
}

//! The run: the fixtures, the rounds (each implementation as its own process, alternating),
//! callgrind's instruction counts, then the report.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::{fixtures, report, Res};

/// The implementations, as the workers and results.json name them; `sdk` first, `go` last.
pub(crate) const IMPLS: [&str; 5] = ["sdk", "jwt-aws-lc", "jwt-rust-crypto", "jwt9-ring", "go"];
/// Those that callgrind measures (the Rust ones).
pub(crate) const RUST_IMPLS: [&str; 4] = ["sdk", "jwt-aws-lc", "jwt-rust-crypto", "jwt9-ring"];
pub(crate) const ALGS: [&str; 2] = ["hs256", "rs256"];

/// One measurement: one process, one implementation, one algorithm.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct Run {
    #[serde(rename = "impl")]
    pub(crate) implementation: String,
    pub(crate) alg: String,
    pub(crate) round: usize,
    pub(crate) iters: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) cpu_s: f64,
}

pub(crate) struct Settings {
    pub(crate) rounds: usize,
    pub(crate) budget: f64,
    pub(crate) go: PathBuf,
    pub(crate) callgrind: bool,
    pub(crate) callgrind_iters: u64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub(crate) fn root() -> PathBuf {
    // benches/verify -> the repository root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn run() -> Res<()> {
    let root = root();
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out)?;
    let settings = Settings {
        rounds: env_or("VERIFY_ROUNDS", 7),
        budget: env_or("VERIFY_BUDGET", 1.0),
        go: std::env::var_os("VERIFY_GO")
            .map(PathBuf::from)
            .unwrap_or_else(|| out.join("verify-go")),
        callgrind: env_or("VERIFY_CALLGRIND", 1) != 0,
        callgrind_iters: env_or("VERIFY_CALLGRIND_ITERS", 200),
    };
    let load_start = report::load_now();
    eprintln!("== fixtures: two AuthN v1.5.0 servers (HMAC, RSA), a user token from each");
    let fixtures_path = out.join("verify-fixtures.json");
    let fixtures = fixtures::make(&fixtures_path)?;

    let mut runs = Vec::new();
    for round in 0..settings.rounds {
        for alg in ALGS {
            for k in 0..IMPLS.len() {
                let implementation = IMPLS[(round + k) % IMPLS.len()];
                let run = measure(&settings, &fixtures_path, implementation, alg, round)?;
                eprintln!(
                    "round {round} {alg} {implementation}: {:.0}/s, {:.2} µs CPU each",
                    run.iters as f64 / run.elapsed_s,
                    run.cpu_s / run.iters as f64 * 1e6
                );
                runs.push(run);
            }
        }
    }
    let load_end = report::load_now();

    let mut instructions = Vec::new();
    if settings.callgrind {
        for alg in ALGS {
            for implementation in RUST_IMPLS {
                let per = callgrind(&settings, &fixtures_path, implementation, alg)?;
                eprintln!("callgrind {alg} {implementation}: {per:.0} instructions each");
                instructions.push((implementation.to_owned(), alg.to_owned(), per));
            }
        }
    }
    report::write(
        &root,
        &settings,
        &fixtures,
        &runs,
        &instructions,
        (&load_start, &load_end),
    )
}

fn worker_command(
    settings: &Settings,
    fixtures: &Path,
    implementation: &str,
    alg: &str,
) -> Res<Command> {
    let fixtures = fixtures.to_str().ok_or("non-UTF-8 path")?;
    let mut cmd = if implementation == "go" {
        Command::new(&settings.go)
    } else {
        let mut c = Command::new(std::env::current_exe()?);
        c.args(["--worker", implementation]);
        c
    };
    cmd.args(["--alg", alg, "--fixtures", fixtures]);
    Ok(cmd)
}

/// One timed process; its JSON line.
fn measure(
    settings: &Settings,
    fixtures: &Path,
    implementation: &str,
    alg: &str,
    round: usize,
) -> Res<Run> {
    let budget = settings.budget.to_string();
    let out = worker_command(settings, fixtures, implementation, alg)?
        .args(["--budget", &budget, "--max-iters", "1000000000"])
        .args(["--warmup", "200"])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "{implementation} {alg}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    v["round"] = round.into();
    v["impl"] = implementation.into();
    Ok(serde_json::from_value(v)?)
}

/// Instructions per verification under callgrind: the difference between a run of
/// `callgrind_iters` + 10 verifications and one of 10, so that start-up and key parsing cancel.
fn callgrind(settings: &Settings, fixtures: &Path, implementation: &str, alg: &str) -> Res<f64> {
    let dir = root().join("target/bench/callgrind");
    std::fs::create_dir_all(&dir)?;
    let mut counts = Vec::new();
    for iters in [10, 10 + settings.callgrind_iters] {
        let file = dir.join(format!("callgrind.{implementation}.{alg}.{iters}"));
        let worker = worker_command(settings, fixtures, implementation, alg)?;
        let out = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", file.display()))
            .arg(worker.get_program())
            .args(worker.get_args())
            .args(["--budget", "1000000", "--max-iters", &iters.to_string()])
            .args(["--warmup", "0"])
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "callgrind {implementation} {alg}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let text = std::fs::read_to_string(&file)?;
        let total = text
            .lines()
            .find_map(|l| l.strip_prefix("summary:").or(l.strip_prefix("totals:")))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or("no totals in the callgrind output")?;
        counts.push(total);
    }
    Ok((counts[1] - counts[0]) / settings.callgrind_iters as f64)
}

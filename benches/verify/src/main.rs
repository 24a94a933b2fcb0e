//! Offline token verification, side by side: this SDK's `Verifier`, the `jsonwebtoken` crate
//! (12.x with each of its two crypto backends, aws-lc-rs and RustCrypto, and 9.x, on ring as
//! the SDK), and AIStore v1.5.0's own Go validation (`cmd/authn/tok`, benches/verify/go/), on
//! the same real AuthN tokens (HS256, and RS256 with the server's 2048-bit key).
//!
//! `bash benches/verify/run.sh` builds the Go peer and runs this (release); it writes
//! benches/verify/results.json and benches/verify/RESULTS.md, and puts the latter into
//! benches/RESULTS.md as its "Offline verification" section. `--splice` only does that last
//! step (and brings the analysis at the end of benches/RESULTS.md up to date with
//! benches/ANALYSIS.md), measuring nothing: after a change to the analysis.
//!
//! Each measurement is its own process (`--worker sdk|jwt-aws-lc|jwt-rust-crypto|jwt9-ring`,
//! or the Go binary): the verifier is made once, then one token is verified in a loop on one
//! thread for the budget; verifications/s over wall time, CPU time (getrusage, all the
//! process's threads) per verification. Rounds alternate the five, starting each round with
//! the next one. Then callgrind counts the instructions per verification of the four Rust
//! implementations.
//!
//! Settings (environment):
//! - `VERIFY_ROUNDS` (default 7), `VERIFY_BUDGET` seconds per measurement (default 1.0);
//! - `VERIFY_GO`: the Go peer's binary (run.sh builds it into target/bench/verify-go);
//! - `VERIFY_CALLGRIND` (default 1; 0 skips it), `VERIFY_CALLGRIND_ITERS` (default 200);
//! - `BENCH_LOAD_NOTE`: what the machine was doing (goes into the report).

mod fixtures;
mod orchestrate;
mod report;
mod workers;

use std::path::PathBuf;

pub(crate) type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A worker's arguments: `--worker IMPL --alg A --fixtures F --budget S --max-iters N
/// --warmup N`.
pub(crate) struct WorkerArgs {
    pub(crate) implementation: String,
    pub(crate) alg: String,
    pub(crate) fixtures: PathBuf,
    pub(crate) budget: f64,
    pub(crate) max_iters: u64,
    pub(crate) warmup: u64,
}

fn worker_args(args: &[String]) -> Res<WorkerArgs> {
    let get = |name: &str| -> Res<&str> {
        let at = args
            .iter()
            .position(|a| a == name)
            .ok_or(format!("missing {name}"))?;
        Ok(args.get(at + 1).ok_or(format!("{name} needs a value"))?)
    };
    Ok(WorkerArgs {
        implementation: get("--worker")?.to_owned(),
        alg: get("--alg")?.to_owned(),
        fixtures: PathBuf::from(get("--fixtures")?),
        budget: get("--budget")?.parse()?,
        max_iters: get("--max-iters")?.parse()?,
        warmup: get("--warmup")?.parse()?,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.iter().any(|a| a == "--worker") {
        worker_args(&args).and_then(|w| workers::run(&w))
    } else if args.iter().any(|a| a == "--splice") {
        report::splice_again()
    } else {
        orchestrate::run()
    };
    if let Err(e) = result {
        eprintln!("verify bench: {e}");
        std::process::exit(1);
    }
}

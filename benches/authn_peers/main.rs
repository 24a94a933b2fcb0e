//! Side-by-side benchmark: this SDK, the raw-HTTP limit, the Python SDK and the Go client,
//! against one real AuthN server with the same data, in one run. See benches/README.md.
//!
//! Run everything with `bash benches/run.sh` (it builds the Go peer and the Python venv, then
//! runs this with `cargo bench --bench authn_peers`). This program:
//!
//! 1. starts one AuthN server (`LocalServer`), registers a cluster, makes 5 roles and the
//!    users the operations need, and starts a counting TCP proxy in front of the server;
//! 2. for each operation and each peer, starts the peer as a separate process (the Rust SDK
//!    and the limit are this binary with `--worker sdk|limit`), which times the operation
//!    directly against the server for a time budget, then repeats it a few times through the
//!    proxy, which counts the HTTP requests (by method) and connections it forwards;
//! 3. grows the user count to 100 and 1,000 for the list-users rows;
//! 4. on a second, fresh server, runs the provisioning rows (`provision/`):
//!    1,000 users with 3 roles each by `provision::apply` with N workers, by the Python SDK in a
//!    loop, and by raw parallel POSTs; then times `plan` against the server holding them;
//! 5. writes benches/results.json and benches/RESULTS.md.
//!
//! Environment (all optional): `BENCH_BUDGET` (seconds per cell for reads, default 2),
//! `BENCH_SLOW_BUDGET` (for bcrypt-bound writes, default 3), `BENCH_THREADS` (the
//! multi-threaded row, default 4), `BENCH_ROUNDS` (runs of each read cell, peers interleaved;
//! the best is kept, default 2), `BENCH_PEERS` (default `sdk,limit,go,python`), `BENCH_LEVELS` (default `10,100,1000`),
//! `BENCH_GO_PEER`, `BENCH_PYTHON`, `BENCH_BUILD_JSON`, `BENCH_COMMAND`, `BENCH_OUT_DIR`;
//! for the provisioning rows `BENCH_PROV_USERS` (default 1000, 0 skips them),
//! `BENCH_PROV_PARALLEL` (default `2,4,8`) and `BENCH_PROV_PLAN_BUDGET` (default 3 s).
//!
//! The files, one job each: `orchestrate.rs` (steps 1-3 and 5), `peers.rs` (what a peer
//! process is given and prints, and how one is run), `workers.rs` (the Rust SDK and limit
//! peers), `timing.rs` (the timed loop inside a peer), `raw_http.rs` (the limit's HTTP/1.1
//! client), `proxy.rs` (the counting proxy), `report.rs` (results.json's machine and ratios,
//! RESULTS.md, `--render`), `load.rs` (other load during the run) and `provision/` (step 4).

mod load;
mod orchestrate;
mod peers;
mod provision;
mod proxy;
mod raw_http;
mod report;
mod timing;
mod workers;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

const PASSWORD: &str = "bench-Passw0rd";
const PEERS: [&str; 4] = ["sdk", "limit", "go", "python"];

/// The operations, in table order: (name, label, bcrypt-bound).
const OPS: [(&str, &str, bool); 10] = [
    ("get_user", "get user", false),
    ("list_users", "list users", false),
    ("get_role", "get role", false),
    ("list_roles", "list roles", false),
    ("create_delete_1", "create + delete user, 1 role", true),
    ("create_delete_5", "create + delete user, 5 roles", true),
    ("update_password", "update password", true),
    ("update_roles_5", "update roles (5)", false),
    ("login", "login", true),
    ("get_user_mt", "get user, N threads, one client", false),
];

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--worker") => workers::worker(&args[1..]),
        Some("--prov-worker") => provision::worker(&args[1..]),
        Some("--scale-worker") => provision::scale::worker(&args[1..]),
        Some("--scale") => provision::scale::run_only(),
        Some("--serve") => orchestrate::run(true),
        Some("--render") => report::render(),
        _ => orchestrate::run(false),
    };
    if let Err(e) = result {
        eprintln!("authn_peers: {e}");
        std::process::exit(1);
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

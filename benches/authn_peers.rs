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
//! 4. on a second, fresh server, runs the provisioning rows (benches/authn_peers/provision.rs):
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

#[path = "authn_peers/load.rs"]
mod load;
#[path = "authn_peers/provision.rs"]
mod provision;

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aistore_authn::{AccessAttr, Client};
use aistore_authn_testkit::LocalServer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

// ---------------------------------------------------------------------------------------------
// What every peer is given: the same server, token and names.

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Spec {
    url: String,
    proxy_url: String,
    token: String,
    /// The user that `get_user` reads.
    user: String,
    /// The role that `get_role` reads.
    role: String,
    roles1: Vec<String>,
    roles5: Vec<String>,
    /// `create_delete_*` creates and deletes `{new_user_prefix}-{peer}`.
    new_user_prefix: String,
    /// The password of every user the benchmark makes, and the one updates set.
    password: String,
    /// The user `update_*` changes.
    upd_user: String,
    /// The user `login` logs in as.
    login_user: String,
    /// Threads of the multi-threaded row.
    threads: usize,
}

/// One peer's measurement of one operation, as each peer prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PeerRun {
    peer: String,
    op: String,
    threads: usize,
    iters: u64,
    elapsed_s: f64,
    ops_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    rss_kib: u64,
    /// CPU time (user + system, all threads) the peer process spent in the timed loop.
    cpu_s: f64,
    count_iters: u64,
}

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
        Some("--worker") => worker(&args[1..]),
        Some("--prov-worker") => provision::worker(&args[1..]),
        Some("--serve") => orchestrate(true),
        Some("--render") => render(),
        _ => orchestrate(false),
    };
    if let Err(e) = result {
        eprintln!("authn_peers: {e}");
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------------
// Workers: the Rust SDK and the limit, each in a process of its own (for a clean peak RSS).

struct WorkerArgs {
    peer: String,
    spec: Spec,
    op: String,
    budget: Duration,
    max_iters: u64,
    warmup: u64,
    count_iters: u64,
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn worker(args: &[String]) -> Res<()> {
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("missing {name}"));
    let spec: Spec = serde_json::from_slice(&std::fs::read(need("--spec")?)?)?;
    let w = WorkerArgs {
        peer: args.first().cloned().ok_or("missing peer")?,
        spec,
        op: need("--op")?.to_owned(),
        budget: Duration::from_secs_f64(need("--budget")?.parse()?),
        max_iters: need("--max-iters")?.parse()?,
        warmup: need("--warmup")?.parse()?,
        count_iters: need("--count-iters")?.parse()?,
    };
    let run = match w.peer.as_str() {
        "sdk" => sdk_worker(&w)?,
        "limit" => limit_worker(&w)?,
        other => return Err(format!("unknown worker {other}").into()),
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

/// This process's CPU time so far (user + system, all threads, exited ones included).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[allow(unsafe_code)] // the one unsafe call of the workspace: libc's CPU clock, no crate for it
fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a timespec (64-bit Linux layout) that lives across the call.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
    } else {
        0.0
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_seconds() -> f64 {
    0.0
}

/// A timed loop's latencies (sorted), wall time and CPU time.
struct Timed {
    lat: Vec<Duration>,
    elapsed: Duration,
    cpu_s: f64,
}

/// Runs `op` (one iteration per call) for the budget on `threads` threads (each with its own
/// `op`, made by `make`), after `warmup` iterations.
fn time_loop<F, M>(w: &WorkerArgs, threads: usize, make: M) -> Res<Timed>
where
    M: Fn() -> Res<F> + Sync,
    F: FnMut() -> Res<()>,
{
    {
        let mut op = make()?;
        for _ in 0..w.warmup {
            op()?;
        }
    }
    let per_thread = (w.max_iters / threads as u64).max(1);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let results: Vec<Res<Vec<Duration>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let make = &make;
                s.spawn(move || -> Res<Vec<Duration>> {
                    let mut op = make()?;
                    let mut lat = Vec::with_capacity(4096);
                    while (lat.len() as u64) < per_thread && start.elapsed() < w.budget {
                        let t0 = Instant::now();
                        op()?;
                        lat.push(t0.elapsed());
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
    let elapsed = start.elapsed();
    let cpu_s = cpu_seconds() - cpu0;
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort_unstable();
    Ok(Timed {
        lat: all,
        elapsed,
        cpu_s,
    })
}

fn percentile_us(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).saturating_sub(1);
    sorted[i].as_nanos() as f64 / 1e3
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn finish(w: &WorkerArgs, threads: usize, t: &Timed) -> PeerRun {
    let (lat, elapsed) = (&t.lat, t.elapsed);
    PeerRun {
        peer: w.peer.clone(),
        op: w.op.clone(),
        threads,
        iters: lat.len() as u64,
        elapsed_s: elapsed.as_secs_f64(),
        ops_per_s: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_us: percentile_us(lat, 0.50),
        p99_us: percentile_us(lat, 0.99),
        rss_kib: peak_rss_kib(),
        cpu_s: t.cpu_s,
        count_iters: w.count_iters,
    }
}

/// The SDK as a user would use it: one `Client`, the managers it hands out.
fn sdk_worker(w: &WorkerArgs) -> Res<PeerRun> {
    let s = &w.spec;
    let client_for = |url: &str| -> Res<Client> {
        Ok(Client::builder(url)
            .token(s.token.clone())
            .proxy_from_env(false)
            .build()?)
    };
    let new_user = format!("{}-sdk", s.new_user_prefix);
    let roles1: Vec<&str> = s.roles1.iter().map(String::as_str).collect();
    let roles5: Vec<&str> = s.roles5.iter().map(String::as_str).collect();
    // One iteration of the op on `client`.
    let one = |client: &mut Client| -> Res<()> {
        match w.op.as_str() {
            "get_user" | "get_user_mt" => drop(client.user_manager().get(&s.user)?),
            "list_users" => drop(client.user_manager().list()?),
            "get_role" => drop(client.role_manager().get(&s.role)?),
            "list_roles" => drop(client.role_manager().list()?),
            "create_delete_1" | "create_delete_5" => {
                let roles = if w.op == "create_delete_1" {
                    &roles1
                } else {
                    &roles5
                };
                let users = client.user_manager();
                users.create(&new_user, roles, &s.password)?;
                users.delete(&new_user, false)?;
            }
            "update_password" => {
                drop(
                    client
                        .user_manager()
                        .update(&s.upd_user, Some(&s.password), None)?,
                );
            }
            "update_roles_5" => {
                drop(
                    client
                        .user_manager()
                        .update(&s.upd_user, None, Some(&roles5))?,
                );
            }
            "login" => drop(client.login(&s.login_user, &s.password, None)?),
            other => return Err(format!("unknown op {other}").into()),
        }
        Ok(())
    };
    let (timed, threads) = if w.op == "get_user_mt" {
        // N threads sharing one client.
        let client = client_for(&s.url)?;
        let make = || -> Res<_> {
            let client = &client;
            Ok(move || -> Res<()> {
                client.user_manager().get(&s.user)?;
                Ok(())
            })
        };
        (time_loop(w, s.threads, make)?, s.threads)
    } else {
        let client = Mutex::new(client_for(&s.url)?);
        let make = || -> Res<_> {
            let client = &client;
            let one = &one;
            Ok(move || -> Res<()> { one(&mut client.lock().unwrap()) })
        };
        (time_loop(w, 1, make)?, 1)
    };
    let mut counted = client_for(&s.proxy_url)?;
    for _ in 0..w.count_iters {
        one(&mut counted)?;
    }
    Ok(finish(w, threads, &timed))
}

// ---------------------------------------------------------------------------------------------
// The limit: pre-built request bytes on one keep-alive TcpStream, minimal reply parsing.

/// One keep-alive connection: writes pre-built requests, reads each reply's head and skips
/// its body (Content-Length or chunked); no JSON parsing.
struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
}

impl RawConn {
    fn connect(addr: &str) -> io::Result<RawConn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(RawConn {
            stream,
            buf: vec![0; 64 * 1024],
            pos: 0,
            len: 0,
        })
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.len == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
            } else {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.len..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.len += n;
        Ok(())
    }

    /// The index just past the next `needle` at or after `pos`, reading more as needed.
    fn find(&mut self, needle: &[u8]) -> io::Result<usize> {
        loop {
            if let Some(i) = self.buf[self.pos..self.len]
                .windows(needle.len())
                .position(|w| w == needle)
            {
                return Ok(self.pos + i + needle.len());
            }
            self.fill()?;
        }
    }

    fn need(&mut self, n: usize) -> io::Result<()> {
        while self.len - self.pos < n {
            self.fill()?;
        }
        Ok(())
    }

    /// Sends `request` and consumes the reply; returns its status.
    fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
        self.stream.write_all(request)?;
        let end = self.find(b"\r\n\r\n")?;
        let head = &self.buf[self.pos..end];
        let status = head
            .get(9..12)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other("bad status line"))?;
        let mut length = 0usize;
        let mut chunked = false;
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            if name.eq_ignore_ascii_case(b"content-length") {
                length = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| io::Error::other("bad content-length"))?;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                chunked = value.eq_ignore_ascii_case(b"chunked");
            }
        }
        self.pos = end;
        if chunked {
            loop {
                let line_end = self.find(b"\r\n")?;
                let hex = &self.buf[self.pos..line_end - 2];
                let hex = hex.split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| usize::from_str_radix(h.trim(), 16).ok())
                    .ok_or_else(|| io::Error::other("bad chunk size"))?;
                self.pos = line_end;
                if size == 0 {
                    // Trailers (AuthN sends none), then the blank line.
                    loop {
                        let e = self.find(b"\r\n")?;
                        let blank = e - self.pos == 2;
                        self.pos = e;
                        if blank {
                            break;
                        }
                    }
                    break;
                }
                self.need(size + 2)?;
                self.pos += size + 2;
            }
        } else {
            self.need(length)?;
            self.pos += length;
        }
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        }
        Ok(status)
    }

    /// Sends `request` and returns the reply body (set-up only, not timed).
    fn body_of(&mut self, request: &[u8]) -> io::Result<Vec<u8>> {
        self.stream.write_all(request)?;
        let end = self.find(b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&self.buf[self.pos..end]).to_ascii_lowercase();
        let mut body = Vec::new();
        self.pos = end;
        if head.contains("transfer-encoding: chunked") {
            loop {
                let line_end = self.find(b"\r\n")?;
                let size = usize::from_str_radix(
                    std::str::from_utf8(&self.buf[self.pos..line_end - 2])
                        .map_err(io::Error::other)?
                        .trim(),
                    16,
                )
                .map_err(io::Error::other)?;
                self.pos = line_end;
                self.need(size + 2)?;
                body.extend_from_slice(&self.buf[self.pos..self.pos + size]);
                self.pos += size + 2;
                if size == 0 {
                    break;
                }
            }
        } else {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            self.need(length)?;
            body.extend_from_slice(&self.buf[self.pos..self.pos + length]);
            self.pos += length;
        }
        if !head.starts_with("http/1.1 200") {
            return Err(io::Error::other(format!(
                "set-up request failed: {}",
                head.lines().next().unwrap_or_default()
            )));
        }
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        }
        Ok(body)
    }
}

/// Pre-built request bytes.
fn request(
    method: &str,
    host: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let mut r = r.into_bytes();
    if let Some(b) = body {
        r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes());
        r.extend_from_slice(b);
    } else {
        r.extend_from_slice(b"\r\n");
    }
    r
}

fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

/// The same requests the SDK sends for `op`, pre-built for the server at `url`.
fn limit_requests(s: &Spec, op: &str, url: &str) -> Res<Vec<Vec<u8>>> {
    let host = host_of(url);
    let tok = Some(s.token.as_str());
    let get = |path: &str| request("GET", host, path, tok, None);
    let new_user = format!("{}-limit", s.new_user_prefix);
    // The full roles, as the SDK sends them (fetched once, here, untimed).
    let full_roles = |names: &[String]| -> Res<String> {
        let direct = host_of(&s.url);
        let mut conn = RawConn::connect(direct)?;
        let get = |path: &str| request("GET", direct, path, tok, None);
        let mut parts = Vec::new();
        for n in names {
            let body = conn.body_of(&get(&format!("/v1/roles/{n}")))?;
            parts.push(String::from_utf8(body)?.trim().to_owned());
        }
        Ok(format!("[{}]", parts.join(",")))
    };
    Ok(match op {
        "get_user" | "get_user_mt" => vec![get(&format!("/v1/users/{}", s.user))],
        "list_users" => vec![get("/v1/users")],
        "get_role" => vec![get(&format!("/v1/roles/{}", s.role))],
        "list_roles" => vec![get("/v1/roles")],
        "create_delete_1" | "create_delete_5" => {
            let (names, lookup) = if op == "create_delete_1" {
                (&s.roles1, get(&format!("/v1/roles/{}", s.roles1[0])))
            } else {
                (&s.roles5, get("/v1/roles"))
            };
            let body = format!(
                r#"{{"id":"{new_user}","pass":"{}","roles":{}}}"#,
                s.password,
                full_roles(names)?
            );
            vec![
                lookup,
                request("POST", host, "/v1/users", tok, Some(body.as_bytes())),
                get(&format!("/v1/users/{new_user}")),
                request("DELETE", host, &format!("/v1/users/{new_user}"), tok, None),
            ]
        }
        "update_password" => {
            let body = format!(r#"{{"id":"{}","pass":"{}"}}"#, s.upd_user, s.password);
            let path = format!("/v1/users/{}", s.upd_user);
            vec![
                request("PUT", host, &path, tok, Some(body.as_bytes())),
                get(&path),
            ]
        }
        "update_roles_5" => {
            let body = format!(
                r#"{{"id":"{}","roles":{}}}"#,
                s.upd_user,
                full_roles(&s.roles5)?
            );
            let path = format!("/v1/users/{}", s.upd_user);
            vec![
                get("/v1/roles"),
                request("PUT", host, &path, tok, Some(body.as_bytes())),
                get(&path),
            ]
        }
        "login" => {
            let body = format!(r#"{{"password":"{}"}}"#, s.password);
            vec![request(
                "POST",
                host,
                &format!("/v1/users/{}", s.login_user),
                None,
                Some(body.as_bytes()),
            )]
        }
        other => return Err(format!("unknown op {other}").into()),
    })
}

fn limit_worker(w: &WorkerArgs) -> Res<PeerRun> {
    let s = &w.spec;
    let threads = if w.op == "get_user_mt" { s.threads } else { 1 };
    let requests = limit_requests(s, &w.op, &s.url)?;
    // The limit cannot share one connection between threads: one connection per thread.
    let make = || -> Res<_> {
        let mut conn = RawConn::connect(host_of(&s.url))?;
        let requests = &requests;
        Ok(move || -> Res<()> {
            for r in requests {
                let status = conn.exchange(r)?;
                if status != 200 {
                    return Err(format!("HTTP {status}").into());
                }
            }
            Ok(())
        })
    };
    let timed = time_loop(w, threads, make)?;
    let counted = limit_requests(s, &w.op, &s.proxy_url)?;
    let mut conn = RawConn::connect(host_of(&s.proxy_url))?;
    for _ in 0..w.count_iters {
        for r in &counted {
            let status = conn.exchange(r)?;
            if status != 200 {
                return Err(format!("HTTP {status} through the proxy").into());
            }
        }
    }
    Ok(finish(w, threads, &timed))
}

// ---------------------------------------------------------------------------------------------
// The counting proxy: forwards bytes both ways and counts requests (parsed from the client's
// side: request line, headers, Content-Length or chunked body) and connections.

#[derive(Default)]
struct Counts {
    connections: AtomicU64,
    requests: Mutex<Vec<String>>,
}

struct Proxy {
    addr: String,
    counts: Arc<Counts>,
}

impl Proxy {
    fn start(upstream: String) -> Res<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?.to_string();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (c, upstream) = (c.clone(), upstream.clone());
                std::thread::spawn(move || {
                    if let Err(e) = forward(client, &upstream, &c) {
                        if e.kind() != io::ErrorKind::UnexpectedEof {
                            eprintln!("proxy: {e}");
                        }
                    }
                });
            }
        });
        Ok(Proxy { addr, counts })
    }

    /// The request lines seen since the last call, and the connections opened.
    fn take(&self) -> (Vec<String>, u64) {
        let lines = std::mem::take(&mut *self.counts.requests.lock().unwrap());
        (lines, self.counts.connections.swap(0, Ordering::SeqCst))
    }
}

fn forward(client: TcpStream, upstream: &str, counts: &Counts) -> io::Result<()> {
    counts.connections.fetch_add(1, Ordering::SeqCst);
    let server = TcpStream::connect(upstream)?;
    server.set_nodelay(true)?;
    client.set_nodelay(true)?;
    let (mut from_server, mut to_client) = (server.try_clone()?, client.try_clone()?);
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(std::net::Shutdown::Both);
    });
    let mut reader = BufReader::new(client);
    let mut to_server = server;
    let result = (|| -> io::Result<()> {
        loop {
            let mut head = Vec::new();
            let mut line = Vec::new();
            let mut first = String::new();
            let (mut length, mut chunked) = (0u64, false);
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    return Ok(()); // the client closed the connection
                }
                head.extend_from_slice(&line);
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end();
                if first.is_empty() {
                    first = text.to_owned();
                    continue;
                }
                if text.is_empty() {
                    break;
                }
                let lower = text.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                } else if let Some(v) = lower.strip_prefix("transfer-encoding:") {
                    chunked = v.contains("chunked");
                }
            }
            let mut words = first.split_whitespace();
            let (method, path) = (words.next().unwrap_or("?"), words.next().unwrap_or("?"));
            counts
                .requests
                .lock()
                .unwrap()
                .push(format!("{method} {path}"));
            to_server.write_all(&head)?;
            if chunked {
                loop {
                    line.clear();
                    reader.read_until(b'\n', &mut line)?;
                    to_server.write_all(&line)?;
                    let size = u64::from_str_radix(
                        String::from_utf8_lossy(&line)
                            .trim()
                            .split(';')
                            .next()
                            .unwrap_or(""),
                        16,
                    )
                    .unwrap_or(0);
                    io::copy(&mut (&mut reader).take(size + 2), &mut to_server)?;
                    if size == 0 {
                        break;
                    }
                }
            } else {
                io::copy(&mut (&mut reader).take(length), &mut to_server)?;
            }
        }
    })();
    let _ = to_server.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    result
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

/// A measured cell: one peer, one operation, one user-count level.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cell {
    op: String,
    label: String,
    users_present: usize,
    peer: String,
    threads: usize,
    iters: u64,
    elapsed_s: f64,
    ops_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    /// The peer process's CPU time per operation in the timed loop (user + system).
    client_cpu_us_per_op: f64,
    peak_rss_kib: u64,
    requests_per_op: f64,
    requests_by_method: BTreeMap<String, f64>,
    connections_in_count_pass: u64,
    /// The requests of one operation, as the proxy saw them.
    request_sequence: Vec<String>,
}

struct Setup {
    spec_path: PathBuf,
    go_peer: PathBuf,
    python: PathBuf,
    peer_py: PathBuf,
    budget: f64,
    slow_budget: f64,
    rounds: usize,
}

fn run_peer(setup: &Setup, peer: &str, op: &str, slow: bool) -> Res<PeerRun> {
    let budget = if slow {
        setup.slow_budget
    } else {
        setup.budget
    };
    let (max_iters, warmup, count_iters) = if slow {
        (60u64, 1u64, 2u64)
    } else {
        (1_000_000, 20, 3)
    };
    let me = std::env::current_exe()?;
    let mut cmd = match peer {
        "sdk" | "limit" => {
            let mut c = Command::new(me);
            c.args(["--worker", peer]);
            c
        }
        "go" => Command::new(&setup.go_peer),
        "python" => {
            let mut c = Command::new(&setup.python);
            c.arg(&setup.peer_py);
            c
        }
        other => return Err(format!("unknown peer {other}").into()),
    };
    cmd.arg("--spec")
        .arg(&setup.spec_path)
        .args(["--op", op])
        .args(["--budget", &budget.to_string()])
        .args(["--max-iters", &max_iters.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args(["--count-iters", &count_iters.to_string()]);
    run_peer_process(cmd, peer, op)
}

/// Runs a peer process (no proxy variables: the peers talk to the server or the counting
/// proxy directly) and decodes the JSON of its last line of output.
fn run_peer_process<T: serde::de::DeserializeOwned>(
    mut cmd: Command,
    peer: &str,
    what: &str,
) -> Res<T> {
    cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
    for key in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env_remove(key);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run peer {peer}: {e}"))?;
    if !out.status.success() {
        return Err(format!("peer {peer} failed on {what} ({})", out.status).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(last).map_err(|e| format!("peer {peer} printed {last:?}: {e}"))?)
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

/// Sets up the server and data and measures every peer; with `serve_only`, sets up, prints
/// the spec file's path and waits until killed (to profile one peer by hand:
/// `authn_peers --worker sdk --spec target/bench/spec.json --op get_user ...`).
fn orchestrate(serve_only: bool) -> Res<()> {
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

/// The load average when the harness started (read once, on first use, at start-up).
fn load_at_start() -> String {
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
fn render() -> Res<()> {
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

fn machine(setup: &Setup) -> Value {
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
fn ratios(cells: &[Cell]) -> Vec<Value> {
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

fn fmt_num(v: f64) -> String {
    if v >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_ratio(v: &Value) -> String {
    v.as_f64()
        .map(|r| format!("{r:.2}x"))
        .unwrap_or_else(|| "–".into())
}

fn markdown(report: &Value, cells: &[Cell], ratios: &[Value], root: &Path) -> String {
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

    if let Ok(notes) = std::fs::read_to_string(root.join("benches").join("ANALYSIS.md")) {
        line(w, notes.trim_end().to_owned());
        line(w, String::new());
    }
    o
}

//! Test support: the real AuthN server, and a loopback stub for exact wire checks.
#![allow(dead_code)] // tests/threads.rs uses parts of it too

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use aistore_authn::{AccessAttr, Client, ClusterInfo};
use aistore_authn_testkit::{AuthnTarget, LocalServer};

/// Tests of what older AuthN releases lack (a module of its own: the CLI's tests include it).
#[path = "versions.rs"]
pub mod versions;
pub use versions::{local_release, older_than, requires};

/// The AuthN server a test runs against: its own fresh local one, or the external server
/// named by `AIS_AUTHN_URL` (admin password in `AIS_AUTHN_SU_PASS`, admin name in
/// `AIS_AUTHN_SU_NAME`, default `admin`).
pub struct TestServer {
    target: AuthnTarget,
    pub url: String,
    pub admin_user: String,
    pub admin_password: String,
}

impl TestServer {
    /// Starts (or points at) the server. A server that cannot be had fails the test with the
    /// fix in the message; tests are never skipped.
    pub fn start() -> TestServer {
        let target = AuthnTarget::from_env_or_start()
            .unwrap_or_else(|e| panic!("cannot start the real AuthN server for the tests:\n{e}"));
        TestServer::from_target(target)
    }

    /// Wraps a local server started with particular settings (always local, whatever
    /// `AIS_AUTHN_URL` says).
    pub fn from_local(local: LocalServer) -> TestServer {
        TestServer::from_target(AuthnTarget::from(local))
    }

    fn from_target(target: AuthnTarget) -> TestServer {
        TestServer {
            url: target.url().to_owned(),
            admin_user: target.admin_user().to_owned(),
            admin_password: target.admin_password().to_owned(),
            target,
        }
    }

    /// True when this is the test's own fresh server (not one named by `AIS_AUTHN_URL`).
    pub fn is_local(&self) -> bool {
        self.target.is_local()
    }

    /// The AuthN release of the test's own server (`AISTORE_AUTHN_VERSION`, default the
    /// testkit's `AUTHN_VERSION`); `None` for a server named by `AIS_AUTHN_URL`.
    pub fn version(&self) -> Option<&str> {
        self.target.local().map(LocalServer::version)
    }

    /// Whether a test of `what`, which needs AuthN `since` or newer, can run here
    /// ([`requires`]: false, and the skip recorded, only on an older release run on purpose).
    pub fn requires(&self, since: &str, what: &str) -> bool {
        requires(self.version(), since, what)
    }

    /// True when the suite runs against a release older than `version` on purpose; never
    /// for the default release or a server of unknown version.
    pub fn older_than(&self, version: &str) -> bool {
        older_than(self.version(), version)
    }

    /// Whether AuthN refuses revoked tokens on its own API (v1.5.0). v1.4 servers accept them
    /// until they expire; they only tell the clusters, which refuse them.
    pub fn refuses_revoked_tokens(&self) -> bool {
        self.requires("v1.5.0", "AuthN refusing revoked tokens on its own API")
    }

    /// A client logged in as the administrator.
    pub fn admin(&self) -> Client {
        self.login(&self.admin_user, &self.admin_password)
    }

    /// A client with no token, connecting directly (a CI proxy must not see loopback traffic).
    pub fn anonymous(&self) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .build()
            .unwrap()
    }

    /// A client sending `token`, connecting directly.
    pub fn with_token(&self, token: &str) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .token(token)
            .build()
            .unwrap()
    }

    /// A client logged in as `user`.
    pub fn login(&self, user: &str, password: &str) -> Client {
        let mut client = self.anonymous();
        client
            .login(user, password, None)
            .unwrap_or_else(|e| panic!("login as {user}: {e}"));
        client
    }

    /// The raw body of `GET path`, with the admin token: what the server stores, byte for byte.
    pub fn raw_get(&self, admin: &Client, path: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        let mut reply = agent
            .get(format!("{}{path}", self.url))
            .header(
                "Authorization",
                format!("Bearer {}", admin.token().unwrap()),
            )
            .call()
            .unwrap();
        reply.body_mut().read_to_string().unwrap()
    }
}

/// A fresh local server signing tokens with RSA, or `None` (the skip recorded) when the suite
/// runs a release without RSA signing (before v1.4.2) on purpose.
pub fn rsa_server() -> Option<TestServer> {
    requires(Some(&local_release()), "v1.4.2", "RSA signing")
        .then(|| TestServer::from_local(LocalServer::builder().rsa_signing().start().unwrap()))
}

/// Registers a new cluster (no URLs, so AuthN contacts nothing) with a unique ID and alias.
pub fn cluster(admin: &Client) -> ClusterInfo {
    admin
        .cluster_manager()
        .register_with_id(&unique("id"), &unique("c"), &[])
        .unwrap()
}

/// Makes a role granting `perms` on a new cluster; returns its name.
pub fn role(admin: &Client, perms: AccessAttr) -> String {
    let c = cluster(admin);
    let name = unique("r");
    admin
        .role_manager()
        .create(&name, "test role", &c.alias, perms, None)
        .unwrap();
    name
}

/// A name no other test uses, valid as a user, role or alias name: `prefix` plus a suffix.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("{prefix}-{:x}-{n}", std::process::id());
    assert!(name.len() <= 32, "test name too long: {name}");
    name
}

/// One request as the stub received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What a raw stub does with a request.
#[derive(Clone)]
pub enum Raw {
    /// Write these bytes and keep the connection for the next request.
    Reply(Vec<u8>),
    /// Write these bytes, then close the connection.
    Last(Vec<u8>),
    /// Close the connection without writing anything.
    Close,
}

/// An HTTP/1.1 reply with a JSON body (none when empty). A redirect points at a path the
/// tests answer 200, so following it would be seen.
pub fn http_reply(status: u16, body: &str) -> Vec<u8> {
    let content_type = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    let location = if (300..400).contains(&status) {
        "Location: /v1/redirected\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {status} X\r\n{content_type}{location}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A loopback HTTP/1.1 stub that records every request. Keep-alive works as with a real
/// server.
pub struct Stub {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// How many TCP connections were accepted.
    pub connections: Arc<std::sync::atomic::AtomicUsize>,
}

type Handler = dyn Fn(&Recorded, usize) -> Raw + Send + Sync;

impl Stub {
    /// Answers `reply(&request)` as `(status, JSON body)`.
    pub fn start(reply: impl Fn(&Recorded) -> (u16, String) + Send + Sync + 'static) -> Stub {
        Stub::start_raw(move |r, _| {
            let (status, body) = reply(r);
            Raw::Reply(http_reply(status, &body))
        })
    }

    /// Answers `reply(&request, n)`, `n` being how many requests came before this one.
    pub fn start_raw(reply: impl Fn(&Recorded, usize) -> Raw + Send + Sync + 'static) -> Stub {
        Stub::start_raw_on(TcpListener::bind("127.0.0.1:0").unwrap(), reply)
    }

    /// As [`Stub::start_raw`], on a listener the test bound.
    pub fn start_raw_on(
        listener: TcpListener,
        reply: impl Fn(&Recorded, usize) -> Raw + Send + Sync + 'static,
    ) -> Stub {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reply: Arc<Handler> = Arc::new(reply);
        let seen = requests.clone();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted = connections.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (seen, reply) = (seen.clone(), reply.clone());
                thread::spawn(move || serve(stream, &seen, &*reply));
            }
        });
        Stub {
            url,
            requests,
            connections,
        }
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// `METHOD path` of each request, in order.
    pub fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// A client with the stub's token that connects directly.
    pub fn client(&self) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .token("stub-token")
            .build()
            .unwrap()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Recorded>>, reply: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap_or(0));
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Recorded {
            method,
            path,
            headers,
            body,
        };
        let n = {
            let mut seen = seen.lock().unwrap();
            seen.push(request.clone());
            seen.len() - 1
        };
        match reply(&request, n) {
            Raw::Reply(bytes) => {
                if out.write_all(&bytes).is_err() {
                    return;
                }
            }
            Raw::Last(bytes) => {
                let _ = out.write_all(&bytes);
                return;
            }
            Raw::Close => return,
        }
    }
}

pub use aistore_authn_testkit::TestCerts as TlsFiles;

/// Certificates for the TLS tests (the testkit's [`TlsFiles`]).
pub fn make_tls_files(dir: &std::path::Path) -> TlsFiles {
    TlsFiles::make(dir).unwrap_or_else(|e| panic!("cannot make test certificates: {e}"))
}

/// A data-plane client for an AIStore cluster: plain HTTP, no proxy, redirects followed by
/// hand with the same method, token and body (the proxy redirects object and bucket calls to
/// the target, and the token must go along).
pub struct AisHttp {
    agent: ureq::Agent,
}

impl Default for AisHttp {
    fn default() -> Self {
        AisHttp {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_global(Some(std::time::Duration::from_secs(30)))
                .proxy(None)
                .build()
                .into(),
        }
    }
}

impl AisHttp {
    /// The status and body of `method url` with `token` and `body`, after at most three
    /// redirects.
    pub fn call(
        &self,
        method: &str,
        url: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String) {
        let mut url = url.to_owned();
        for _ in 0..4 {
            let mut request = ureq::http::Request::builder().method(method).uri(&url);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            let reply = match body {
                Some(body) => self.agent.run(
                    request
                        .header("Content-Type", "application/json")
                        .body(body.as_bytes().to_vec())
                        .unwrap(),
                ),
                None => self.agent.run(request.body(()).unwrap()),
            };
            let mut reply = reply.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            let status = reply.status().as_u16();
            let location = reply
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = reply.body_mut().read_to_string().unwrap_or_default();
            match (status, location) {
                (301 | 302 | 307 | 308, Some(next)) => url = next,
                _ => return (status, text),
            }
        }
        panic!("{method} {url}: too many redirects")
    }
}

/// Every log line of this test process from the moment [`capture_logs`] is first called, at
/// TRACE, as (target, "LEVEL target message"). One logger for the binary: a process can
/// install only one, and two tests look at logs.
static LOG_LINES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        LOG_LINES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((record.target().to_owned(), line));
    }
    fn flush(&self) {}
}

/// Installs the capturing logger at TRACE (once per process).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in the test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The lines captured so far.
pub fn log_lines() -> Vec<(String, String)> {
    LOG_LINES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

//! Helpers for the testkit's own tests: raw HTTP against a cluster (ureq), certificates (the
//! openssl command), and the processes running on this machine (/proc).
#![allow(dead_code)] // each test binary uses a different part

use aistore_authn_testkit::TestCerts;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An HTTP client that reports every status as it is and follows no redirect, with no proxy;
/// for HTTPS it trusts `ca` only and, if given, presents a client certificate.
pub fn agent(ca: Option<&Path>, client_cert: Option<(&Path, &Path)>) -> ureq::Agent {
    use ureq::tls::{parse_pem, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};
    let certs = |path: &Path| -> Vec<ureq::tls::Certificate<'static>> {
        parse_pem(&std::fs::read(path).unwrap())
            .filter_map(|item| match item.unwrap() {
                PemItem::Certificate(cert) => Some(cert),
                _ => None,
            })
            .collect()
    };
    let mut tls = TlsConfig::builder();
    if let Some(ca) = ca {
        tls = tls.root_certs(RootCerts::new_with_certs(&certs(ca)));
    }
    if let Some((cert, key)) = client_cert {
        let key = PrivateKey::from_pem(&std::fs::read(key).unwrap()).unwrap();
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs(cert), key)));
    }
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .proxy(None)
        .tls_config(tls.build())
        .build()
        .into()
}

/// A reply: status, `Location` header, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// One request, with `token` as a bearer token if given, and `body` if given.
pub fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Result<Reply, ureq::Error> {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let reply = match body {
        Some(body) => agent.run(request.body(body.to_vec()).unwrap()),
        None => agent.run(request.body(()).unwrap()),
    };
    let mut reply = reply?;
    let location = reply
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Reply {
        status: reply.status().as_u16(),
        location,
        body: reply.body_mut().read_to_string().unwrap_or_default(),
    })
}

/// As [`call`], following one redirect (proxy to target) with the same method, token and
/// body, as AIStore clients must.
pub fn call_following(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    let reply = call(agent, method, url, token, body).unwrap();
    match (reply.status, &reply.location) {
        (301 | 302 | 307 | 308, Some(location)) => {
            call(agent, method, location, token, body).unwrap()
        }
        _ => reply,
    }
}

/// The certificates of an HTTPS cluster with client certificates (the testkit's own
/// [`TestCerts`]).
pub fn make_certs(dir: &Path) -> TestCerts {
    TestCerts::make(dir).unwrap_or_else(|e| panic!("cannot make test certificates: {e}"))
}

/// A fresh scratch directory for a test's files (certificates, fake binaries).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "aistore-testkit-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The processes whose command line contains `needle` (PID and command line), this test
/// process excepted.
pub fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        // Gone meanwhile, or a zombie (empty command line): not running.
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push((pid, cmdline.trim().to_owned()));
        }
    }
    found
}

/// Waits up to `timeout` until no process mentions `needle`; returns those still running.
pub fn wait_for_no_process_mentioning(needle: &str, timeout: Duration) -> Vec<(u32, String)> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = processes_mentioning(needle);
        if found.is_empty() || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The entries of the system's temporary directory whose name starts with `prefix`.
pub fn temp_entries(prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect()
}

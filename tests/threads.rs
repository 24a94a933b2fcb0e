//! Requests start no thread: ureq 3.5's default resolver starts one per request when a timeout
//! is set, which cost this client about 90 µs a request (benches/RESULTS.md). One test in its
//! own binary, so that no other test's threads are counted.
#![cfg(target_os = "linux")]

#[path = "it/support.rs"]
mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use aistore_authn::Client;
use support::Stub;

/// The IDs of this process's live threads.
fn threads() -> HashSet<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Threads that appear while `client` sends 300 requests, seen by sampling all along.
fn threads_started_by(client: &Client) -> Vec<String> {
    client.role_manager().list().unwrap(); // connects, and the stub starts its thread for it
    let before = threads();
    let done = AtomicBool::new(false);
    let (sampler, seen) = std::thread::scope(|s| {
        let sampling = s.spawn(|| {
            let me = std::fs::read_link("/proc/thread-self").unwrap();
            let me = me.file_name().unwrap().to_string_lossy().into_owned();
            let mut seen = HashSet::new();
            while !done.load(Ordering::Relaxed) {
                seen.extend(threads());
            }
            (me, seen)
        });
        for _ in 0..300 {
            client.role_manager().list().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        sampling.join().unwrap()
    });
    seen.into_iter()
        .filter(|t| !before.contains(t) && *t != sampler)
        .collect()
}

#[test]
fn requests_start_no_threads() {
    let stub = Stub::start(|_| (200, "[]".into()));
    // An IP literal, and a host name (resolved once, then reused).
    let by_name = stub.url.replace("127.0.0.1", "localhost");
    for url in [stub.url.as_str(), by_name.as_str()] {
        let client = Client::builder(url).proxy_from_env(false).build().unwrap();
        let started = threads_started_by(&client);
        assert!(
            started.is_empty(),
            "{url}: {} threads started during 300 requests",
            started.len()
        );
    }
}

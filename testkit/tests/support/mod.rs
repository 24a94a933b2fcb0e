//! Helpers for the testkit's own tests: the processes running on this machine (/proc) and the
//! system's temporary directory.
#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;
use std::time::{Duration, Instant};

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

//! Tests of what older AuthN releases lack (or a program missing here), and their skips. Shared by this binary and the
//! CLI's (`cli/tests/cli/main.rs` includes this file), so both record skips the same way.
//!
//! A test that needs a newer release than the one the suite runs asks [`requires`]: false
//! (the skip recorded) only when the suite runs an older release on purpose
//! (`AISTORE_AUTHN_VERSION`); the default release and servers of unknown version always run
//! it, and a `since` newer than the default release is a mistake in the test.
//!
//! libtest shows a test's output only when it fails, so each skip is also appended to
//! [`SKIPS_FILE`], which `.ci/run` empties before a run and prints after.
#![allow(dead_code)] // each binary uses its part

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use aistore_authn_testkit::AUTHN_VERSION;

/// The file every skip is appended to, one line each (`<test>: <why>`), in Cargo's temporary
/// directory for integration tests (`target/tmp`, the same for every package of the
/// workspace).
pub const SKIPS_FILE: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/test-skips.txt");

/// Whether a test of `what`, which needs AuthN `since` or newer, can run on a server of this
/// `release` (`None`: unknown). When not, the skip is printed and recorded in [`SKIPS_FILE`].
pub fn requires(release: Option<&str>, since: &str, what: &str) -> bool {
    if older_than(release, since) {
        record_skip(&format!(
            "{what} needs AuthN {since} or newer; this server is {}",
            release.unwrap_or_default()
        ));
        return false;
    }
    true
}

/// True when the suite runs against a `server` release older than `version` on purpose;
/// never for the default release or a server of unknown version (`None`).
pub fn older_than(server: Option<&str>, version: &str) -> bool {
    assert!(
        numbers(version) <= numbers(AUTHN_VERSION),
        "{version} is newer than the release the suite runs by default ({AUTHN_VERSION})"
    );
    server.is_some_and(|v| numbers(v) < numbers(version))
}

/// The AuthN release the suite's local servers run: `AISTORE_AUTHN_VERSION` when set and not
/// empty, else the testkit's default (the rule the testkit documents for
/// `LocalServerBuilder::version`). For a test that must know it before it starts a server,
/// such as one that needs RSA signing.
pub fn local_release() -> String {
    std::env::var("AISTORE_AUTHN_VERSION")
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| AUTHN_VERSION.to_owned())
}

/// Whether `program` (a shell such as `fish`) is on the PATH for a test of `what`; when not,
/// the skip is printed and recorded in [`SKIPS_FILE`] (`.ci/run` installs it and fails on any
/// skip, so CI always runs the test).
pub fn program_present(program: &str, what: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        record_skip(&format!("{what} needs `{program}` on the PATH"));
    }
    found
}

/// Prints `why` (seen with `--nocapture`) and appends it to [`SKIPS_FILE`] after the name of
/// the test (libtest names each test's thread after it), once per test and reason.
fn record_skip(why: &str) {
    static RECORDED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let current = std::thread::current();
    let line = format!("{}: {why}\n", current.name().unwrap_or("(unnamed thread)"));
    print!("skipped: {line}");
    let mut recorded = RECORDED.lock().unwrap_or_else(PoisonError::into_inner);
    if recorded.contains(&line) {
        return; // once per test and reason
    }
    recorded.push(line.clone());
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(SKIPS_FILE)
        .and_then(|mut file| file.write_all(line.as_bytes()))
        .unwrap_or_else(|e| panic!("cannot record the skip in {SKIPS_FILE}: {e}"));
}

/// The numbers of a release such as `v1.4.9` (or `v1.5.0-rc1`), to compare.
fn numbers(version: &str) -> Vec<u64> {
    version
        .trim_start_matches('v')
        .split(['-', '+'])
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("not a release: {version}"))
        })
        .collect()
}

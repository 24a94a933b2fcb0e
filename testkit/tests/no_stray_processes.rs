//! Nothing the testkit starts outlives its use: a test process killed with SIGKILL leaves no
//! server and no directory.
//!
//! Processes are found by their command line, which names the server's temporary directory.
#![cfg(target_os = "linux")]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aistore_authn_testkit::LocalServer;
use support::wait_for_no_process_mentioning;

/// Set in the child process of [`a_killed_test_process_leaves_nothing_behind`].
const CHILD: &str = "AISTORE_TESTKIT_KILLED_CHILD";

/// Runs only as the child of the test below: starts a server, says where it is, and waits to
/// be killed.
#[test]
fn child_holding_a_server() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let server = LocalServer::start().unwrap();
    println!("READY {}", server.config_dir().display());
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[test]
fn a_killed_test_process_leaves_nothing_behind() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holding_a_server",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may have written "test <name> ... " on the same line first.
            if let Some((_, rest)) = line.split_once("READY ") {
                let _ = tx.send(rest.to_owned());
            }
        }
    });
    let Ok(dir) = rx.recv_timeout(Duration::from_secs(120)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the child process did not start a server");
    };

    // Running now: the server, its guard and the directory's cleaner.
    let running = support::processes_mentioning(&dir);
    assert!(
        running.len() >= 3,
        "the server and its helpers: {running:#?}"
    );

    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();

    let strays = wait_for_no_process_mentioning(&dir, Duration::from_secs(10));
    assert!(
        strays.is_empty(),
        "still running after the test process was killed: {strays:#?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&dir).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!std::path::Path::new(&dir).exists(), "{dir} is left behind");
}

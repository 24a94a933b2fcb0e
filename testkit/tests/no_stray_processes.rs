//! Nothing the testkit starts outlives its use: a start that fails leaves no process and no
//! directory, and a test process killed with SIGKILL leaves no server, node or directory.
//!
//! Processes are found by their command line, which names the server's temporary directory
//! (`aistore-authn-<pid>-…` or `aistore-cluster-<pid>-…`, <pid> being the test process).
//! Nothing else in this test binary starts servers in this process, so any such process after
//! a failed start is a stray.
#![cfg(target_os = "linux")]

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aistore_authn_testkit::{LocalCluster, LocalServer};
use support::{make_certs, scratch_dir, temp_entries, wait_for_no_process_mentioning};

/// Set in the child process of [`a_killed_test_process_leaves_nothing_behind`].
const CHILD: &str = "AISTORE_TESTKIT_KILLED_CHILD";

fn assert_nothing_left(prefix: &str, what: &str, error: &str) {
    eprintln!("--- {what}: the error reads:\n{error}\n");
    let strays = wait_for_no_process_mentioning(prefix, Duration::from_secs(5));
    assert!(
        strays.is_empty(),
        "{what}: processes left running: {strays:#?}"
    );
    let dirs = temp_entries(prefix);
    assert!(dirs.is_empty(), "{what}: directories left behind: {dirs:?}");
}

#[test]
fn failed_starts_leave_no_process_and_no_directory() {
    let me = std::process::id();
    let server_prefix = format!("aistore-authn-{me}-");
    let cluster_prefix = format!("aistore-cluster-{me}-");
    let scratch = scratch_dir("failed-starts");
    let certs = make_certs(&scratch.join("certs"));
    // Files that exist but hold no certificate or key: the servers start and then exit.
    let junk = scratch.join("junk.pem");
    std::fs::write(&junk, "not a PEM file\n").unwrap();

    // AuthN with a bogus HTTPS config exits at start.
    let e = LocalServer::builder()
        .https(&junk, &junk, &certs.ca)
        .start()
        .unwrap_err()
        .to_string();
    assert!(e.contains("exited"), "{e}");
    assert_nothing_left(&server_prefix, "a failed AuthN start", &e);

    let server = LocalServer::start().unwrap();

    // The wrong binary (AuthN's) as aisnode: it refuses the node's flags and exits.
    let e = LocalCluster::builder()
        .authn(&server)
        .aisnode_bin(LocalServer::binary().unwrap())
        .start()
        .unwrap_err()
        .to_string();
    assert!(e.contains("flag provided but not defined"), "{e}");
    assert_nothing_left(&cluster_prefix, "the wrong binary", &e);

    // A bogus HTTPS config: the proxy exits at start.
    let e = LocalCluster::builder()
        .authn(&server)
        .https(&junk, &junk, &certs.ca)
        .start()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the AIStore proxy exited"), "{e}");
    assert_nothing_left(&cluster_prefix, "a bogus HTTPS config", &e);

    // A node that hangs (here a script that never answers, and has a child of its own) is
    // killed at the timeout, with everything it started.
    let hang = scratch.join("hanging-aisnode");
    std::fs::write(&hang, "#!/bin/sh\nwhile :; do sleep 1; done\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = Instant::now();
    let e = LocalCluster::builder()
        .authn(&server)
        .aisnode_bin(&hang)
        .ready_timeout(Duration::from_secs(3))
        .start()
        .unwrap_err()
        .to_string();
    assert!(e.contains("did not start within the timeout"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15), "{e}");
    assert_nothing_left(&cluster_prefix, "a node that never came up", &e);

    drop(server);
    assert_nothing_left(&server_prefix, "a dropped server", "(none)");
    std::fs::remove_dir_all(&scratch).unwrap();
}

/// Runs only as the child of the test below: starts a server and a cluster, says where they
/// are, and waits to be killed.
#[test]
fn child_holding_a_server_and_a_cluster() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let server = LocalServer::start().unwrap();
    let cluster = LocalCluster::builder().authn(&server).start().unwrap();
    println!(
        "READY {} {}",
        server.config_dir().display(),
        cluster.dir().display()
    );
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[test]
fn a_killed_test_process_leaves_nothing_behind() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holding_a_server_and_a_cluster",
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
    let ready = rx.recv_timeout(Duration::from_secs(120));
    let Ok(ready) = ready else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the child process did not start a server and a cluster");
    };
    let dirs: Vec<&str> = ready.split(' ').collect();
    assert_eq!(dirs.len(), 2, "{ready}");

    // Running now: the AuthN server, the two nodes, their guards and the cleaners.
    for dir in &dirs {
        let running = support::processes_mentioning(dir);
        assert!(
            running.len() >= 2,
            "expected the servers and their helpers for {dir}: {running:#?}"
        );
    }
    let nodes = support::processes_mentioning(dirs[1])
        .into_iter()
        .filter(|(_, cmdline)| cmdline.contains("-role="))
        .count();
    assert!(nodes >= 2, "the proxy and the target run");

    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();

    for dir in &dirs {
        let strays = wait_for_no_process_mentioning(dir, Duration::from_secs(10));
        assert!(
            strays.is_empty(),
            "still running after the test process was killed: {strays:#?}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::path::Path::new(dir).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!std::path::Path::new(dir).exists(), "{dir} is left behind");
    }
}

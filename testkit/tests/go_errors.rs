//! Without Go, when the build fails, or for a version Go cannot install, getting a binary is
//! an error that says how to fix it; nothing is skipped and nothing half-built is left in the
//! cache.
#![cfg(unix)]

mod support;

use std::env;
use std::os::unix::fs::PermissionsExt;

use aistore_authn_testkit::{LocalCluster, LocalServer};
use support::scratch_dir;

/// The only test in this binary: it changes the process's environment.
#[test]
fn no_go_or_a_failed_build_is_an_error_naming_the_fix() {
    let scratch = scratch_dir("go-errors");
    let cache = scratch.join("cache");
    env::set_var("AISTORE_AUTHN_CACHE_DIR", &cache);
    env::remove_var("AISNODE_BIN");
    env::remove_var("AUTHN_BIN");

    // No Go.
    env::set_var("GO", scratch.join("no-such-go"));
    let e = LocalCluster::binary().unwrap_err().to_string();
    eprintln!("--- no Go, aisnode:\n{e}\n");
    assert!(e.contains("install Go >= 1.26"), "{e}");
    assert!(
        e.contains("or set AISNODE_BIN to an aisnode v1.5.0 binary"),
        "{e}"
    );
    let e = LocalServer::binary().unwrap_err().to_string();
    assert!(e.contains("install Go >= 1.26"), "{e}");
    assert!(e.contains("AUTHN_BIN"), "{e}");

    // A build that fails: a `go` that downloads with the real one and fails to install.
    let fake = scratch.join("failing-go");
    std::fs::write(
        &fake,
        "#!/bin/sh\ncase \"$1\" in\n  install) echo 'cmd/aisnode: build exploded' >&2; exit 1 ;;\n  \
         *) exec go \"$@\" ;;\nesac\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    env::set_var("GO", &fake);
    let e = LocalCluster::binary().unwrap_err().to_string();
    eprintln!("--- a failed build:\n{e}\n");
    assert!(
        e.contains("`go install github.com/NVIDIA/aistore/cmd/aisnode@v1.5.0` failed"),
        "{e}"
    );
    assert!(e.contains("build exploded"), "{e}");
    assert!(e.contains("AISNODE_BIN"), "{e}");
    // Nothing half-built, no lock, no temporary install directory.
    let left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("goproxy-shim-"))
        .collect();
    assert!(left.is_empty(), "left in the cache: {left:?}");

    // A wrong AISNODE_BIN.
    env::set_var("AISNODE_BIN", scratch.join("no-such-aisnode"));
    let e = LocalCluster::binary().unwrap_err().to_string();
    assert!(
        e.contains("AISNODE_BIN=") && e.contains("is not a file"),
        "{e}"
    );

    // A version that is not exact is refused before anything is installed: the Go proxy
    // does not list this module's versions.
    for version in ["latest", "v1.4", "1.4.9", "v1.4.9/../x"] {
        env::set_var("AISTORE_AUTHN_VERSION", version);
        let e = LocalServer::binary().unwrap_err().to_string();
        assert!(e.contains("not an exact module version"), "{version}: {e}");
        let e = LocalServer::builder()
            .version(version)
            .start()
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an exact module version"), "{version}: {e}");
    }
    env::remove_var("AISTORE_AUTHN_VERSION");

    std::fs::remove_dir_all(&scratch).unwrap();
}

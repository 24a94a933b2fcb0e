//! A real AIStore AuthN server, and a real AIStore cluster that checks its tokens, on this
//! machine, for tests of code that uses [`aistore_authn`].
//!
//! [`LocalServer::start`] installs the server on first use with
//! `go install github.com/NVIDIA/aistore/cmd/authn@v1.5.0` (needs Go >= 1.26) into a cache
//! it reuses, starts it on a free port with its own temporary config directory (mode 0700),
//! HMAC secret and random admin password, and waits until it answers. Dropping the
//! [`LocalServer`] stops the server and removes the directory.
//!
//! [`LocalCluster`] does the same for an AIStore cluster, one proxy and one target built from
//! the same module (`aisnode`, [`AISNODE_PACKAGE`]), keyed to a [`LocalServer`]: every request
//! but `GET /v1/health` needs a token that server issued. It starts in 3-4 s once built.
//!
//! **Nothing outlives the test process**, even when it is killed (`kill -9`): each server
//! process runs under a guard in its own process group that kills the group when the test
//! process's end of a pipe closes, and a helper removes the temporary directory. The guard
//! signals only its own process group, never a PID it recorded, so it cannot hit a process
//! that reused the PID of a server that had already died. A start that fails leaves no process
//! and no directory behind.
//!
//! The servers listen on **all interfaces** (AuthN has no bind-address option; AIStore binds
//! its public ports on all interfaces); talk to them over loopback, as [`LocalServer::url`]
//! and [`LocalCluster::endpoint`] do.
//!
//! Unix only in practice: the secrets come from `/dev/urandom`, and on other systems
//! [`LocalServer::start`] returns a [`LocalServerError`] saying so.
//!
//! This crate depends on `aistore-authn` without its default features, so the TLS stack is
//! the one your own dependency on `aistore-authn` selects; [`LocalServerBuilder::https`] needs
//! one of them (`rustls`, the default, or `native-tls`). [`LocalClusterBuilder::https`] also
//! needs TLS in the testkit's own readiness checks: turn on the testkit's feature of the same
//! name (`rustls` or `native-tls`).
//!
//! Environment:
//! - `AUTHN_BIN`: use this `authn` binary instead of installing one.
//! - `AISTORE_AUTHN_VERSION`: the AuthN release [`LocalServer`]s run when their builder
//!   names none ([`LocalServerBuilder::version`]), an exact version such as `v1.4.9`
//!   (default [`AUTHN_VERSION`]), cached per version.
//! - `AISNODE_BIN`: use this `aisnode` binary instead of building one.
//! - `AISTORE_AUTHN_CACHE_DIR`: where the built binaries are kept (default
//!   `$XDG_CACHE_HOME/aistore-authn`, else `$HOME/.cache/aistore-authn`).
//! - `GO`: the `go` command to build with (default `go` on `PATH`).
//!
//! The servers get none of the caller's `AIS_*` variables (they would override their
//! configuration).
//!
//! # Example
//! ```no_run
//! use aistore_authn_testkit::LocalServer;
//!
//! let server = LocalServer::start()?; // stopped and removed when dropped
//! let admin = server.admin_client()?;
//! admin.user_manager().create("alice", &[], "s3cret")?;
//! assert!(admin.user_manager().get("alice").is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A cluster that accepts the server's tokens:
//! ```no_run
//! use aistore_authn_testkit::{LocalCluster, LocalServer};
//!
//! let authn = LocalServer::start()?;
//! let cluster = LocalCluster::builder().authn(&authn).start()?;
//! let admin = authn.admin_client()?;
//! let info = admin.cluster_manager().register("c1", &[&cluster.endpoint()])?;
//! assert_eq!(info.id, cluster.uuid());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod certs;
mod cluster;
mod install;
mod probe;
mod process;
mod server;
mod target;
mod util;

pub use certs::TestCerts;
pub use cluster::{LocalCluster, LocalClusterBuilder, LocalClusterError};
pub use install::{AISNODE_PACKAGE, AUTHN_PACKAGE, AUTHN_VERSION};
pub use server::{LocalServer, LocalServerBuilder, LocalServerError};
pub use target::AuthnTarget;

/// The README's examples, compiled by `cargo test --doc` so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

//! The SDK's integration tests, one module per subject, linked into one binary (one link
//! instead of one per file). Two tests keep binaries of their own: `tests/threads.rs` counts
//! the process's threads, which other tests would add to, and `tests/env.rs` changes the
//! process environment that every thread here reads.

mod admin;
mod client;
mod cluster_access;
mod clusters;
mod faults;
mod modules;
#[cfg(feature = "provision")]
mod provision;
mod roles;
mod secrets;
mod support;
mod tls;
mod tokens;
mod users;
#[cfg(feature = "verify")]
mod verify;
mod wire;

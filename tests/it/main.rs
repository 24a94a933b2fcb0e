//! The SDK's integration tests, one module per subject, linked into one binary (one link
//! instead of one per file). One test keeps a binary of its own: `tests/threads.rs` counts
//! the process's threads, which other tests would add to. No test here changes the process
//! environment, which every thread reads: a test that needs other variables runs a child
//! process of this binary with `Command::env` (see `env.rs`).

mod access_review;
mod admin;
mod client;
mod cluster_access;
mod clusters;
mod counter;
mod env;
mod faults;
mod modules;
#[cfg(feature = "provision")]
mod provision;
#[cfg(feature = "provision")]
mod provision_saved;
mod redaction;
mod roles;
mod secrets;
mod support;
mod tls;
mod tokens;
mod users;
#[cfg(feature = "verify")]
mod verify;
mod wire;

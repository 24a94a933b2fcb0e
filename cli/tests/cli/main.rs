//! `ais-authn` against the real AuthN server (the testkit starts one per test): every verb,
//! tables and JSON, exit codes, prompts and confirmations, and a login shared with the SDK and
//! the `ais` CLI's token file.
//!
//! One test binary, one module per command group; `support` holds what they share.

mod access;
mod ais_compat;
mod entities;
mod general;
mod provision;
mod saved_plan;
mod server;
mod spec;
mod support;
mod tokens;
/// Tests of what older AuthN releases lack, shared with the SDK's tests.
#[path = "../../../tests/it/versions.rs"]
mod versions;

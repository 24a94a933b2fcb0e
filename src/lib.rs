//! A blocking Rust client for the [AIStore](https://github.com/NVIDIA/aistore) AuthN server:
//! users, roles, registered clusters, and login tokens.
//!
//! ```no_run
//! use aistore_authn::{AccessAttr, Client};
//!
//! let mut client = Client::new("http://127.0.0.1:52001")?;
//! client.login("admin", "admin-password", None)?;
//!
//! client.cluster_manager().register_with_id("cluster-uuid", "c1", &[])?;
//! client.role_manager().create("ops", "operators", "c1", AccessAttr::ACCESS_RW, None)?;
//! let alice = client.user_manager().create("alice", &["ops"], "s3cret")?;
//! assert_eq!(alice.roles.names().collect::<Vec<_>>(), ["ops"]);
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! - [`Client`] owns the connection settings and the bearer token; [`Client::login`] sets it,
//!   [`Client::logout`] revokes it, [`Client::whoami`] says whose it is, and
//!   [`Client::from_env`] sets everything up the way the `ais` CLI does ([`env`](mod@env)).
//! - [`UserManager`], [`RoleManager`], [`ClusterManager`], [`TokenManager`] and
//!   [`ServerManager`] borrow a client and map one method to one operation. Each method's
//!   docs name the HTTP requests it sends and the errors it returns.
//! - [`Token`] decodes a JWT's claims (subject, admin, expiry, ACLs) without verifying it;
//!   [`AccessAttr`] is the permission bit set, with the CLI's words (`ro`, `rw`, `su`, ...).
//! - Every failure is an [`Error`] variant; server replies are typed by status and by what
//!   the request addressed. Nothing in this crate panics on a server reply.
//! - Tokens and passwords print as `[redacted]` in `Debug`, and never appear in errors or
//!   this crate's log lines. ureq's own TRACE logging dumps request headers (bearer tokens)
//!   and replies: filter it with `RUST_LOG=aistore_authn=debug,ureq=info`.
//! - With the `local-server` feature, `local::LocalServer` runs a real AuthN server for
//!   tests.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod access;
mod client;
mod clusters;
pub mod env;
mod error;
#[cfg(feature = "local-server")]
pub mod local;
mod model;
mod names;
#[cfg(test)]
mod proptests;
mod retry;
mod roles;
mod secret;
mod server;
mod token;
mod tokens;
mod users;

pub use access::AccessAttr;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOKEN_AGE, DEFAULT_TIMEOUT, MIN_TOKEN_LIFETIME,
};
pub use clusters::ClusterManager;
pub use error::{Error, TransportErrorKind};
pub use model::{
    Bucket, BucketAcl, ClusterAcl, ClusterInfo, ClusterMap, Ensured, Namespace, RoleInfo,
    RolesList, UserInfo, UserMap,
};
pub use retry::RetryPolicy;
pub use roles::RoleManager;
pub use server::{ConfigUpdate, Jwk, Jwks, OidcConfiguration, ServerConfig, ServerManager};
pub use token::{Token, TokenClaims};
pub use tokens::{Identity, TokenManager};
pub use users::UserManager;

/// The README's examples, compiled by `cargo test` so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

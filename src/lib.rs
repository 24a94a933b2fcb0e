//! A blocking Rust client for the [AIStore](https://github.com/NVIDIA/aistore) AuthN server:
//! users, roles, registered clusters, login tokens and server administration. No async
//! runtime; tested against the real AuthN server v1.5.0.
//!
//! # Quickstart
//!
//! ```no_run
//! use aistore_authn::{AccessAttr, Client, Error};
//!
//! let mut client = Client::new("http://127.0.0.1:52001")?;
//! client.login("admin", "admin-password", None)?; // the client keeps the token
//!
//! client.cluster_manager().register_with_id("cluster-uuid", "c1", &[])?;
//! client.role_manager().create("ops", "operators", "c1", AccessAttr::ACCESS_RW, None)?;
//! let alice = client.user_manager().create("alice", &["ops"], "s3cret")?;
//! assert_eq!(alice.roles.names().collect::<Vec<_>>(), ["ops"]);
//!
//! match client.user_manager().get("bob") {
//!     Err(Error::UserNotFound(id)) => println!("no user {id}"),
//!     other => println!("{other:?}"),
//! }
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! # Map of the API
//!
//! | to | use |
//! |---|---|
//! | connect, log in and out, see who you are | [`Client`] ([`Client::builder`], [`Client::from_env`], [`Client::login`], [`Client::logout`], [`Client::whoami`]); [`ClientBuilder::credentials`] to log in (again) by itself; `clone()` and [`Client::with_token`] share the connection pool |
//! | users | [`UserManager`] from [`Client::user_manager`]: `get`, `list`, `create`, `update`, `ensure_user`, `delete` |
//! | roles and permissions | [`RoleManager`]: `list`, `get`, `create`, `create_role` ([`RoleInfo::new`] + `with_*`), `update` ([`RoleUpdate`]), `ensure_role`, `delete`; [`AccessAttr`], [`Bucket`] |
//! | clusters | [`ClusterManager`]: `register` (by URL), `discover_id`, `register_with_id`, `list`, `get`, `update`, `delete` |
//! | tokens | [`TokenManager`]: `revoke`; [`Token`] decodes claims (not verified) |
//! | server configuration and keys | [`ServerManager`]: `config`, `set_config`, `oidc_configuration`, `jwks`, `public_key`, `rotate_key` |
//! | verify tokens offline, check permissions as AIStore does (feature `verify`) | `Verifier` (`hmac`, `rsa_public_key_pem`, `from_jwks`, `from_server`; `verify`), `VerifiedToken` (`allows`, `check` → `Denied`); refusals are [`Error::TokenRejected`] with a [`RejectReason`] |
//! | the `ais` CLI's environment and token file | [`env`](mod@env) |
//! | declarative provisioning: a JSON spec, plan, apply, export (feature `provision`) | [`provision`] |
//! | a real server and a real AIStore cluster for your own tests | the [`aistore-authn-testkit`](https://docs.rs/aistore-authn-testkit) crate (a dev-dependency): `LocalServer`, `LocalCluster`, `AuthnTarget` |
//!
//! Managers borrow the client (`UserManager<'a>` holds `&'a Client`); each method's docs say
//! which HTTP requests it sends and which errors it returns. The client is `Send + Sync`:
//! share one between threads.
//!
//! # Errors
//!
//! Every failure is an [`Error`] variant. Server replies are typed by HTTP status and by what
//! the request addressed (`UserNotFound`, `RoleAlreadyExists`, `InvalidCredentials`, ...), not
//! by message text; messages are AuthN's own, with tokens cut out. Arguments the server would
//! refuse, or silently ignore, are [`Error::InvalidArgument`] and send nothing. Nothing in this
//! crate panics on what a server or a caller sends.
//!
//! # Environment
//!
//! [`Client::from_env`] configures itself as the `ais` CLI does: `AIS_AUTHN_URL` or `auth.url`
//! in the CLI's `cli.json`; a token from `AIS_AUTHN_TOKEN` or the token file
//! (`AIS_AUTHN_TOKEN_FILE`, else the CLI's `auth.token`); TLS from `AIS_CLIENT_CA`,
//! `AIS_SKIP_VERIFY_CRT`, `AIS_CRT`/`AIS_CRT_KEY` or `cli.json`'s `cluster` section. Proxies
//! are chosen by the target's scheme and never used for loopback. [`env::save_token_file`]
//! writes a login where the CLI finds it.
//!
//! # Timeouts and retries
//!
//! Each call is bounded by [`ClientBuilder::timeout`] (default 60 s, retries included) and each
//! connection by [`ClientBuilder::connect_timeout`] (10 s). [`RetryPolicy`] retries what
//! repeating cannot make worse: requests that never reached the server, and GET/PUT/DELETE
//! after broken connections or 502/503/504. A POST that may have arrived is never repeated.
//!
//! # TLS
//!
//! `rustls` (default feature) or `native-tls`; [`ClientBuilder::ca_cert_file`] or
//! [`ClientBuilder::ca_cert_pem`] trust a private CA; [`ClientBuilder::client_cert_file`] or
//! [`ClientBuilder::client_cert_pem`] present a client certificate (mutual TLS);
//! [`ClientBuilder::skip_verify`] turns checks off (and warns once).
//!
//! # Logging
//!
//! The crate logs one `debug` line per request through `log` (method, path, status, size,
//! time), never a body or a header. Tokens and passwords print as `[redacted]` in `Debug`.
//! ureq's own TRACE logging dumps request headers (bearer tokens) and replies: use
//! `RUST_LOG=aistore_authn=debug,ureq=info`.
//!
//! # MSRV
//!
//! Rust 1.85, set by ureq 3.5. The MSRV is raised only in a minor release, never a patch.
//!

// Without the feature the map's link points at docs.rs, where every feature is on.
#![cfg_attr(feature = "provision", doc = "[`provision`]: crate::provision")]
#![cfg_attr(
    not(feature = "provision"),
    doc = "[`provision`]: https://docs.rs/aistore-authn/latest/aistore_authn/provision/"
)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The layers, bottom up; each uses only the ones above it in this list (tests/it/modules.rs
// holds the allowed edges). `error` and `secret` are the base every layer may use.
mod access;
mod api;
mod client;
mod error;
mod model;
#[cfg(test)]
mod proptests;
#[cfg(feature = "provision")]
#[cfg_attr(docsrs, doc(cfg(feature = "provision")))]
pub mod provision;
mod secret;
mod transport;
#[cfg(feature = "verify")]
mod verify;

pub use crate::access::{Denied, DenyReason};
pub use crate::api::clusters::ClusterManager;
pub use crate::api::role_update::RoleUpdate;
pub use crate::api::roles::RoleManager;
pub use crate::api::server::{
    ConfigUpdate, Jwk, Jwks, OidcConfiguration, ServerConfig, ServerManager,
};
pub use crate::api::tokens::{Identity, TokenManager};
pub use crate::api::users::UserManager;
pub use crate::client::env;
pub use crate::client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOKEN_AGE, DEFAULT_TIMEOUT, MIN_TOKEN_LIFETIME,
};
pub use crate::error::reject::RejectReason;
pub use crate::error::{Error, TransportErrorKind};
pub use crate::model::access_attr::AccessAttr;
pub use crate::model::bucket::{Bucket, Namespace};
pub use crate::model::info::{
    BucketAcl, ClusterAcl, ClusterInfo, ClusterMap, Ensured, RoleInfo, RolesList, UserInfo, UserMap,
};
pub use crate::model::token::{Token, TokenClaims};
pub use crate::transport::retry::RetryPolicy;
#[cfg(feature = "verify")]
pub use crate::verify::{VerifiedToken, Verifier};

/// The README's examples, compiled by `cargo test` so that they stay true. One of them uses
/// `provision`, so they are compiled with that feature (`--features provision`, or a
/// workspace build, where the CLI turns it on).
#[cfg(all(doctest, feature = "provision"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

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
//! | access review: may a user, a role or a token do this, and who may (offline, AIStore's rules, the reason named) | [`AccessReview`] from [`Client::access_review`] (3 GETs): `user`, `role`, `who_can` → [`AccessAnswer`] ([`Grant`]s, [`Basis`]: the roles now or a token's claims), [`WhoCan`]; [`AccessAnswer::for_claims`] and [`ClusterAccess`] for a token; in every build |
//! | verify tokens offline, check permissions as AIStore does (feature `verify`) | `Verifier` (`hmac`, `rsa_public_key_pem`, `from_jwks`, `from_server`; `verify`), `VerifiedToken` (`allows`, `check` → [`Denied`]); refusals are [`Error::TokenRejected`] with a [`RejectReason`]; see [Verifying tokens offline](#verifying-tokens-offline-feature-verify) |
//! | the `ais` CLI's environment and token file | [`env`](mod@env): [`env::Settings`] (`from_env`, `from_vars`, `into_builder`) |
//! | declarative provisioning: a JSON spec, plan, apply, export (feature `provision`) | [`provision`] |
//! | a real server and a real AIStore cluster for your own tests | the `aistore-authn-testkit` crate in the repository's `testkit/` directory (a dev-dependency, not published; its `README.md` shows how): `LocalServer`, `LocalCluster`, `AuthnTarget` |
//!
//! Managers borrow the client (`UserManager<'a>` holds `&'a Client`); each method's docs say
//! which HTTP requests it sends and which errors it returns. The client is `Send + Sync`:
//! share one between threads.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls (ring) with the Mozilla roots |
//! | `native-tls` | no | TLS through the platform's library |
//! | `verify` | no | `Verifier`, `VerifiedToken`: tokens verified offline, permissions checked as AIStore does (adds `ring`, which `rustls` already builds) |
//!
//! With `default-features = false` only `http://` URLs are accepted. [`Denied`] and
//! [`DenyReason`] are in every build; only `VerifiedToken::check` makes them.
//!
//! # Calls and the requests they send
//!
//! `users`, `roles`, `clusters`, `tokens` and `server` stand for the managers
//! ([`Client::user_manager`], ...).
//!
//! | call | HTTP | notes |
//! |---|---|---|
//! | [`Client::new`], [`Client::builder`]`(url)…build()` | – | [`token`](ClientBuilder::token), [`credentials`](ClientBuilder::credentials) (log in when a token is needed, and again once when it expired or was revoked), [`timeout`](ClientBuilder::timeout) (whole call with retries, default 60 s), [`connect_timeout`](ClientBuilder::connect_timeout) (default 10 s), [`retry`](ClientBuilder::retry), [`max_response_bytes`](ClientBuilder::max_response_bytes), [`max_idle_connections`](ClientBuilder::max_idle_connections), [`ca_cert_pem`](ClientBuilder::ca_cert_pem) / [`ca_cert_file`](ClientBuilder::ca_cert_file), [`client_cert_pem`](ClientBuilder::client_cert_pem) / [`client_cert_file`](ClientBuilder::client_cert_file), [`skip_verify`](ClientBuilder::skip_verify), [`proxy_from_env`](ClientBuilder::proxy_from_env), [`max_token_age`](ClientBuilder::max_token_age) |
//! | [`Client::from_env`] | – | the `ais` CLI's variables and files: [`env`](mod@env) |
//! | `client.login(user, pass, expires_in)` | `POST /v1/users/{user}` | stores the token and returns it as a [`Token`] (claims decoded, `as_str()` for the JWT); `expires_in` from 1 min to the max token age, or `None` for the server default |
//! | `client.clone()`, `client.with_token(jwt)` | – | the same connection pool and settings; a clone has its own copy of the token, `with_token` another identity |
//! | `client.logout()` | `DELETE /v1/tokens` | revokes the client's token and forgets it |
//! | `client.token()`, `client.set_token(..)`, `client.token_claims()` | – | `token()` is a copy (`Option<String>`); claims decoded locally, not verified |
//! | `client.whoami()` | `GET /v1/users/{sub}` | claims plus the user's current roles |
//! | `client.access_review()` | `GET /v1/users`, `GET /v1/roles`, `GET /v1/clusters` | an [`AccessReview`]: then `user`, `role`, `who_can` answer offline (bad input: [`Error::InvalidArgument`], [`Error::UserNotFound`], [`Error::RoleNotFound`], [`Error::ClusterNotFound`]) |
//! | [`Token::parse`]`(jwt)` | – | subject, admin, expiry, issued-at, audience, cluster and bucket ACLs, `is_expired()`, `time_left()`, algorithm, key ID |
//! | `tokens.revoke(jwt)` | `DELETE /v1/tokens` | any holder may revoke a token |
//! | `users.get(id)` / `users.list()` | `GET /v1/users[/{id}]` | `list` is a [`UserMap`] (`BTreeMap`, id order), `admin` included |
//! | `users.create(id, &roles, pass)` | roles, `POST /v1/users`, `GET` | one role lookup for any number of roles (`GET /v1/roles/{name}` for one, `GET /v1/roles` for more): 3 requests (2 with none) |
//! | `users.update(id, pass, roles)` | roles, `PUT /v1/users/{id}`, `GET` | given roles replace the user's roles |
//! | `users.ensure_user(id, &roles, pass)` | `GET`, then create or update | [`Ensured`]: `Created` / `Updated` / `Unchanged`; an existing password is left alone |
//! | `users.delete(id, missing_ok)` | `DELETE /v1/users/{id}` | |
//! | `roles.list()` / `roles.get(name)` | `GET /v1/roles[/{name}]` | [`RolesList`] sorted by name; no token needed |
//! | `roles.create(name, desc, cluster, perms, bucket)` | `GET /v1/clusters`, `POST /v1/roles`, `GET` | one ACL: the cluster, or one `ais://` bucket on it |
//! | `roles.create_role(&RoleInfo::new(..).with_*(..))` | same (`GET /v1/clusters` only when an ACL names a cluster) | any number of cluster and bucket ACLs, any provider, all clusters |
//! | `roles.update(name, &RoleUpdate::new()…)` | (`GET /v1/clusters`), `PUT /v1/roles/{name}`, `GET` | a description and any number of cluster, all-cluster and bucket (`s3://logs`) entries; AuthN merges them and never removes one |
//! | `roles.ensure_role(&role)` | `GET`, then create or update | `Created` / `Updated` / `Unchanged` |
//! | `roles.delete(name, missing_ok)` | `DELETE /v1/roles/{name}` | also strips the role from every user |
//! | `clusters.discover_id(url)` | `GET {url}/v1/health?cii=true` (no token); only if that gives no ID and the URL is `https://` or loopback, `GET {url}/v1/daemon?what=smap` with the token | asks the cluster itself for its ID (cluster-map UUID) |
//! | `clusters.register(alias, &urls)` | `discover_id` on each URL in turn, then as `register_with_id` | the ID from the first URL that gives one; no admin token reaches a plain-`http://` cluster elsewhere than loopback |
//! | `clusters.register_with_id(id, alias, &urls)` | `GET /v1/clusters/{id}`, `POST /v1/clusters`, `GET` | empty `urls`: AuthN contacts nothing; else it sends each URL an admin token of its own (5 minutes) and a hash of its HMAC secret (or its public key) over `POST {url}/v1/tokens`, and again on every revocation: plain `http://` URLs to other hosts are refused without [`allow_plain_http`](ClusterManager::allow_plain_http) |
//! | `clusters.list()` / `clusters.get(id_or_alias)` | `GET /v1/clusters[/{x}]` | [`ClusterMap`] by ID; no token needed |
//! | `clusters.update(id_or_alias, alias, urls)` | `GET`, `PUT /v1/clusters/{id}`, `GET` | an alias works too (the server's PUT takes only IDs) |
//! | `clusters.delete(id_or_alias, missing_ok)` | `DELETE /v1/clusters/{x}` | the roles AuthN made for it stay |
//! | `server.config()` / `server.set_config(&ConfigUpdate)` | `GET` / `PUT /v1/daemon` | the HMAC secret is held apart: `[redacted]` in `Debug` and `as_json()`, left out entirely when serialized |
//! | `server.oidc_configuration()`, `jwks()`, `public_key()`, `rotate_key()` | `/.well-known/…`, `/v1/public-key`, `POST /v1/rotate-key` | keys exist in RSA mode only |
//!
//! Two logins by one user in the same second with the same lifetime get **the same token**
//! from AuthN, so after `logout()` an immediate login can return the token just revoked: ask
//! for a different `expires_in` or wait a second. ([`ClientBuilder::credentials`] does that
//! by itself.)
//!
//! # Permissions and buckets
//!
//! [`AccessAttr`] holds every AuthN access bit (`GET` = 1 … `ADMIN` = 1<<17) and the
//! combinations `ACCESS_RO` (771), `ACCESS_RW` (831), `ACCESS_SU` (all 64 bits, as the server
//! and CLI mean `su`), `CLUSTER_ACCESS_RO`, `CLUSTER_ACCESS_RW`, `BUCKET_ADMIN`. `|` is a
//! bitwise OR (Python SDK releases before 2.0.0 added flags, which corrupts overlapping
//! sets). On the wire a set is a decimal number in a JSON string, e.g. `"771"`
//! (`perms.bits()` gives the number). [`AccessAttr::parse`]`("ro,CREATE-BUCKET")` reads the
//! CLI's words (`ro`, `rw`, `su`, operation names, numbers) and `Display`
//! (`perms.to_string()`, `{perms}`) writes them back.
//!
//! Buckets are written as the `ais` CLI writes them: [`Bucket::parse`]`("s3://logs")` stores
//! provider `aws` (`gs` → `gcp`, `az` → `azure`, `oc` → `oci`), and `Display` writes
//! `s3://logs` back. A role update names its changes with [`RoleUpdate`]:
//!
//! ```no_run
//! use aistore_authn::{AccessAttr, Client, RoleUpdate};
//!
//! let mut client = Client::new("http://127.0.0.1:52001")?;
//! client.login("admin", "admin-password", None)?;
//! let update = RoleUpdate::new()
//!     .description("operators of c1 and c2")
//!     .cluster("c2", AccessAttr::ACCESS_RW)                 // alias or ID; stored by ID
//!     .bucket("c1", "s3://logs", AccessAttr::ACCESS_RO);    // provider aws, on c1's ID
//! let ops = client.role_manager().update("ops", &update)?; // entries merged, none removed
//! for acl in &ops.buckets {
//!     println!("{} on {}: {}", acl.bucket.name, acl.bucket.namespace.uuid, acl.perm);
//! }
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! # Choices where AuthN is loose
//!
//! The server accepts things that silently do nothing or do harm; the crate refuses them with
//! [`Error::InvalidArgument`] (or a typed error) before sending anything:
//!
//! - **Unknown role names** on user create/update: AuthN drops them silently. The crate
//!   resolves all names first (one request: `GET /v1/roles/{name}` for one name,
//!   `GET /v1/roles` for more) and fails with [`Error::RoleNotFound`]; nothing is written.
//! - **Empty role list, empty description, empty alias or URL list on update**: AuthN reads
//!   "empty" as "keep", so such an update would silently change nothing. Roles can never be
//!   taken away all at once; delete the user or give other roles.
//! - **Names**: new user IDs, role names and cluster aliases follow the server's rule (ASCII
//!   letters, digits, `-`, `_`, at most 32, no `-`/`_` first or last), so `?`, `#`, `%`,
//!   spaces and non-ASCII are refused there. Names that address an existing entity (get,
//!   update, delete, login) are percent-encoded instead, and only names that cannot be
//!   addressed (`/`, `.`, `..`, empty) are refused: AuthN decodes `%2F` and would act on
//!   another user, while refusing `Guest-my cluster` outright would leave roles other clients
//!   made for oddly named clusters unreachable.
//! - **Passwords** must not be empty or blank, and at most 72 bytes: AuthN's bcrypt cannot
//!   hash more and the server drops the connection without a reply.
//! - **Cluster IDs** on register must be ASCII letters, digits, `-`, `_`: AuthN names the roles
//!   it makes for a cluster without an alias after its ID (`Guest-<id>`; with an alias, after
//!   the alias), and other characters make them unaddressable. An ID that is another
//!   cluster's alias is refused too ([`Error::ClusterAlreadyRegistered`]); AuthN accepts it,
//!   and then GET and DELETE of that name reach different clusters.
//! - **Role ACLs store the cluster ID**, looked up from the alias you pass, so renaming an
//!   alias does not break roles.
//! - **Redirects are not followed** (AuthN only redirects unclean paths); a 3xx is an
//!   [`Error::Api`].
//! - **Login expiry** under one minute, including zero, is refused; `None` means the server's
//!   default. (AuthN reads zero as its 90-day maximum.)
//!
//! # Errors
//!
//! Every failure is an [`Error`] variant (the table of variants is on [`Error`]). Server
//! replies are typed by HTTP status and by what the request addressed (`UserNotFound`,
//! `RoleAlreadyExists`, `InvalidCredentials`, ...), not by message text; messages are AuthN's
//! own, with tokens cut out. Arguments the server would refuse, or silently ignore, are
//! [`Error::InvalidArgument`] and send nothing. Nothing in this crate panics on what a server
//! or a caller sends.
//!
//! # Environment
//!
//! [`Client::from_env`] configures itself as the `ais` CLI does: `AIS_AUTHN_URL` or `auth.url`
//! in the CLI's `cli.json`; a token from `AIS_AUTHN_TOKEN` or the token file
//! (`AIS_AUTHN_TOKEN_FILE`, else the CLI's `auth.token`); TLS from `AIS_CLIENT_CA`,
//! `AIS_SKIP_VERIFY_CRT`, `AIS_CRT`/`AIS_CRT_KEY` or `cli.json`'s `cluster` section. Proxies
//! are chosen by the target's scheme and never used for loopback. [`env::Settings`] holds what
//! was found as a value to read and change first, and [`env::Settings::from_vars`] takes a
//! lookup in place of the environment. [`env::save_token_file`] writes a login where the CLI
//! finds it. The [`env`](mod@env) module has the details.
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
//! `https://` URLs are verified against the bundled Mozilla roots (`rustls`, the default
//! feature) or the system store (`native-tls`). For a private CA,
//! [`ClientBuilder::ca_cert_file`] or [`ClientBuilder::ca_cert_pem`] trusts exactly those
//! certificates; `AIS_CLIENT_CA` does the same through [`Client::from_env`].
//! [`ClientBuilder::client_cert_file`] or [`ClientBuilder::client_cert_pem`] present a client
//! certificate to servers that require one (mutual TLS; `AIS_CRT`/`AIS_CRT_KEY` or `cli.json`
//! through `from_env`), with either TLS stack; the key is never printed.
//! [`ClientBuilder::skip_verify`] (or `AIS_SKIP_VERIFY_CRT=true`) turns verification off for
//! test set-ups and logs a warning once. A failed check is [`Error::Transport`] with
//! [`TransportErrorKind::Tls`] and is never retried. Tested against the real server over
//! HTTPS with both TLS stacks.
//!
//! # Secrets and logging
//!
//! Tokens and passwords are held in types whose `Debug` prints `[redacted]` ([`Client`],
//! [`Token`], [`ServerConfig`], [`ConfigUpdate`], and the testkit's `LocalServer`);
//! [`Token::as_str`] gives the JWT because it is yours to store, so do not print it. Secrets
//! are cut from error messages in their plain and their JSON-escaped forms (a proxy may echo
//! a request body). Cluster URLs with credentials (`user:pass@host`) are refused: AuthN would
//! serve them to anyone through the unauthenticated `GET /v1/clusters`.
//!
//! The crate logs one `debug` line per request through `log` (method, path, status, size,
//! time), never a body or a header. **ureq's own `trace` logging dumps the wire: request
//! headers and replies, so bearer tokens and login replies** (request bodies, where passwords
//! travel, are not dumped by the ureq version in use, but do not rely on it): use
//! `RUST_LOG=aistore_authn=debug,ureq=info`, not `RUST_LOG=trace`. The repository's
//! `SECURITY.md` says what the crate protects, what it does not, and how to report a problem.
//!
//! # Verifying tokens offline (feature `verify`)
//!
//! With the `verify` feature, a service in front of AIStore, or a test, can check an AuthN
//! token and what it allows without asking AuthN or a cluster:
//!
#![cfg_attr(feature = "verify", doc = "```no_run")]
#![cfg_attr(not(feature = "verify"), doc = "```ignore")]
//! use aistore_authn::{AccessAttr, Bucket, Client, Verifier};
//!
//! let client = Client::new("http://127.0.0.1:52001")?;
//! // RSA mode: the server's key set, no token needed; fetched again (once per new key ID, at
//! // most every 30 s) when a token names a key it lacks, as after `rotate_key`.
//! let verifier = Verifier::from_server(&client.server_manager())?;
//! // HMAC mode instead: Verifier::hmac(secret), the secret from an admin's
//! // `server_manager().config()?.secret()`. Or: Verifier::rsa_public_key_pem(..), from_jwks(..).
//!
//! let jwt = std::env::var("AIS_AUTHN_TOKEN").unwrap_or_default();
//! let token = verifier.verify(&jwt)?; // Error::TokenRejected { reason, .. } if refused
//! let logs = Bucket::parse("s3://logs")?;
//! match token.check("cluster-uuid", Some(&logs), AccessAttr::PUT) {
//!     Ok(()) => println!("{} may write to {logs}", token.subject()),
//!     Err(denied) => println!("denied: {denied}"), // reason, missing bits, granted bits
//! }
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! `cargo run --features verify --example verify` (in the repository) does it end to end on a
//! real server: a user with a role, a login, the token verified offline, its permissions on a
//! cluster and two buckets, and a token re-encoded with `"admin": true` refused.
//!
//! What `verify` checks, in order (a refusal is [`Error::TokenRejected`] with a
//! [`RejectReason`]):
//!
//! | check | refused as |
//! |---|---|
//! | three parts of strict base64url (as AIStore: unpadded, no stray bits), a JSON header with `alg` and no `crit`, at most 1 MiB | `Malformed` |
//! | `alg` is one the key signs with: HS256 for an HMAC secret; RS256, RS384, RS512 for an RSA key (or only the `alg` its JWK names); never `none`, never HS256 with an RSA public key as the secret | `WrongAlgorithm` |
//! | a key set holds the token's `kid` (refetched as above; a `kid` AIStore refuses, over 256 characters or with shell or path characters, is `Malformed`) | `UnknownKey` |
//! | the signature (ring; HMAC compared in constant time) | `BadSignature` |
//! | claims as AuthN writes them, with `sub` and an integer `exp` | `Malformed` |
//! | `exp` not passed; an `nbf` not to come (`iat` is not checked), as AIStore v1.5.0 checks them: no leeway by default, so a token verified here is one a cluster accepts; `.leeway(d)` allows for clock differences | `Expired`, `NotYetValid` |
//! | optional: `.issuer(url)` exactly, `.audience(cluster_id)` (any of those given) | `WrongIssuer`, `WrongAudience` |
//!
//! `VerifiedToken::check(cluster_id, bucket, perms)` (and `allows`, its `bool`) follows
//! `AISClaims.CheckPermissions` in AIStore v1.5.0's `cmd/authn/tok/token.go` rule for rule:
//! an admin token may do anything; an empty request is refused; the bits split into cluster
//! bits (`CLUSTER_ACCESS_RW | ADMIN`) and bucket bits (`ACCESS_RW | BUCKET_ADMIN | PROMOTE`),
//! and any other bit is refused; the cluster ACL is the one with exactly that ID, else the
//! default (empty ID); cluster bits also need a non-empty cluster ID; a bucket ACL for the
//! bucket (namespace UUID = cluster ID, name and provider equal, the bucket in the global
//! namespace: `aclForBucket` and `Bck.Equal` in `cmn/bck.go`) decides alone, otherwise the
//! cluster ACL must hold the bucket bits. A [`Denied`] names the reason ([`DenyReason`]), the
//! missing bits and what the deciding ACL grants. The repository's `tests/it/cluster_access.rs`
//! checks these answers against a real AIStore cluster, cell by cell.
//!
//! Not covered: revocation (a revoked token verifies until it expires, as on a cluster the
//! revocation has not reached), the `ADMIN` bit a proxy adds for system buckets, and a
//! cluster's own settings (its required audience, allowed OIDC issuers): set `.audience(..)`
//! and `.issuer(..)` to match them.
//!
//! # From a build script
//!
//! A `build.rs` that provisions or checks AuthN (say, to bake a cluster's ID or a role's
//! existence into a build) runs on every build, on machines you do not control, often
//! offline. Use the crate there as a `[build-dependencies]` entry, and:
//!
//! - **never contact a server by default**: do it only when the builder opts in with an
//!   environment variable, and say which with `cargo:rerun-if-env-changed`, so that a change
//!   re-runs the script and nothing else does;
//! - **bound the time**: a short [`ClientBuilder::timeout`] and
//!   [`ClientBuilder::connect_timeout`], and [`RetryPolicy`] as you need (the defaults, 60 s a
//!   call, are for services, not builds);
//! - **never panic on an unreachable or refusing server**: print a `cargo:warning` and build
//!   without it, unless the opt-in said the server is required.
//!
//! ```no_run
//! // build.rs
//! use std::time::Duration;
//!
//! use aistore_authn::Client;
//!
//! fn main() {
//!     println!("cargo:rerun-if-env-changed=AIS_AUTHN_URL");
//!     println!("cargo:rerun-if-env-changed=MYAPP_CHECK_AUTHN"); // the opt-in
//!     if std::env::var_os("MYAPP_CHECK_AUTHN").is_none() {
//!         return; // the default: no network at build time
//!     }
//!     let Ok(url) = std::env::var("AIS_AUTHN_URL") else {
//!         println!("cargo:warning=MYAPP_CHECK_AUTHN is set but AIS_AUTHN_URL is not");
//!         return;
//!     };
//!     let client = Client::builder(&url)
//!         .connect_timeout(Duration::from_secs(2))
//!         .timeout(Duration::from_secs(5))
//!         .build();
//!     // `roles.get` needs no token; for calls that do, read one from the environment too
//!     // (and add its variable to the rerun list).
//!     match client.and_then(|c| c.role_manager().get("ops")) {
//!         Ok(role) => println!("cargo:rustc-env=MYAPP_OPS_ROLE={}", role.name),
//!         Err(e) => println!("cargo:warning=AuthN at {url} not checked: {e}"),
//!     }
//! }
//! ```
//!
//! # Coming from the Python SDK
//!
//! The Python SDK's `UserManager` (`aistore.sdk.authn`, 2.0.0) and its errors, in this crate:
//!
//! | Python | Rust |
//! |---|---|
//! | `AuthNClient(endpoint, skip_verify, ca_cert, timeout, retry, token)` | [`Client::builder`]`(url)` with `.skip_verify(..)`, `.ca_cert_file(..)`, `.timeout(..)`, `.retry(..)`, `.token(..)`, then `.build()` |
//! | `client.user_manager()` | [`Client::user_manager`] (a [`UserManager`] borrowing the client) |
//! | `UserManager.client` (property) | [`users.client()`](UserManager::client): the [`Client`] the manager borrows (every manager has one) |
//! | `create(username, roles, password)` | [`UserManager::create`]`(id, &roles, password)`: same order; one role lookup for all roles |
//! | `delete(username, missing_ok=False)` | [`UserManager::delete`]`(id, missing_ok)` |
//! | `get(username)` | [`UserManager::get`]`(id)` |
//! | `list()` | [`UserManager::list`]`()`: a [`UserMap`] (`BTreeMap` by ID) |
//! | `update(username, password=None, roles=None)` | [`UserManager::update`]`(id, Some(pass), Some(&roles))`; `None` keeps; both `None` is [`Error::InvalidArgument`] |
//! | `_get_roles_from_names(role_names)` (private; one `GET roles/{name}` per name) | inside `create`/`update` (one request for any number of names); [`RoleManager::get`] / [`RoleManager::list`] to look roles up yourself |
//! | `ErrUserNotFound` | [`Error::UserNotFound`] |
//! | `ErrRoleNotFound` | [`Error::RoleNotFound`] |
//! | `ErrUserAlreadyExists` | [`Error::UserAlreadyExists`] |
//! | `ErrUserInvalidCredentials` | [`Error::InvalidCredentials`] |
//! | `ErrRoleAlreadyExists`, `ErrClusterNotFound`, `ErrClusterAlreadyRegistered` | [`Error::RoleAlreadyExists`], [`Error::ClusterNotFound`], [`Error::ClusterAlreadyRegistered`] |
//! | `AuthNError` (any other status) | [`Error::Unauthorized`] (401), [`Error::Forbidden`] (403), [`Error::Api`] (the rest); `err.status()` for the code |
//! | `AISError` (the cluster's errors during `register`) | [`Error::Api`], [`Error::Unauthorized`] or [`Error::Transport`] with the cluster's URL as `path` |
//! | `ValueError` (bad arguments) | [`Error::InvalidArgument`], nothing sent |
//! | `requests` exceptions (`ConnectionError`, `ReadTimeout`, `SSLError`) | [`Error::Transport`] with a [`TransportErrorKind`] |
//!
//! Python classifies errors by searching the reply text (the last match wins, so a 404 on a
//! role whose message mentions a user is `ErrUserNotFound`); this crate types them by status
//! and by the entity the request addressed.
//!
//! # Compared with the other AuthN clients
//!
//! What each client offers, read from the Python SDK (`aistore` 2.0.0), the Go package
//! `github.com/NVIDIA/aistore/api/authn` and the `ais auth` CLI at v1.5.0.
//!
//! | | this crate | Python SDK | Go `api/authn` | `ais auth` CLI |
//! |---|---|---|---|---|
//! | user, role, cluster create/read/update/delete | ✓ | ✓ | ✓ | ✓ |
//! | unknown role name on user create/update is an error, nothing written | ✓ (one request) | ✓ (one request per role) | ✗ (silently dropped) | ✓ (one request per role) |
//! | roles with several cluster/bucket ACLs, any provider, all clusters | ✓ | ✗ (one ACL, `ais` only) | ✓ | one ACL per command |
//! | permission words (`ro`, `rw`, `su`, op names) | ✓ parse + `Display` | ✗ (its own names, describe only) | ✓ | ✓ |
//! | `missing_ok` deletes | ✓ (users, roles, clusters) | users, roles | ✗ | ✗ |
//! | idempotent `ensure_user` / `ensure_role` | ✓ | ✗ | ✗ | ✗ |
//! | register a cluster by URL (ID discovered) | ✓ | ✓ | ✗ (caller supplies the ID) | ✓ |
//! | cluster update by alias | ✓ | ✗ (ID only) | ✗ (ID only) | ✓ |
//! | login, logout, revoke any token | ✓ | ✓ | login, revoke | ✓ |
//! | token claims, expiry, `whoami` | ✓ | ✗ | ✗ | ✓ (`whoami`) |
//! | env vars and the CLI's token file (read and write) | ✓ | ✗ | read only | ✓ |
//! | server config, OIDC document, JWKS, public key, key rotation | ✓ | ✗ | ✓ | ✓ |
//! | typed errors per condition | ✓ (one variant per condition, by status and entity) | 7 classes, by message substring | one HTTP error type | text |
//! | user, role and alias names checked before sending | ✓ | ✗ | empty IDs only | ✗ |
//! | timeouts by default | ✓ (10 s connect, 60 s total) | ✗ (none) | ✗ (none in `api`) | connect 60 s, no total |
//! | secrets kept out of errors and `Debug` | ✓ | ✗ (errors keep the request, password included) | ✗ (keeps AuthN's 401 messages, which echo the token) | ✗ (prints those messages) |
//! | names percent-encoded in paths | ✓ | ✗ | ✗ | ✗ |
//! | no async runtime, blocking | ✓ | ✓ | ✓ | n/a |
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

pub use crate::access::answer::{AccessAnswer, Basis, ClusterAccess, Grant, Scope, WhoCan};
pub use crate::access::{Denied, DenyReason};
pub use crate::api::access_review::AccessReview;
pub use crate::api::clusters::ClusterManager;
pub use crate::api::role_update::RoleUpdate;
pub use crate::api::roles::RoleManager;
pub use crate::api::server::ServerManager;
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
pub use crate::model::server::{ConfigUpdate, Jwk, Jwks, OidcConfiguration, ServerConfig};
pub use crate::model::token::{Token, TokenClaims};
pub use crate::transport::retry::RetryPolicy;
#[cfg(feature = "verify")]
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub use crate::verify::{VerifiedToken, Verifier};

/// The README's examples, compiled by `cargo test` so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

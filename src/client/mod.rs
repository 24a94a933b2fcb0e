//! The client: its configuration, its builder and its token. Requests go through
//! [`Transport`](crate::transport::Transport); the managers live in their own modules and
//! reach the server only through [`Client::call`].

pub mod env;
pub(crate) mod settings;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Entity, Error};
use crate::model::token::Token;
use crate::secret::Secret;
use crate::transport::names::check_password;
use crate::transport::request::{Method, Request};
use crate::transport::retry::RetryPolicy;
use crate::transport::{
    check_token, decode, normalize_base_url, ClientCertSource, Settings, Transport,
};

/// Default bound on a whole request, from connect to the last byte of the reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default bound on establishing a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest token lifetime AuthN accepts in a login request.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// AuthN's default maximum token lifetime (`auth.max_token_age`, 2160 h = 90 days).
pub const DEFAULT_MAX_TOKEN_AGE: Duration = Duration::from_secs(2160 * 3600);
/// Default bound on a reply body; AuthN's replies are a few kilobytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// Default number of idle keep-alive connections kept for reuse.
pub const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 8;

/// A blocking client for one AuthN server.
///
/// It owns the connection settings, a keep-alive connection pool, and the bearer token sent
/// with every request. It is `Send + Sync`: share it between threads by reference. The
/// managers ([`UserManager`](crate::UserManager), [`RoleManager`](crate::RoleManager),
/// [`ClusterManager`](crate::ClusterManager),
/// [`TokenManager`](crate::TokenManager), [`ServerManager`](crate::ServerManager)) borrow it.
///
/// `Debug` never prints the token.
///
/// # Example
/// ```no_run
/// use aistore_authn::Client;
///
/// let mut client = Client::new("http://127.0.0.1:52001")?;
/// client.login("alice", "s3cret", None)?;
/// let me = client.whoami()?;
/// println!("{} is logged in until {:?}", me.user.id, me.claims.expires_at);
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug)]
pub struct Client {
    /// The connection pool and request settings, shared with clones.
    transport: Arc<Transport>,
    /// This client's token; a lock so that a login with [`ClientBuilder::credentials`] can
    /// replace it behind `&self`.
    token: RwLock<Option<Arc<HeldToken>>>,
    /// Who to log in as when a token is needed or was refused.
    credentials: Option<Credentials>,
    /// Set when a login with the credentials was refused: no further login is tried.
    credentials_refused: AtomicBool,
    /// Held while logging in with the credentials, so that threads refused at once log in once.
    relogin: Mutex<()>,
    max_token_age: Duration,
}

/// A token as the client holds it: the JWT, and its expiry when it decodes as one.
#[derive(Debug, Clone)]
struct HeldToken {
    jwt: Secret,
    expires_at: Option<SystemTime>,
}

impl HeldToken {
    fn new(jwt: String) -> Arc<HeldToken> {
        let expires_at = Token::parse(&jwt).ok().map(|t| t.claims().expires_at);
        Arc::new(HeldToken {
            jwt: Secret::new(jwt),
            expires_at,
        })
    }

    /// True when the token has expired, or will within a few seconds (a request sent now
    /// could arrive after the expiry).
    fn expiring(&self) -> bool {
        let soon = SystemTime::now() + Duration::from_secs(5);
        self.expires_at.is_some_and(|at| at <= soon)
    }
}

/// A user and password to log in with whenever the client needs a token.
#[derive(Debug, Clone)]
struct Credentials {
    user: String,
    password: Secret,
}

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// # Example
/// ```
/// use std::time::Duration;
/// use aistore_authn::{Client, RetryPolicy};
///
/// let client = Client::builder("http://127.0.0.1:52001")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::none())
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:52001");
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    token: Option<Secret>,
    credentials: Option<Credentials>,
    max_token_age: Duration,
    settings: Settings,
}

impl ClientBuilder {
    /// Sends this bearer token (a JWT from a login) with every request.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .token(jwt) // from an earlier login
    ///     .build()?;
    /// assert_eq!(client.token().as_deref(), Some(jwt));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token.into()));
        self
    }

    /// Logs in as `user` with `password` whenever the client needs a token: before the first
    /// request that needs one (reading roles and clusters does not), and once more when a
    /// call is refused because its token expired or was revoked (HTTP 401 `invalid token`),
    /// after which that call is sent again, once. A token about to expire is replaced before
    /// it is sent. Each login is `POST /v1/users/{user}` with the server's default lifetime.
    ///
    /// Never in a loop: a call logs in at most once, threads refused together log in once,
    /// and after a login is refused ([`Error::InvalidCredentials`]) the client tries no
    /// further login and returns that error for every call that needs a token. A 401 for
    /// missing rights (a non-admin calling an admin endpoint) is returned as it is.
    ///
    /// The password is kept in memory for the client's lifetime (`Debug` prints
    /// `[redacted]`). `build()` checks the user ID and password as
    /// [`Client::login`] does and sends nothing.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .credentials("svc-provisioner", "s3cret")
    ///     .build()?;
    /// // Logs in here, and again whenever the token expires or is revoked.
    /// let users = client.user_manager().list()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some(Credentials {
            user: user.to_owned(),
            password: Secret::new(password.to_owned()),
        });
        self
    }

    /// Bounds each whole call: connecting, sending, the reply, and any retries with their
    /// pauses. Default: [`DEFAULT_TIMEOUT`] (60 s). Anything over a year counts as a year.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Bounds establishing each connection. Default: [`DEFAULT_CONNECT_TIMEOUT`] (10 s).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// The server's maximum token lifetime (its `auth.max_token_age`), so that
    /// [`Client::login`] refuses a longer `expires_in` before sending it. Default:
    /// [`DEFAULT_MAX_TOKEN_AGE`] (90 days), the server's default.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// // The server runs with `auth.max_token_age` set to 7 days.
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .max_token_age(Duration::from_secs(7 * 24 * 3600))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn max_token_age(mut self, max: Duration) -> Self {
        self.max_token_age = max;
        self
    }

    /// Trusts only the CA certificate(s) in this PEM data for `https://` (instead of the
    /// bundled Mozilla roots). Takes precedence over [`ca_cert_file`](ClientBuilder::ca_cert_file);
    /// `build()` returns [`Error::Config`] when the data holds no certificate.
    ///
    /// # Example
    /// ```no_run
    /// let pem = std::fs::read("/etc/ais/ca.pem")?;
    /// let client = aistore_authn::Client::builder("https://authn.example.com:52001")
    ///     .ca_cert_pem(pem)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings.ca_pem = Some(pem.into());
        self
    }

    /// Like [`ca_cert_pem`](ClientBuilder::ca_cert_pem), read from this file by `build()`,
    /// which returns [`Error::ConfigFile`] when the file cannot be read, [`Error::Config`]
    /// naming it when it holds no certificate. Ignored when `ca_cert_pem` is also set.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder("https://authn.example.com:52001")
    ///     .ca_cert_file("/etc/ais/ca.pem")
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.ca_file = Some(path.into());
        self
    }

    /// Presents this client certificate (mutual TLS) to `https://` servers that ask for one:
    /// `cert` is PEM data with the certificate (and any intermediates), `key` PEM data with
    /// its private key (PKCS#8 `PRIVATE KEY`, or for rustls also `RSA`/`EC PRIVATE KEY`).
    /// The key is kept in memory and never printed. Takes precedence over
    /// [`client_cert_file`](ClientBuilder::client_cert_file). `build()` returns
    /// [`Error::Config`] when the data holds no certificate or no key.
    ///
    /// # Example
    /// ```no_run
    /// let cert = std::fs::read("/etc/ais/client.crt")?;
    /// let key = std::fs::read("/etc/ais/client.key")?;
    /// let client = aistore_authn::Client::builder("https://authn.example.com:52001")
    ///     .client_cert_pem(cert, key)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_cert_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        let key = String::from_utf8_lossy(&key.into()).into_owned();
        self.settings.client_cert = Some(ClientCertSource::Pem {
            cert: cert.into(),
            key: Secret::new(key),
        });
        self
    }

    /// Like [`client_cert_pem`](ClientBuilder::client_cert_pem), read from these PEM files by
    /// `build()`, which returns [`Error::ConfigFile`] for a file that cannot be read and
    /// [`Error::Config`] naming the file that holds no certificate or key. What the `ais`
    /// CLI's `AIS_CRT` / `AIS_CRT_KEY` name.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder("https://authn.example.com:52001")
    ///     .client_cert_file("/etc/ais/client.crt", "/etc/ais/client.key")
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client_cert_file(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        if !matches!(
            self.settings.client_cert,
            Some(ClientCertSource::Pem { .. })
        ) {
            self.settings.client_cert = Some(ClientCertSource::Files {
                cert: cert.into(),
                key: key.into(),
            });
        }
        self
    }

    /// When to send a failed request again; see [`RetryPolicy`]. Default:
    /// [`RetryPolicy::default`] (4 attempts); [`RetryPolicy::none`] turns retries off.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use aistore_authn::{Client, RetryPolicy};
    ///
    /// let patient = RetryPolicy::new(8, Duration::from_millis(200), Duration::from_secs(5));
    /// let client = Client::builder("http://127.0.0.1:52001").retry(patient).build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// The largest reply body accepted; a larger one is an [`Error::Transport`] of kind
    /// `TooLarge`. Default: [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB).
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .max_response_bytes(1024 * 1024)
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.settings.max_response_bytes = bytes;
        self
    }

    /// How many idle keep-alive connections to keep for reuse (0: a new connection per
    /// request). Default: [`DEFAULT_MAX_IDLE_CONNECTIONS`].
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .max_idle_connections(0) // a new connection for every request
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn max_idle_connections(mut self, connections: usize) -> Self {
        self.settings.max_idle_connections = connections;
        self
    }

    /// With `false`, ignores the proxy environment variables (`ALL_PROXY`, `HTTPS_PROXY`,
    /// `HTTP_PROXY`, `NO_PROXY`, either case) and connects directly. Default: `true`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .proxy_from_env(false)
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn proxy_from_env(mut self, enabled: bool) -> Self {
        self.settings.proxy_from_env = enabled;
        self
    }

    /// With `true`, accepts any server certificate: anyone on the path can then read the
    /// token. For test set-ups only; `build()` logs a warning (once per process).
    ///
    /// # Example
    /// ```no_run
    /// // A test server with a self-signed certificate.
    /// let client = aistore_authn::Client::builder("https://127.0.0.1:52001")
    ///     .skip_verify(true)
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn skip_verify(mut self, skip: bool) -> Self {
        self.settings.skip_verify = skip;
        self
    }

    /// Checks the settings and creates the client. Sends no request.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`] when the URL is not `http://` or `https://` with a host,
    ///   has credentials, a query or a fragment, or is `https://` in a build with no TLS
    ///   feature.
    /// - [`Error::InvalidArgument`] for a token that is empty or has characters an HTTP header
    ///   cannot carry, and for [`credentials`](ClientBuilder::credentials) with a user ID or
    ///   password [`Client::login`] would refuse.
    /// - [`Error::InvalidArgument`] for a CA certificate, a client certificate or
    ///   `skip_verify` in a build with no TLS feature.
    /// - [`Error::Config`] when the CA data holds no certificate, or the CA file (named in the
    ///   message) holds none; likewise for the client certificate and key.
    /// - [`Error::ConfigFile`], with the path and the [`std::io::Error`], when the CA file or a
    ///   client certificate or key file cannot be read.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, Error};
    ///
    /// let client = Client::builder("http://127.0.0.1:52001/").build()?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:52001");
    /// let no_scheme = Client::builder("127.0.0.1:52001").build();
    /// assert!(matches!(no_scheme, Err(Error::InvalidArgument(_))));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let base_url = normalize_base_url(&self.base_url)?;
        if let Some(token) = &self.token {
            check_token(token.expose())?;
        }
        if let Some(credentials) = &self.credentials {
            Request::to(Method::Post, Entity::Login(&credentials.user))?;
            check_password(credentials.password.expose())?;
        }
        let transport = Transport::new(base_url, &self.settings)?;
        Ok(Client {
            transport: Arc::new(transport),
            token: RwLock::new(self.token.map(|t| HeldToken::new(t.expose().to_owned()))),
            credentials: self.credentials,
            credentials_refused: AtomicBool::new(false),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        })
    }
}

impl Client {
    /// A client for the AuthN server at `base_url` (e.g. `http://127.0.0.1:52001`), with no
    /// token and the default timeouts. Sends no request.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a URL [`ClientBuilder::build`] refuses.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// assert_eq!(client.token(), None);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(base_url: &str) -> Result<Client, Error> {
        Client::builder(base_url).build()
    }

    /// A builder for a client of the AuthN server at `base_url`. A path after the host is
    /// kept, for servers behind a reverse proxy.
    ///
    /// # Example
    /// ```
    /// // AuthN behind a reverse proxy, under /authn.
    /// let client = aistore_authn::Client::builder("http://gateway.internal/authn/").build()?;
    /// assert_eq!(client.base_url(), "http://gateway.internal/authn");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            token: None,
            credentials: None,
            max_token_age: DEFAULT_MAX_TOKEN_AGE,
            settings: Settings {
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                ca_pem: None,
                ca_file: None,
                client_cert: None,
                skip_verify: false,
                proxy_from_env: true,
                retry: RetryPolicy::default(),
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
                max_idle_connections: DEFAULT_MAX_IDLE_CONNECTIONS,
            },
        }
    }

    /// The base URL, without a trailing slash.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001//")?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The bearer token sent with each request, if any: a copy, since a client with
    /// [`credentials`](ClientBuilder::credentials) replaces it when it logs in again.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// assert_eq!(client.token(), None);
    /// client.set_token(Some(jwt.to_owned()));
    /// assert_eq!(client.token().as_deref(), Some(jwt));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(&self) -> Option<String> {
        self.held_token().map(|t| t.jwt.expose().to_owned())
    }

    /// Replaces (or with `None`, removes) the bearer token. Sends no request, and checks
    /// nothing: a token that an HTTP header cannot carry (empty, spaces, non-ASCII) makes each
    /// later request fail with [`Error::InvalidArgument`], unsent.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{env, Client};
    ///
    /// let mut client = Client::new("http://127.0.0.1:52001")?;
    /// client.set_token(Some(env::load_token_file("auth.token".as_ref())?));
    /// client.set_token(None); // anonymous again
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn set_token(&mut self, token: Option<String>) {
        self.store_token(token.map(HeldToken::new));
    }

    /// A client with the same connection pool and settings acting as another identity: it
    /// sends `token` and has no [`credentials`](ClientBuilder::credentials). Sends no request.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a token that is empty or has characters an HTTP header
    /// cannot carry.
    ///
    /// # Example
    /// ```no_run
    /// let mut admin = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// admin.login("admin", "admin-password", None)?;
    /// # let alices_jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let alice = admin.with_token(alices_jwt)?; // same connections, alice's rights
    /// assert_eq!(alice.whoami()?.user.id, "alice");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn with_token(&self, token: impl Into<String>) -> Result<Client, Error> {
        let token = token.into();
        check_token(&token)?;
        Ok(Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(Some(HeldToken::new(token))),
            credentials: None,
            credentials_refused: AtomicBool::new(false),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        })
    }

    /// A client with the same connection pool and settings and no identity: no token and no
    /// credentials. For something that keeps a client only to read public endpoints.
    #[cfg(feature = "verify")]
    pub(crate) fn without_identity(&self) -> Client {
        Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(None),
            credentials: None,
            credentials_refused: AtomicBool::new(false),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        }
    }

    /// Logs in as `user` and makes the new token this client's token.
    ///
    /// `POST /v1/users/{user}`. With `expires_in` of `None` the server's default lifetime
    /// applies (24 h unless configured otherwise). Returns the token, with its claims decoded
    /// ([`Token::as_str`] for the JWT).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], with no request sent: a user ID that cannot be a URL path
    ///   segment (empty, `.`, `..`, or with `/`), an empty or blank password, a password over
    ///   72 bytes, or `expires_in` under [`MIN_TOKEN_LIFETIME`] or over the maximum token age
    ///   ([`ClientBuilder::max_token_age`]).
    /// - [`Error::InvalidCredentials`]: unknown user or wrong password.
    /// - [`Error::Api`] with status 400: `expires_in` above a server maximum set lower than the
    ///   client's.
    /// - [`Error::Transport`]; [`Error::Decode`] when the reply holds no well-formed token.
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let token = client.login("alice", "s3cret", Some(Duration::from_secs(8 * 3600)))?;
    /// assert_eq!(token.subject(), "alice");
    /// assert_eq!(client.token().as_deref(), Some(token.as_str()));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn login(
        &mut self,
        user: &str,
        password: &str,
        expires_in: Option<Duration>,
    ) -> Result<Token, Error> {
        let token = self.request_token(user, password, expires_in)?;
        self.store_token(Some(HeldToken::new(token.as_str().to_owned())));
        Ok(token)
    }

    /// `POST /v1/users/{user}`: a new token, not yet this client's.
    fn request_token(
        &self,
        user: &str,
        password: &str,
        expires_in: Option<Duration>,
    ) -> Result<Token, Error> {
        #[derive(Serialize)]
        struct LoginMsg<'a> {
            password: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            expires_in: Option<i64>,
        }
        #[derive(Deserialize)]
        struct TokenMsg {
            token: String,
        }
        let request = Request::to(Method::Post, Entity::Login(user))?;
        check_password(password)?;
        let expires_in = match expires_in {
            None => None,
            Some(d) if d < MIN_TOKEN_LIFETIME => {
                return Err(Error::InvalidArgument(format!(
                    "expires_in is {d:?}; AuthN requires at least one minute"
                )))
            }
            Some(d) if d > self.max_token_age => {
                return Err(Error::InvalidArgument(format!(
                    "expires_in is {d:?}; the server's maximum is {:?} (see \
                     ClientBuilder::max_token_age)",
                    self.max_token_age
                )))
            }
            Some(d) => Some(i64::try_from(d.as_nanos()).map_err(|_| {
                Error::InvalidArgument(format!("expires_in {d:?} is out of range"))
            })?),
        };
        let msg = LoginMsg {
            password,
            expires_in,
        };
        let request = request.json(&msg)?.secret(password).public();
        // A login carries no token: it is not needed, and an old one would only be echoed.
        let reply = self.transport.send(&request, None)?;
        let reply: TokenMsg = decode(&reply, "POST", &request.path)?;
        Token::parse(&reply.token).map_err(|e| Error::Decode {
            message: format!("the login reply holds no usable token: {e}"),
            method: "POST",
            path: request.path.clone(),
            source: None,
        })
    }

    fn held_token(&self) -> Option<Arc<HeldToken>> {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn store_token(&self, token: Option<Arc<HeldToken>>) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// Sends `request` with this client's token and returns the body of the 2xx reply: the
    /// one path every manager's call takes. With credentials, logs in first when a token is
    /// needed and missing or expiring, and once more when the token is refused.
    pub(crate) fn call(&self, request: &Request<'_>) -> Result<Vec<u8>, Error> {
        if request.anonymous {
            return self.transport.send(request, None);
        }
        let mut token = self.held_token();
        if let Some(held) = &token {
            check_token(held.jwt.expose())?;
        }
        let needs_login = || token.as_ref().is_none_or(|t| t.expiring());
        if self.credentials.is_some() && request.needs_token && needs_login() {
            token = Some(self.relogin(token.as_ref())?);
        }
        let jwt = token.as_ref().map(|t| t.jwt.expose());
        match self.transport.send(request, jwt) {
            Err(e) if self.credentials.is_some() && token_refused(&e) => {
                let fresh = self.relogin(token.as_ref())?;
                self.transport.send(request, Some(fresh.jwt.expose()))
            }
            other => other,
        }
    }

    /// [`call`](Client::call), then decode the JSON reply.
    pub(crate) fn fetch<T: DeserializeOwned>(&self, request: &Request<'_>) -> Result<T, Error> {
        let reply = self.call(request)?;
        decode(&reply, request.method.as_str(), &request.path)
    }

    /// `DELETE` of an entity; with `missing_ok`, "not found" counts as done.
    pub(crate) fn delete(&self, entity: Entity<'_>, missing_ok: bool) -> Result<(), Error> {
        match self.call(&Request::to(Method::Delete, entity)?) {
            Err(e) if missing_ok && e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }

    /// Logs in with the credentials, unless another thread replaced `stale` meanwhile; returns
    /// the token to use.
    fn relogin(&self, stale: Option<&Arc<HeldToken>>) -> Result<Arc<HeldToken>, Error> {
        let Some(credentials) = &self.credentials else {
            return Err(Error::InvalidArgument(
                "the client has no credentials to log in with".into(),
            ));
        };
        let _one_at_a_time = self.relogin.lock().unwrap_or_else(PoisonError::into_inner);
        if self.credentials_refused.load(Ordering::Relaxed) {
            return Err(Error::InvalidCredentials(credentials.user.clone()));
        }
        if let Some(current) = self.held_token() {
            let replaced = stale.is_none_or(|s| s.jwt != current.jwt);
            if replaced && !current.expiring() {
                return Ok(current);
            }
        }
        let log_in = || {
            self.request_token(&credentials.user, credentials.password.expose(), None)
                .inspect_err(|e| {
                    if matches!(e, Error::InvalidCredentials(_)) {
                        self.credentials_refused.store(true, Ordering::Relaxed);
                    }
                })
        };
        let mut token = log_in()?;
        // AuthN issues the same token for logins in the same second: when that is the refused
        // one, wait for the next second and log in once more.
        if stale.is_some_and(|s| s.jwt.expose() == token.as_str()) {
            std::thread::sleep(until_next_second());
            token = log_in()?;
        }
        let held = HeldToken::new(token.as_str().to_owned());
        log::debug!("logged in again as {}", credentials.user);
        self.store_token(Some(held.clone()));
        Ok(held)
    }
}

/// The time to the next whole second of the clock (at most one second).
fn until_next_second() -> Duration {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_nanos(u64::from(1_000_000_000 - now.subsec_nanos())) + Duration::from_millis(5)
}

/// True when AuthN refused the token itself (expired, revoked, malformed, missing), as opposed
/// to a valid token that lacks the rights: only then can a new login help. AuthN answers 401
/// to both and tells them apart only in its message.
fn token_refused(e: &Error) -> bool {
    matches!(e, Error::Unauthorized { message, .. }
        if message.contains("invalid token") || message.contains("token required"))
}

impl Clone for Client {
    /// A client sharing this one's connection pool and settings, with its own copy of the
    /// token (and the credentials, if any): logging in or out on one does not change the other.
    fn clone(&self) -> Client {
        Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(self.held_token()),
            credentials: self.credentials.clone(),
            credentials_refused: AtomicBool::new(self.credentials_refused.load(Ordering::Relaxed)),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_defaults() {
        let c = Client::new("http://h").unwrap();
        let (timeout, max_reply, retry) = c.transport.limits();
        assert_eq!((timeout, max_reply), (Duration::from_secs(60), 16 << 20));
        assert_eq!(retry, RetryPolicy::default());
        assert_eq!(retry.max_attempts(), 4);
        let config = c.transport.agent_config();
        assert_eq!(config.timeouts().connect, Some(Duration::from_secs(10)));
        assert_eq!(
            config.max_idle_connections_per_host(),
            DEFAULT_MAX_IDLE_CONNECTIONS
        );
        assert_eq!(config.max_redirects(), 0);
        assert!(!config.http_status_as_error());
        // Huge settings are accepted and do not overflow the clock.
        let c = Client::builder("http://127.0.0.1:1")
            .timeout(Duration::MAX)
            .retry(RetryPolicy::new(2, Duration::MAX, Duration::MAX))
            .build()
            .unwrap();
        assert!(c.role_manager().list().is_err());
    }

    #[test]
    fn debug_hides_the_token_and_the_password() {
        let c = Client::builder("http://h")
            .token("eyJsecret.x.y")
            .credentials("bob", "pass-w0rd")
            .build()
            .unwrap();
        assert_eq!(c.token().as_deref(), Some("eyJsecret.x.y"));
        let printed = format!(
            "{c:?} {:?} {:?}",
            c.clone(),
            Client::builder("http://h")
                .token("tok-123")
                .credentials("bob", "pass-w0rd")
        );
        for secret in ["secret", "tok-123", "pass-w0rd"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn clones_share_the_pool_and_keep_their_own_token() {
        let mut a = Client::builder("http://h")
            .token("eyJa.b.c")
            .build()
            .unwrap();
        let b = a.clone();
        let c = a.with_token("eyJx.y.z").unwrap();
        assert!(Arc::ptr_eq(&a.transport, &b.transport));
        assert!(Arc::ptr_eq(&a.transport, &c.transport));
        a.set_token(None);
        assert_eq!(a.token(), None);
        assert_eq!(b.token().as_deref(), Some("eyJa.b.c"));
        assert_eq!(c.token().as_deref(), Some("eyJx.y.z"));
        assert!(matches!(
            a.with_token("two words"),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn bad_credentials_are_refused_by_build() {
        for (user, password) in [
            ("", "p"),
            ("a/b", "p"),
            ("bob", " "),
            ("bob", &"p".repeat(73)),
        ] {
            let built = Client::builder("http://h")
                .credentials(user, password)
                .build();
            assert!(matches!(built, Err(Error::InvalidArgument(_))), "{user:?}");
        }
    }

    #[test]
    fn only_a_refused_token_calls_for_a_new_login() {
        let unauthorized = |message: &str| {
            crate::error::from_status(
                401,
                format!(r#"{{"message":{message:?}}}"#).as_bytes(),
                "GET",
                "/v1/users",
                Entity::None,
                &[],
            )
        };
        assert!(token_refused(&unauthorized(
            "not authorized (invalid token: token revoked): \"x\""
        )));
        assert!(token_refused(&unauthorized(
            "not authorized (invalid token [err: token expired]): \"x\""
        )));
        assert!(token_refused(&unauthorized("token required")));
        assert!(!token_refused(&unauthorized(
            "not authorized: requires admin (user bob, token expires in 23h59m)"
        )));
        assert!(!token_refused(&Error::InvalidCredentials("bob".into())));
    }
}

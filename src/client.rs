//! The blocking HTTP client: connection settings, the auth token, and the one place that
//! talks to the HTTP library.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{from_status, Entity, TransportErrorKind};
use crate::names::{check_password, entity_path};
use crate::secret::{redact_tokens, Secret};
use crate::{ClusterManager, Error, RetryPolicy, RoleManager, UserManager};

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
/// managers ([`UserManager`], [`RoleManager`], [`ClusterManager`],
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
    agent: ureq::Agent,
    base_url: String,
    token: Option<Secret>,
    max_token_age: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    max_reply_bytes: u64,
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
    timeout: Duration,
    connect_timeout: Duration,
    max_token_age: Duration,
    ca_pem: Option<Vec<u8>>,
    ca_file: Option<PathBuf>,
    skip_verify: bool,
    proxy_from_env: bool,
    retry: RetryPolicy,
    max_response_bytes: u64,
    max_idle_connections: usize,
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
    /// assert_eq!(client.token(), Some(jwt));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token.into()));
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
        self.timeout = timeout;
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
        self.connect_timeout = timeout;
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
        self.ca_pem = Some(pem.into());
        self
    }

    /// Like [`ca_cert_pem`](ClientBuilder::ca_cert_pem), read from this file by `build()`,
    /// which returns [`Error::Config`] naming the file when it cannot be read or holds no
    /// certificate. Ignored when `ca_cert_pem` is also set.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder("https://authn.example.com:52001")
    ///     .ca_cert_file("/etc/ais/ca.pem")
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
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
        self.retry = policy;
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
        self.max_response_bytes = bytes;
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
        self.max_idle_connections = connections;
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
        self.proxy_from_env = enabled;
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
        self.skip_verify = skip;
        self
    }

    /// Checks the settings and creates the client. Sends no request.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`] when the URL is not `http://` or `https://` with a host,
    ///   has credentials, a query or a fragment, or is `https://` in a build with no TLS
    ///   feature.
    /// - [`Error::InvalidArgument`] for a token that is empty or has characters an HTTP header
    ///   cannot carry.
    /// - [`Error::InvalidArgument`] for a CA certificate or `skip_verify` in a build with no
    ///   TLS feature.
    /// - [`Error::Config`] when the CA data holds no certificate, or the CA file (named in the
    ///   message) cannot be read or holds none.
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
        let timeout = self.timeout.min(MAX_TIMEOUT);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(self.connect_timeout.min(MAX_TIMEOUT)))
            .user_agent(concat!("aistore-authn/", env!("CARGO_PKG_VERSION")))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .max_idle_connections(self.max_idle_connections)
            .max_idle_connections_per_host(self.max_idle_connections);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let config = config.tls_config(self.tls_config()?);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if self.ca_pem.is_some() || self.ca_file.is_some() || self.skip_verify {
            return Err(Error::InvalidArgument(
                "TLS options need the rustls or native-tls feature".into(),
            ));
        }
        let config = if self.proxy_from_env {
            config
        } else {
            config.proxy(None)
        };
        if let Some(token) = &self.token {
            check_token(token.expose())?;
        }
        Ok(Client {
            agent: ureq::Agent::with_parts(
                config.build(),
                ureq::unversioned::transport::DefaultConnector::new(),
                crate::resolve::FastResolver::default(),
            ),
            base_url,
            token: self.token,
            max_token_age: self.max_token_age,
            timeout,
            retry: self.retry,
            max_reply_bytes: self.max_response_bytes,
        })
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    fn tls_config(&self) -> Result<ureq::tls::TlsConfig, Error> {
        use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
        let mut tls = TlsConfig::builder();
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        {
            tls = tls.provider(ureq::tls::TlsProvider::NativeTls);
        }
        let pem = match (&self.ca_pem, &self.ca_file) {
            (Some(pem), _) => Some((pem.clone(), "the CA PEM data".to_owned())),
            (None, Some(path)) => {
                let pem = std::fs::read(path).map_err(|e| {
                    Error::Config(format!("cannot read CA file {}: {e}", path.display()))
                })?;
                Some((pem, format!("CA file {}", path.display())))
            }
            (None, None) => None,
        };
        if let Some((pem, source)) = pem {
            let certs: Vec<_> = parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::Config(format!("{source} holds no PEM certificate")));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        if self.skip_verify {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                log::warn!(
                    "TLS certificate verification is off: the AuthN token can be intercepted"
                )
            });
            tls = tls.disable_verification(true);
        }
        Ok(tls.build())
    }
}

/// Trims trailing slashes and refuses URLs the client cannot use safely.
pub(crate) fn normalize_base_url(url: &str) -> Result<String, Error> {
    // A URL with `user:password@` is never repeated in an error.
    let shown = if url.contains('@') {
        "(not shown: it has an @)"
    } else {
        url
    };
    let invalid = |why: &str| Err(Error::InvalidArgument(format!("base URL {shown:?} {why}")));
    let rest = match url.strip_prefix("https://") {
        Some(rest) if cfg!(any(feature = "rustls", feature = "native-tls")) => rest,
        Some(_) => return invalid("is https, but this build has no TLS feature"),
        None => match url.strip_prefix("http://") {
            Some(rest) => rest,
            None => return invalid("must start with http:// or https://"),
        },
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return invalid("has no host");
    }
    if authority.contains('@') {
        return invalid("must not contain credentials");
    }
    if url.contains(['?', '#']) {
        return invalid("must not have a query or fragment");
    }
    if url.parse::<ureq::http::Uri>().is_err() {
        return invalid("is not a valid URL");
    }
    Ok(url.trim_end_matches('/').to_owned())
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
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_token_age: DEFAULT_MAX_TOKEN_AGE,
            ca_pem: None,
            ca_file: None,
            skip_verify: false,
            proxy_from_env: true,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_idle_connections: DEFAULT_MAX_IDLE_CONNECTIONS,
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
        &self.base_url
    }

    /// The bearer token sent with each request, if any.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// assert_eq!(client.token(), None);
    /// client.set_token(Some(jwt.to_owned()));
    /// assert_eq!(client.token(), Some(jwt));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(Secret::expose)
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
        self.token = token.map(Secret::new);
    }

    /// Logs in as `user` and makes the new token this client's token.
    ///
    /// `POST /v1/users/{user}`. With `expires_in` of `None` the server's default lifetime
    /// applies (24 h unless configured otherwise). Returns the token (a JWT).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], with no request sent: a user ID that cannot be a URL path
    ///   segment (empty, `.`, `..`, or with `/`), an empty or blank password, a password over
    ///   72 bytes, or `expires_in` under [`MIN_TOKEN_LIFETIME`] or over the maximum token age
    ///   ([`ClientBuilder::max_token_age`]).
    /// - [`Error::InvalidCredentials`]: unknown user or wrong password.
    /// - [`Error::Api`] with status 400: `expires_in` above a server maximum set lower than the
    ///   client's.
    /// - [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let jwt = client.login("alice", "s3cret", Some(Duration::from_secs(8 * 3600)))?;
    /// assert_eq!(client.token(), Some(jwt.as_str()));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn login(
        &mut self,
        user: &str,
        password: &str,
        expires_in: Option<Duration>,
    ) -> Result<String, Error> {
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
        let path = entity_path("users", "user ID", user)?;
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
        let call = Call::new("POST", &path, Entity::Login(user)).json(&msg)?;
        let reply = self.run(call.secret(password))?;
        let reply: TokenMsg = decode(&reply, "POST", &path)?;
        if reply.token.is_empty() {
            return Err(Error::Decode {
                message: "the login reply has an empty token".into(),
                method: "POST",
                path,
            });
        }
        self.token = Some(Secret::new(reply.token.clone()));
        Ok(reply.token)
    }

    /// The user manager over this client: user CRUD.
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("alice", "s3cret", None)?;
    /// let alice = client.user_manager().get("alice")?; // users may read themselves
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn user_manager(&self) -> UserManager<'_> {
        UserManager::new(self)
    }

    /// The role manager over this client: role CRUD.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let roles = client.role_manager().list()?; // needs no token
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn role_manager(&self) -> RoleManager<'_> {
        RoleManager::new(self)
    }

    /// The cluster manager over this client: cluster registration.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// for (id, cluster) in client.cluster_manager().list()? {
    ///     println!("{id}: {}", cluster.alias);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn cluster_manager(&self) -> ClusterManager<'_> {
        ClusterManager::new(self)
    }

    /// `GET path` and decode the JSON reply.
    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        entity: Entity<'_>,
    ) -> Result<T, Error> {
        decode(&self.run(Call::new("GET", path, entity))?, "GET", path)
    }

    /// Sends `body` as JSON; returns the reply body (empty for AuthN's writes).
    pub(crate) fn send<B: Serialize>(
        &self,
        method: &'static str,
        path: &str,
        entity: Entity<'_>,
        body: &B,
    ) -> Result<Vec<u8>, Error> {
        self.run(Call::new(method, path, entity).json(body)?)
    }

    /// `DELETE path`; with `missing_ok`, "not found" counts as done.
    pub(crate) fn delete(
        &self,
        path: &str,
        entity: Entity<'_>,
        missing_ok: bool,
    ) -> Result<(), Error> {
        match self.run(Call::new("DELETE", path, entity)) {
            Err(e) if missing_ok && e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }

    /// `GET url` (outside AuthN, e.g. an AIS node) with this client's TLS settings and token,
    /// and decode the JSON reply. Errors name the whole URL.
    pub(crate) fn get_external<T: DeserializeOwned>(&self, url: &str) -> Result<T, Error> {
        let call = Call {
            url: Some(url),
            ..Call::new("GET", url, Entity::None)
        };
        decode(&self.run(call)?, "GET", url)
    }

    /// Sends a request, retrying as [`RetryPolicy`] allows within the call's timeout; returns
    /// the body of a 2xx reply, or the typed error.
    pub(crate) fn run(&self, call: Call<'_>) -> Result<Vec<u8>, Error> {
        let Call {
            method,
            path,
            url,
            entity,
            body,
            retry,
            secret,
        } = call;
        if let Some(token) = &self.token {
            check_token(token.expose())?;
        }
        let url = match url {
            Some(url) => url.to_owned(),
            None => format!("{}{path}", self.base_url),
        };
        let started = Instant::now();
        // `None`: a timeout too large to add to the clock, i.e. no deadline.
        let deadline = started.checked_add(self.timeout);
        let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let mut attempt = 1;
        // Whether an earlier attempt may have been carried out by the server.
        let mut maybe_applied = false;
        loop {
            // The first attempt has the whole budget, which the agent's own timeout already is;
            // only a retry needs a per-request limit (and its config copy).
            let limit = if attempt == 1 { None } else { left() };
            let outcome = self.attempt(method, &url, body.as_deref(), limit);
            let safe = match &outcome {
                Ok((status, _)) => matches!(status, 502..=504).then_some(Retry::IfRepeatable),
                Err(failure) => failure.retry,
            };
            let retry_ok = match safe {
                Some(Retry::Always) => true,
                Some(Retry::IfRepeatable) => retry == Retry::IfRepeatable,
                None => false,
            };
            let pause = self.retry.delay(attempt);
            // Retry only when there is time for the pause and a real attempt after it.
            let room = left().is_none_or(|l| l > pause.saturating_add(MIN_ATTEMPT_TIME));
            if retry_ok && attempt < self.retry.max_attempts() && room {
                maybe_applied |= safe == Some(Retry::IfRepeatable);
                let why = match &outcome {
                    Ok((status, _)) => format!("HTTP {status}"),
                    Err(failure) => failure.kind.to_string(),
                };
                log::debug!(
                    "{method} {path}: attempt {attempt} failed ({why}); retrying in {pause:?}"
                );
                std::thread::sleep(pause);
                attempt += 1;
                continue;
            }
            let (status, bytes) = outcome.map_err(|failure| Error::Transport {
                kind: failure.kind,
                message: failure.message,
                method,
                path: path.to_owned(),
            })?;
            log::debug!(
                "{method} {path} -> {status} ({} bytes, {} ms, attempt {attempt})",
                bytes.len(),
                started.elapsed().as_millis()
            );
            // A DELETE whose earlier attempt may have done the deed finds nothing left: done.
            if method == "DELETE" && maybe_applied && status == 404 {
                return Ok(Vec::new());
            }
            if !(200..300).contains(&status) {
                let token = self.token.as_ref().map(Secret::expose);
                let secrets = [token, secret];
                return Err(from_status(status, &bytes, method, path, entity, &secrets));
            }
            return Ok(bytes);
        }
    }

    /// One exchange, within `left` of the call's time (`None`: no limit beyond the agent's):
    /// the status and body, or why not.
    fn attempt(
        &self,
        method: &'static str,
        url: &str,
        body: Option<&[u8]>,
        left: Option<Duration>,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let https = url.starts_with("https://");
        let failure = |e: ureq::Error| Failure::new(e, https);
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let sent = match body {
            Some(bytes) => {
                let request = request
                    .header("Content-Type", "application/json")
                    .body(bytes)
                    .map_err(|e| failure(e.into()))?;
                self.send_attempt(request, left)
            }
            None => {
                let request = request.body(()).map_err(|e| failure(e.into()))?;
                self.send_attempt(request, left)
            }
        };
        let mut reply = sent.map_err(failure)?;
        let status = reply.status().as_u16();
        let bytes = reply
            .body_mut()
            .with_config()
            .limit(self.max_reply_bytes)
            .read_to_vec()
            .map_err(failure)?;
        Ok((status, bytes))
    }

    fn send_attempt(
        &self,
        request: ureq::http::Request<impl ureq::AsSendBody>,
        left: Option<Duration>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        match left {
            None => self.agent.run(request),
            Some(left) => {
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_global(Some(left))
                    .build();
                self.agent.run(request)
            }
        }
    }
}

/// The longest timeout passed on to the HTTP layer, which would overflow the clock on
/// `Duration::MAX`; a year is as good as none.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// The shortest time worth starting another attempt with.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

/// One request: what to send, and how to treat it when it fails.
pub(crate) struct Call<'a> {
    method: &'static str,
    /// The path below the base URL; it names the request in logs and errors.
    path: &'a str,
    /// The whole URL, for a request outside AuthN.
    url: Option<&'a str>,
    entity: Entity<'a>,
    body: Option<Vec<u8>>,
    /// `IfRepeatable` when sending it again cannot change the outcome; `Always` when it must
    /// not be repeated once it may have reached the server.
    retry: Retry,
    /// A secret the request carries (a password, a token), cut out of error messages.
    secret: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A request; GET, PUT and DELETE count as repeatable (AuthN's are idempotent).
    pub(crate) fn new(method: &'static str, path: &'a str, entity: Entity<'a>) -> Self {
        let repeatable = matches!(method, "GET" | "PUT" | "DELETE");
        Call {
            method,
            path,
            url: None,
            entity,
            body: None,
            retry: if repeatable {
                Retry::IfRepeatable
            } else {
                Retry::Always
            },
            secret: None,
        }
    }

    /// With `body` as JSON.
    pub(crate) fn json<B: Serialize>(mut self, body: &B) -> Result<Self, Error> {
        self.body =
            Some(serde_json::to_vec(body).map_err(|e| Error::InvalidArgument(e.to_string()))?);
        Ok(self)
    }

    /// Carrying `secret`, which must not show in an error.
    pub(crate) fn secret(mut self, secret: &'a str) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Not to be repeated once it may have reached the server, whatever its method.
    pub(crate) fn once(mut self) -> Self {
        self.retry = Retry::Always;
        self
    }
}

/// When a failed attempt may be repeated. For a failure: `Always` when the request never
/// reached the server, `IfRepeatable` when it may have. For a call: `IfRepeatable` when it is
/// safe to repeat after it may have arrived, `Always` when only a never-sent one may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    Always,
    IfRepeatable,
}

/// Why an exchange produced no reply, and whether sending it again is safe.
struct Failure {
    kind: TransportErrorKind,
    message: String,
    /// `None`: repeating cannot help (TLS, oversized reply, bad request).
    retry: Option<Retry>,
}

impl Failure {
    fn new(e: ureq::Error, https: bool) -> Failure {
        use std::io::ErrorKind as Io;
        use ureq::Error as U;
        use ureq::Timeout as T;
        use Retry::{Always, IfRepeatable};
        use TransportErrorKind as K;
        let (kind, retry) = match &e {
            U::Timeout(T::Connect | T::Resolve) => (K::Timeout, Some(Always)),
            U::Timeout(_) => (K::Timeout, Some(IfRepeatable)),
            U::HostNotFound | U::ConnectionFailed => (K::Connect, Some(Always)),
            U::Io(io) => match io.kind() {
                Io::ConnectionRefused | Io::AddrNotAvailable => (K::Connect, Some(Always)),
                Io::TimedOut | Io::WouldBlock => (K::Timeout, Some(IfRepeatable)),
                // The TLS layer reports a failed handshake or certificate check this way
                // ("invalid peer certificate: UnknownIssuer"); repeating it cannot help.
                Io::InvalidData if https => (K::Tls, None),
                _ => (K::Io, Some(IfRepeatable)),
            },
            U::Tls(_) | U::TlsRequired => (K::Tls, None),
            #[cfg(feature = "rustls")]
            U::Rustls(_) => (K::Tls, None),
            #[cfg(feature = "native-tls")]
            U::NativeTls(_) => (K::Tls, None),
            U::BodyExceedsLimit(_) => (K::TooLarge, None),
            // A reply cut short or garbled: the connection broke mid-way.
            U::Protocol(_) | U::BodyStalled => (K::Protocol, Some(IfRepeatable)),
            U::TooManyRedirects
            | U::RedirectFailed
            | U::LargeResponseHeader(..)
            | U::BadUri(_)
            | U::Http(_) => (K::Protocol, None),
            _ => (K::Other, None),
        };
        Failure {
            kind,
            message: redact_tokens(&e.to_string()),
            retry,
        }
    }
}

/// A token must fit in an `Authorization` header: visible ASCII only.
fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidArgument(
            "the token is empty or has characters an HTTP header cannot carry".into(),
        ));
    }
    Ok(())
}

/// Decodes a JSON reply body.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    method: &'static str,
    path: &str,
) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        message: redact_tokens(&e.to_string()),
        method,
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("http://h:52001/").unwrap(),
            "http://h:52001"
        );
        assert_eq!(
            normalize_base_url("https://h/authn/").unwrap(),
            "https://h/authn"
        );
        for bad in [
            "h:52001",
            "http://",
            "http:///x",
            "http://u:p@h",
            "ftp://u:p@h",
            "http://h/?a",
            "http://h/#x",
            "ftp://h",
            "http://h h",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn documented_defaults() {
        let c = Client::new("http://h").unwrap();
        assert_eq!(
            (c.timeout, c.max_reply_bytes),
            (Duration::from_secs(60), 16 << 20)
        );
        assert_eq!(c.retry, RetryPolicy::default());
        assert_eq!(c.retry.max_attempts(), 4);
        let config = c.agent.config();
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
    fn credentials_in_a_bad_url_are_not_repeated() {
        for url in ["http://u:s3cr3t@h", "ftp://u:s3cr3t@h", "h:s3cr3t@x"] {
            let e = normalize_base_url(url).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let c = Client::builder("http://h")
            .token("eyJsecret.x.y")
            .build()
            .unwrap();
        assert_eq!(c.token(), Some("eyJsecret.x.y"));
        let printed = format!("{c:?} {:?}", Client::builder("http://h").token("tok-123"));
        assert!(
            !printed.contains("secret") && !printed.contains("tok-123"),
            "{printed}"
        );
        assert!(printed.contains("[redacted]"));
    }
}

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
/// managers ([`UserManager`], [`RoleManager`], [`ClusterManager`]) borrow it.
///
/// `Debug` never prints the token.
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
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token.into()));
        self
    }

    /// Bounds each whole call: connecting, sending, the reply, and any retries with their
    /// pauses. Default: [`DEFAULT_TIMEOUT`] (60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds establishing each connection. Default: [`DEFAULT_CONNECT_TIMEOUT`] (10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The server's maximum token lifetime (its `auth.max_token_age`), so that
    /// [`Client::login`] refuses a longer `expires_in` before sending it. Default:
    /// [`DEFAULT_MAX_TOKEN_AGE`] (90 days), the server's default.
    pub fn max_token_age(mut self, max: Duration) -> Self {
        self.max_token_age = max;
        self
    }

    /// Trusts only the CA certificate(s) in this PEM data for `https://` (instead of the
    /// bundled Mozilla roots).
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Like [`ca_cert_pem`](ClientBuilder::ca_cert_pem), read from this file by `build()`.
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// When to send a failed request again; see [`RetryPolicy`]. Default:
    /// [`RetryPolicy::default`] (4 attempts); [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest reply body accepted; a larger one is an [`Error::Transport`] of kind
    /// `TooLarge`. Default: [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How many idle keep-alive connections to keep for reuse (0: a new connection per
    /// request). Default: [`DEFAULT_MAX_IDLE_CONNECTIONS`].
    pub fn max_idle_connections(mut self, connections: usize) -> Self {
        self.max_idle_connections = connections;
        self
    }

    /// With `false`, ignores the proxy environment variables (`ALL_PROXY`, `HTTPS_PROXY`,
    /// `HTTP_PROXY`, `NO_PROXY`, either case) and connects directly. Default: `true`.
    pub fn proxy_from_env(mut self, enabled: bool) -> Self {
        self.proxy_from_env = enabled;
        self
    }

    /// With `true`, accepts any server certificate: anyone on the path can then read the
    /// token. For test set-ups only; `build()` logs a warning (once per process).
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
    /// - [`Error::Config`] naming the CA file when it cannot be read or holds no certificate.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = normalize_base_url(&self.base_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
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
            agent: config.build().new_agent(),
            base_url,
            token: self.token,
            max_token_age: self.max_token_age,
            timeout: self.timeout,
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
    let invalid = |why: &str| Err(Error::InvalidArgument(format!("base URL {url:?} {why}")));
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
    pub fn new(base_url: &str) -> Result<Client, Error> {
        Client::builder(base_url).build()
    }

    /// A builder for a client of the AuthN server at `base_url`. A path after the host is
    /// kept, for servers behind a reverse proxy.
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
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bearer token sent with each request, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(Secret::expose)
    }

    /// Replaces (or with `None`, removes) the bearer token.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token.map(Secret::new);
    }

    /// Logs in as `user` and makes the new token this client's token.
    ///
    /// `POST /v1/users/{user}`. With `expires_in` of `None` the server's default lifetime
    /// applies (24 h unless configured otherwise). Returns the token (a JWT).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], with no request sent: empty user, empty or blank password,
    ///   a password over 72 bytes, or `expires_in` under [`MIN_TOKEN_LIFETIME`] or over the
    ///   maximum token age ([`ClientBuilder::max_token_age`]).
    /// - [`Error::InvalidCredentials`]: unknown user or wrong password.
    /// - [`Error::Api`] with status 400: `expires_in` above a server maximum set lower than the
    ///   client's.
    /// - [`Error::Transport`], [`Error::Decode`].
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
        let reply = self.send("POST", &path, Entity::Login(user), &msg)?;
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
    pub fn user_manager(&self) -> UserManager<'_> {
        UserManager::new(self)
    }

    /// The role manager over this client: role CRUD.
    pub fn role_manager(&self) -> RoleManager<'_> {
        RoleManager::new(self)
    }

    /// The cluster manager over this client: cluster registration.
    pub fn cluster_manager(&self) -> ClusterManager<'_> {
        ClusterManager::new(self)
    }

    /// `GET path` and decode the JSON reply.
    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        entity: Entity<'_>,
    ) -> Result<T, Error> {
        decode(&self.call("GET", path, entity, None)?, "GET", path)
    }

    /// Sends `body` as JSON; returns the reply body (empty for AuthN's writes).
    pub(crate) fn send<B: Serialize>(
        &self,
        method: &'static str,
        path: &str,
        entity: Entity<'_>,
        body: &B,
    ) -> Result<Vec<u8>, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.call(method, path, entity, Some(bytes))
    }

    /// `DELETE path`; with `missing_ok`, "not found" counts as done.
    pub(crate) fn delete(
        &self,
        path: &str,
        entity: Entity<'_>,
        missing_ok: bool,
    ) -> Result<(), Error> {
        match self.call("DELETE", path, entity, None) {
            Err(e) if missing_ok && e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }

    /// Sends one request; returns the body of a 2xx reply, or the typed error.
    pub(crate) fn call(
        &self,
        method: &'static str,
        path: &str,
        entity: Entity<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, Error> {
        self.call_url(
            method,
            &format!("{}{path}", self.base_url),
            path,
            entity,
            body,
        )
    }

    /// `GET url` (outside AuthN, e.g. an AIS node) with this client's TLS settings and token,
    /// and decode the JSON reply. Errors name the whole URL.
    pub(crate) fn get_external<T: DeserializeOwned>(&self, url: &str) -> Result<T, Error> {
        decode(
            &self.call_url("GET", url, url, Entity::None, None)?,
            "GET",
            url,
        )
    }

    /// Sends one request to `url`; `path` names it in logs and errors. Returns the body of a
    /// 2xx reply, or the typed error.
    fn call_url(
        &self,
        method: &'static str,
        url: &str,
        path: &str,
        entity: Entity<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, Error> {
        if let Some(token) = &self.token {
            check_token(token.expose())?;
        }
        let started = Instant::now();
        let deadline = started + self.timeout;
        let idempotent = matches!(method, "GET" | "PUT" | "DELETE");
        let mut attempt = 1;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let outcome = self.attempt(method, url, body.as_ref(), left);
            let retry = match &outcome {
                Ok((status, _)) => idempotent && matches!(status, 502..=504),
                Err(failure) => failure.never_sent || (idempotent && failure.retryable),
            };
            let pause = self.retry.delay(attempt);
            if retry && attempt < self.retry.max_attempts() && Instant::now() + pause < deadline {
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
            if !(200..300).contains(&status) {
                let token = self.token.as_ref().map(Secret::expose);
                return Err(from_status(status, &bytes, method, path, entity, token));
            }
            return Ok(bytes);
        }
    }

    /// One exchange, within `left` of the call's time: the status and body, or why not.
    fn attempt(
        &self,
        method: &'static str,
        url: &str,
        body: Option<&Vec<u8>>,
        left: Duration,
    ) -> Result<(u16, Vec<u8>), Failure> {
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
                    .body(bytes.clone())
                    .map_err(|e| Failure::from(ureq::Error::from(e)))?;
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_global(Some(left))
                    .build();
                self.agent.run(request)
            }
            None => {
                let request = request
                    .body(())
                    .map_err(|e| Failure::from(ureq::Error::from(e)))?;
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_global(Some(left))
                    .build();
                self.agent.run(request)
            }
        };
        let mut reply = sent?;
        let status = reply.status().as_u16();
        let bytes = reply
            .body_mut()
            .with_config()
            .limit(self.max_reply_bytes)
            .read_to_vec()?;
        Ok((status, bytes))
    }
}

/// Why an exchange produced no reply, and whether sending it again is safe.
struct Failure {
    kind: TransportErrorKind,
    message: String,
    /// The connection was never made, so the server saw nothing: safe to repeat any request.
    never_sent: bool,
    /// A broken connection or a timeout: safe to repeat an idempotent request.
    retryable: bool,
}

impl From<ureq::Error> for Failure {
    fn from(e: ureq::Error) -> Failure {
        use std::io::ErrorKind as Io;
        use ureq::Error as U;
        use ureq::Timeout as T;
        let (kind, never_sent, retryable) = match &e {
            U::Timeout(T::Connect | T::Resolve) => (TransportErrorKind::Timeout, true, true),
            U::Timeout(_) => (TransportErrorKind::Timeout, false, true),
            U::HostNotFound | U::ConnectionFailed => (TransportErrorKind::Connect, true, true),
            U::Io(io) => match io.kind() {
                Io::ConnectionRefused | Io::AddrNotAvailable => {
                    (TransportErrorKind::Connect, true, true)
                }
                Io::TimedOut | Io::WouldBlock => (TransportErrorKind::Timeout, false, true),
                // The TLS layer reports a failed handshake or certificate check this way
                // ("invalid peer certificate: UnknownIssuer"); repeating it cannot help.
                Io::InvalidData => (TransportErrorKind::Tls, false, false),
                _ => (TransportErrorKind::Io, false, true),
            },
            U::Tls(_) | U::TlsRequired => (TransportErrorKind::Tls, false, false),
            #[cfg(feature = "rustls")]
            U::Rustls(_) => (TransportErrorKind::Tls, false, false),
            #[cfg(feature = "native-tls")]
            U::NativeTls(_) => (TransportErrorKind::Tls, false, false),
            U::BodyExceedsLimit(_) => (TransportErrorKind::TooLarge, false, false),
            // A reply cut short or garbled: the connection broke mid-way.
            U::Protocol(_) | U::BodyStalled => (TransportErrorKind::Protocol, false, true),
            U::TooManyRedirects
            | U::RedirectFailed
            | U::LargeResponseHeader(..)
            | U::BadUri(_)
            | U::Http(_) => (TransportErrorKind::Protocol, false, false),
            _ => (TransportErrorKind::Other, false, false),
        };
        Failure {
            kind,
            message: redact_tokens(&e.to_string()),
            never_sent,
            retryable,
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

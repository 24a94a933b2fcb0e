//! Building a client: [`ClientBuilder`], its settings and their defaults.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::client::login::{Credentials, HeldToken};
use crate::client::Client;
use crate::error::{Entity, Error};
use crate::secret::Secret;
use crate::transport::checks::{check_token, normalize_base_url};
use crate::transport::names::check_password;
use crate::transport::request::{Method, Request};
use crate::transport::retry::RetryPolicy;
use crate::transport::tls::ClientCertSource;
use crate::transport::{Settings, Transport};

/// Default bound on a whole request, from connect to the last byte of the reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default bound on establishing a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// AuthN's default maximum token lifetime (`auth.max_token_age`, 2160 h = 90 days).
pub const DEFAULT_MAX_TOKEN_AGE: Duration = Duration::from_secs(2160 * 3600);
/// Default bound on a reply body; AuthN's replies are a few kilobytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// Default number of idle keep-alive connections kept for reuse.
pub const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 8;

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
}

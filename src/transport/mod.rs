//! The bottom layer: the one place that talks to the HTTP library. It sends a [`Request`]
//! with a given token, retries what repeating cannot make worse, and turns the reply into
//! bytes or a typed [`Error`]. No ureq type leaves this module.
//!
//! [`Request`]: crate::transport::request::Request
//!
//! Here the connection pool ([`Transport`]) and its settings; in their own files: sending
//! and retrying ([`send`]), when to retry ([`retry`]), TLS ([`tls`]), proxies ([`proxy`]),
//! the checks made before sending ([`checks`]), what a failed exchange means ([`failure`]),
//! requests ([`request`]), names in paths ([`names`]), host name resolution ([`resolve`]) and
//! the pooled connections ([`pooled`]).

pub(crate) mod checks;
pub(crate) mod failure;
pub(crate) mod names;
pub(crate) mod pooled;
pub(crate) mod proxy;
pub(crate) mod request;
pub(crate) mod resolve;
pub(crate) mod retry;
pub(crate) mod send;
pub(crate) mod tls;

use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::secret::redact_tokens;
use crate::transport::proxy::{env_var, proxy_for};
use crate::transport::retry::RetryPolicy;
use crate::transport::tls::ClientCertSource;

// For client/env.rs, which imports it from here.
pub(crate) use crate::transport::checks::normalize_base_url;

/// The longest timeout passed on to the HTTP layer, which would overflow the clock on
/// `Duration::MAX`; a year is as good as none.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Connection settings, as the client builder collects them.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) client_cert: Option<ClientCertSource>,
    pub(crate) skip_verify: bool,
    pub(crate) proxy_from_env: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: u64,
    pub(crate) max_idle_connections: usize,
}

/// A connection pool to one server, with the settings every request is sent with. Shared by a
/// client and its clones.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    base_url: String,
    /// The `Host` header of requests to `base_url`, as ureq would write it.
    host_header: Option<ureq::http::HeaderValue>,
    timeout: Duration,
    retry: RetryPolicy,
    max_reply_bytes: u64,
    /// Whether requests outside AuthN choose a proxy from the environment too.
    proxy_from_env: bool,
    /// Whether server certificates are checked (`skip_verify` off).
    verifies_certificates: bool,
}

impl Transport {
    /// A transport for the server at `base_url` (already normalized). Sends nothing.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for TLS settings in a build without TLS; [`Error::Config`]
    /// for CA data or a CA file that holds no certificate.
    /// Whether server certificates are checked: false with `skip_verify`, when an `https://`
    /// server may be anyone.
    pub(crate) fn verifies_certificates(&self) -> bool {
        self.verifies_certificates
    }

    pub(crate) fn new(base_url: String, settings: &Settings) -> Result<Transport, Error> {
        let timeout = settings.timeout.min(MAX_TIMEOUT);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(settings.connect_timeout.min(MAX_TIMEOUT)))
            .user_agent(concat!("aistore-authn/", env!("CARGO_PKG_VERSION")))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .max_idle_connections(settings.max_idle_connections)
            .max_idle_connections_per_host(settings.max_idle_connections);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let config = config.tls_config(crate::transport::tls::tls_config(settings)?);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if settings.ca_pem.is_some()
            || settings.ca_file.is_some()
            || settings.client_cert.is_some()
            || settings.skip_verify
        {
            return Err(Error::InvalidArgument(
                "TLS options need the rustls or native-tls feature".into(),
            ));
        }
        let config = config.proxy(match settings.proxy_from_env {
            true => proxy_for(&base_url, env_var)?,
            false => None,
        });
        Ok(Transport {
            agent: ureq::Agent::with_parts(
                config.build(),
                crate::transport::pooled::PooledConnector::default(),
                crate::transport::resolve::FastResolver::default(),
            ),
            host_header: host_header(&base_url),
            base_url,
            timeout,
            retry: settings.retry,
            max_reply_bytes: settings.max_response_bytes,
            proxy_from_env: settings.proxy_from_env,
            verifies_certificates: !settings.skip_verify,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    #[cfg(test)]
    pub(crate) fn agent_config(&self) -> &ureq::config::Config {
        self.agent.config()
    }

    #[cfg(test)]
    pub(crate) fn limits(&self) -> (Duration, u64, RetryPolicy) {
        (self.timeout, self.max_reply_bytes, self.retry)
    }
}

/// The `Host` header for requests to `url`, as ureq writes it: the host, and the port when it
/// is not the scheme's default. `None` leaves it to ureq.
fn host_header(url: &str) -> Option<ureq::http::HeaderValue> {
    let uri = url.parse::<ureq::http::Uri>().ok()?;
    let host = uri.host()?;
    let default = match uri.scheme_str()? {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let value = match uri.port_u16() {
        Some(port) if port != default => format!("{host}:{port}"),
        _ => host.to_owned(),
    };
    ureq::http::HeaderValue::try_from(value).ok()
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
        source: Some(Box::new(e)),
    })
}

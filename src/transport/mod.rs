//! The bottom layer: the one place that talks to the HTTP library. It sends a [`Request`]
//! with a given token, retries what repeating cannot make worse, and turns the reply into
//! bytes or a typed [`Error`]. No ureq type leaves this module.

pub(crate) mod names;
pub(crate) mod request;
pub(crate) mod resolve;
pub(crate) mod retry;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::error::{from_status, Entity, Error, TransportErrorKind};
use crate::secret::{redact_tokens, Secret};
use crate::transport::request::{Method, Request};
use crate::transport::retry::RetryPolicy;

/// The longest timeout passed on to the HTTP layer, which would overflow the clock on
/// `Duration::MAX`; a year is as good as none.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// The shortest time worth starting another attempt with.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

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

/// Where the client certificate for mutual TLS comes from.
#[derive(Debug, Clone)]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    allow(dead_code) // read only by the TLS configuration
)]
pub(crate) enum ClientCertSource {
    /// PEM data: the certificate chain, and the private key (kept redacted).
    Pem { cert: Vec<u8>, key: Secret },
    /// PEM files, read when the client is built.
    Files { cert: PathBuf, key: PathBuf },
}

/// A connection pool to one server, with the settings every request is sent with. Shared by a
/// client and its clones.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    base_url: String,
    timeout: Duration,
    retry: RetryPolicy,
    max_reply_bytes: u64,
    /// Whether requests outside AuthN choose a proxy from the environment too.
    proxy_from_env: bool,
}

impl Transport {
    /// A transport for the server at `base_url` (already normalized). Sends nothing.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for TLS settings in a build without TLS; [`Error::Config`]
    /// for CA data or a CA file that holds no certificate.
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
        let config = config.tls_config(tls_config(settings)?);
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
                ureq::unversioned::transport::DefaultConnector::new(),
                crate::transport::resolve::FastResolver::default(),
            ),
            base_url,
            timeout,
            retry: settings.retry,
            max_reply_bytes: settings.max_response_bytes,
            proxy_from_env: settings.proxy_from_env,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `request` with `token` (if any), retrying as the [`RetryPolicy`] allows within the
    /// call's timeout; returns the body of a 2xx reply, or the typed error.
    pub(crate) fn send(
        &self,
        request: &Request<'_>,
        token: Option<&str>,
    ) -> Result<Vec<u8>, Error> {
        let method = request.method.as_str();
        let path = request.path.as_str();
        let url = if request.external {
            path.to_owned()
        } else {
            format!("{}{path}", self.base_url)
        };
        // The agent's proxy is the base URL's; a request elsewhere chooses its own.
        let proxy = match request.external && self.proxy_from_env {
            true => Some(proxy_for(&url, env_var)?),
            false => None,
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
            let outcome = self.attempt(request, &url, token, limit, &proxy);
            let (helps, reached) = match &outcome {
                Ok((status, _)) => (matches!(status, 502..=504), true),
                Err(failure) => (failure.repeating_helps, failure.may_have_arrived),
            };
            let pause = self.retry.delay(attempt);
            // Retry only when there is time for the pause and a real attempt after it.
            let room = left().is_none_or(|l| l > pause.saturating_add(MIN_ATTEMPT_TIME));
            if helps
                && (!reached || request.repeatable)
                && attempt < self.retry.max_attempts()
                && room
            {
                maybe_applied |= reached;
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
                source: failure.source,
            })?;
            log::debug!(
                "{method} {path} -> {status} ({} bytes, {} ms, attempt {attempt})",
                bytes.len(),
                started.elapsed().as_millis()
            );
            if (200..300).contains(&status) {
                return Ok(bytes);
            }
            let secrets = [token, request.secret];
            let error = from_status(status, &bytes, method, path, request.entity, &secrets);
            // A DELETE whose earlier attempt may have done the deed finds nothing left: done.
            // Only AuthN's own not-found for the entity counts (a proxy's plain 404 is not
            // typed as one), and never for token revocation, which names no entity.
            let addressed = !matches!(request.entity, Entity::None);
            if request.method == Method::Delete
                && maybe_applied
                && addressed
                && error.is_not_found()
            {
                return Ok(Vec::new());
            }
            return Err(error);
        }
    }

    /// One exchange, within `left` of the call's time (`None`: no limit beyond the agent's):
    /// the status and body, or why not.
    fn attempt(
        &self,
        request: &Request<'_>,
        url: &str,
        token: Option<&str>,
        left: Option<Duration>,
        proxy: &Option<Option<ureq::Proxy>>,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let https = url.starts_with("https://");
        let failure = |e: ureq::Error| Failure::new(e, https);
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(url)
            .header("Accept", "application/json");
        if let Some(token) = token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let sent = match &request.body {
            Some(bytes) => {
                let http = builder
                    .header("Content-Type", "application/json")
                    .body(bytes.as_slice())
                    .map_err(|e| failure(e.into()))?;
                self.run(http, left, proxy)
            }
            None => {
                let http = builder.body(()).map_err(|e| failure(e.into()))?;
                self.run(http, left, proxy)
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

    /// Runs one exchange; `left` limits its time and `proxy` replaces the agent's proxy where
    /// given (each needs a per-request copy of the configuration, so only then is one made).
    fn run(
        &self,
        request: ureq::http::Request<impl ureq::AsSendBody>,
        left: Option<Duration>,
        proxy: &Option<Option<ureq::Proxy>>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        if left.is_none() && proxy.is_none() {
            return self.agent.run(request);
        }
        let mut config = self.agent.configure_request(request);
        if let Some(left) = left {
            config = config.timeout_global(Some(left));
        }
        if let Some(proxy) = proxy {
            config = config.proxy(proxy.clone());
        }
        self.agent.run(config.build())
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

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_config(settings: &Settings) -> Result<ureq::tls::TlsConfig, Error> {
    use ureq::tls::{RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    {
        tls = tls.provider(ureq::tls::TlsProvider::NativeTls);
    }
    let pem = match (&settings.ca_pem, &settings.ca_file) {
        (Some(pem), _) => Some((pem.clone(), "the CA PEM data".to_owned())),
        (None, Some(path)) => {
            let pem =
                std::fs::read(path).map_err(|e| Error::config_file("read the CA file", path, e))?;
            Some((pem, format!("CA file {}", path.display())))
        }
        (None, None) => None,
    };
    if let Some((pem, source)) = pem {
        tls = tls.root_certs(RootCerts::new_with_certs(&pem_certificates(&pem, &source)?));
    }
    if let Some(source) = &settings.client_cert {
        tls = tls.client_cert(Some(client_cert(source)?));
    }
    if settings.skip_verify {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            log::warn!("TLS certificate verification is off: the AuthN token can be intercepted")
        });
        tls = tls.disable_verification(true);
    }
    Ok(tls.build())
}

/// Every certificate in PEM data; an error naming `source` when there is none.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn pem_certificates(
    pem: &[u8],
    source: &str,
) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    use ureq::tls::{parse_pem, PemItem};
    let certs: Vec<_> = parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(Error::Config(format!("{source} holds no PEM certificate")));
    }
    Ok(certs)
}

/// The client certificate chain and key for mutual TLS, read and checked. Errors name the
/// file (or "the PEM data") and never show the key.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn client_cert(source: &ClientCertSource) -> Result<ureq::tls::ClientCert, Error> {
    use ureq::tls::{ClientCert, PrivateKey};
    let read = |path: &PathBuf, action| {
        std::fs::read(path).map_err(|e| Error::config_file(action, path, e))
    };
    let (cert, key, cert_from, key_from) = match source {
        ClientCertSource::Pem { cert, key } => (
            cert.clone(),
            Secret::new(key.expose().to_owned()),
            "the client certificate PEM data".to_owned(),
            "the client key PEM data".to_owned(),
        ),
        ClientCertSource::Files { cert, key } => (
            read(cert, "read the client certificate file")?,
            Secret::new(
                String::from_utf8_lossy(&read(key, "read the client key file")?).into_owned(),
            ),
            format!("client certificate file {}", cert.display()),
            format!("client key file {}", key.display()),
        ),
    };
    let chain = pem_certificates(&cert, &cert_from)?;
    let key = PrivateKey::from_pem(key.expose().as_bytes())
        .map_err(|_| Error::Config(format!("{key_from} holds no PEM private key")))?;
    Ok(ClientCert::new_with_certs(&chain, key))
}

/// A non-empty environment variable.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The proxy for requests to `url`, from the environment (`var` reads it), as Go's and curl's
/// clients choose one: `HTTPS_PROXY` for `https://` and `HTTP_PROXY` for `http://` targets
/// (either case), else `ALL_PROXY`; none for loopback targets (`localhost`, `127.0.0.0/8`,
/// `::1`), whatever is set; none for hosts `NO_PROXY` names (`*`, a host, or a domain, with
/// or without a leading `.` or `*.`, matching its subdomains too).
///
/// # Errors
/// [`Error::Config`] naming the variable whose value is not a proxy URL.
fn proxy_for(
    url: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ureq::Proxy>, Error> {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return Ok(None);
    };
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if is_loopback(host) || no_proxy_matches(host, var("NO_PROXY").or_else(|| var("no_proxy"))) {
        return Ok(None);
    }
    let names: &[&str] = match uri.scheme_str() {
        Some("https") => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    let Some((name, value)) = names.iter().find_map(|n| var(n).map(|v| (*n, v))) else {
        return Ok(None);
    };
    ureq::Proxy::new(value.trim()).map(Some).map_err(|_| {
        // The value may hold proxy credentials: name the variable, not its value.
        Error::Config(format!(
            "{name} is not a proxy URL (http://host:port, socks5://...)"
        ))
    })
}

/// Whether `host` (a name or an IP address, without brackets) is this machine's loopback:
/// `localhost`, `*.localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a bearer token may be sent to `url` without anyone on the way reading it: over TLS,
/// or to this machine's loopback.
pub(crate) fn token_safe_to_send(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let host = uri.host().unwrap_or_default();
    uri.scheme_str() == Some("https")
        || is_loopback(host.trim_start_matches('[').trim_end_matches(']'))
}

/// Whether a `NO_PROXY` list names `host`.
fn no_proxy_matches(host: &str, list: Option<String>) -> bool {
    let Some(list) = list else { return false };
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            // A port in the entry (`host:8080`) is ignored, as for any port.
            let entry = match entry.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
                    h.to_owned()
                }
                _ => entry,
            };
            let domain = entry.trim_start_matches('*').trim_start_matches('.');
            host == domain || host.ends_with(&format!(".{domain}"))
        })
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

/// A token must fit in an `Authorization` header: visible ASCII only.
pub(crate) fn check_token(token: &str) -> Result<(), Error> {
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
        source: Some(Box::new(e)),
    })
}

/// Why an exchange produced no reply, and what that says about repeating it.
struct Failure {
    kind: TransportErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// Could sending it again succeed? Not after a TLS failure, an oversized reply or a
    /// request the HTTP layer cannot send.
    repeating_helps: bool,
    /// May the request have reached the server (and been carried out)? Not when the
    /// connection was never made.
    may_have_arrived: bool,
}

impl Failure {
    fn new(e: ureq::Error, https: bool) -> Failure {
        use std::io::ErrorKind as Io;
        use ureq::Error as U;
        use ureq::Timeout as T;
        use TransportErrorKind as K;
        // (kind, repeating helps, may have arrived)
        let (kind, helps, arrived) = match &e {
            U::Timeout(T::Connect | T::Resolve) => (K::Timeout, true, false),
            U::Timeout(_) => (K::Timeout, true, true),
            U::HostNotFound | U::ConnectionFailed => (K::Connect, true, false),
            U::Io(io) => match io.kind() {
                Io::ConnectionRefused | Io::AddrNotAvailable => (K::Connect, true, false),
                Io::TimedOut | Io::WouldBlock => (K::Timeout, true, true),
                // The TLS layer reports a failed handshake or certificate check this way
                // ("invalid peer certificate: UnknownIssuer"); repeating it cannot help.
                Io::InvalidData if https => (K::Tls, false, false),
                _ => (K::Io, true, true),
            },
            U::Tls(_) | U::TlsRequired => (K::Tls, false, false),
            #[cfg(feature = "rustls")]
            U::Rustls(_) => (K::Tls, false, false),
            #[cfg(feature = "native-tls")]
            U::NativeTls(_) => (K::Tls, false, false),
            U::BodyExceedsLimit(_) => (K::TooLarge, false, true),
            // A reply cut short or garbled: the connection broke mid-way.
            U::Protocol(_) | U::BodyStalled => (K::Protocol, true, true),
            U::TooManyRedirects
            | U::RedirectFailed
            | U::LargeResponseHeader(..)
            | U::BadUri(_)
            | U::Http(_) => (K::Protocol, false, true),
            _ => (K::Other, false, true),
        };
        let message = redact_tokens(&e.to_string());
        // The cause as its own type where there is one (an I/O or TLS error), so callers can
        // downcast it; else the HTTP layer's error itself, behind `dyn Error`.
        let source: Box<dyn std::error::Error + Send + Sync> = match e {
            U::Io(io) => Box::new(io),
            #[cfg(feature = "rustls")]
            U::Rustls(tls) => Box::new(tls),
            #[cfg(feature = "native-tls")]
            U::NativeTls(tls) => Box::new(tls),
            other => Box::new(other),
        };
        Failure {
            kind,
            message,
            source: Some(source),
            repeating_helps: helps,
            may_have_arrived: arrived,
        }
    }
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
    fn credentials_in_a_bad_url_are_not_repeated() {
        for url in ["http://u:s3cr3t@h", "ftp://u:s3cr3t@h", "h:s3cr3t@x"] {
            let e = normalize_base_url(url).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
        }
    }

    fn proxy(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        let var = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        proxy_for(url, var)
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn proxies_are_chosen_by_scheme_and_never_for_loopback() {
        let all = [
            ("HTTP_PROXY", "http://hp:1"),
            ("HTTPS_PROXY", "http://sp:2"),
            ("ALL_PROXY", "http://ap:3"),
        ];
        assert_eq!(proxy("http://authn:52001", &all).as_deref(), Some("hp:1"));
        assert_eq!(proxy("https://authn:52001", &all).as_deref(), Some("sp:2"));
        // Only the other scheme's variable: no proxy (ureq itself would use it).
        assert_eq!(
            proxy("http://authn", &[("HTTPS_PROXY", "http://sp:2")]),
            None
        );
        assert_eq!(
            proxy("https://authn", &[("http_proxy", "http://hp:1")]),
            None
        );
        assert_eq!(
            proxy("https://authn", &[("all_proxy", "http://ap:3")]).as_deref(),
            Some("ap:3")
        );
        for loopback in [
            "http://127.0.0.1:52001",
            "http://127.8.9.10",
            "http://[::1]:52001",
            "https://localhost:52001",
            "http://api.localhost",
        ] {
            assert_eq!(proxy(loopback, &all), None, "{loopback}");
        }
        assert_eq!(
            proxy("http://10.0.0.1:52001", &all).as_deref(),
            Some("hp:1")
        );
    }

    #[test]
    fn no_proxy_lists() {
        let with = |list: &str| {
            let vars = [("HTTP_PROXY", "http://hp:1"), ("NO_PROXY", list)];
            proxy("http://authn.corp.example:52001", &vars)
        };
        for bypass in [
            "*",
            "authn.corp.example",
            "corp.example",
            ".corp.example",
            "*.example",
            "other, AUTHN.corp.example:52001",
        ] {
            assert_eq!(with(bypass), None, "{bypass}");
        }
        for kept in ["authn.corp", "rp.example", "other.example", "10.0.0.1"] {
            assert_eq!(with(kept).as_deref(), Some("hp:1"), "{kept}");
        }
    }

    #[test]
    fn tokens_go_only_over_tls_or_loopback() {
        for safe in [
            "https://ais:8080",
            "http://127.0.0.1:8080",
            "http://[::1]:1",
            "http://localhost",
        ] {
            assert!(token_safe_to_send(safe), "{safe}");
        }
        for unsafe_ in ["http://ais:8080", "http://10.0.0.1:8080", "not a url"] {
            assert!(!token_safe_to_send(unsafe_), "{unsafe_}");
        }
    }

    #[test]
    fn a_bad_proxy_names_the_variable_not_the_value() {
        let e = proxy_for("http://authn", |n: &str| {
            (n == "HTTP_PROXY").then(|| "ftp://u:s3cr3t@x y".to_owned())
        })
        .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            shown.contains("HTTP_PROXY") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }

    #[test]
    fn io_causes_are_kept_as_the_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let failure = Failure::new(ureq::Error::Io(io), false);
        assert_eq!(failure.kind, TransportErrorKind::Io);
        assert!(failure.repeating_helps && failure.may_have_arrived);
        let source = failure.source.expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
        let refused = Failure::new(
            ureq::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
            false,
        );
        assert!(refused.repeating_helps && !refused.may_have_arrived);
    }
}

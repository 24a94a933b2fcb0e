//! Sending a request: the retry loop within the call's timeout, one exchange with the HTTP
//! library, and the reply as bytes or a typed error.

use std::time::{Duration, Instant};

use std::io::Read;

use ureq::http::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use ureq::http::Uri;

use crate::error::{from_status, Entity, Error};
use crate::transport::failure::Failure;
use crate::transport::proxy::{env_var, proxy_for};
use crate::transport::request::{Method, Request};
use crate::transport::Transport;

/// The shortest time worth starting another attempt with.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

/// The media type of every body sent and asked for.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// What the `Authorization` header's value starts with.
const BEARER: &str = "Bearer ";

/// The largest body room reserved ahead from an announced `Content-Length`.
const PRESIZE_UP_TO: u64 = 1 << 20;

/// A failure that produced no reply, as the caller's error; `earlier_may_have_arrived`: an
/// earlier attempt of the same call may have been carried out.
fn transport_error(
    failure: Failure,
    method: &'static str,
    path: &str,
    earlier_may_have_arrived: bool,
) -> Error {
    Error::Transport {
        kind: failure.kind,
        message: failure.message,
        method,
        path: path.to_owned(),
        may_have_arrived: earlier_may_have_arrived || failure.may_have_arrived,
        source: failure.source,
    }
}

/// An HTTP request for the HTTP layer, built in place.
fn http_request<B>(
    method: ureq::http::Method,
    uri: &Uri,
    headers: HeaderMap,
    body: B,
) -> ureq::http::Request<B> {
    let mut http = ureq::http::Request::new(body);
    *http.method_mut() = method;
    *http.uri_mut() = uri.clone();
    *http.headers_mut() = headers;
    http
}

impl Transport {
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
            let mut url = String::with_capacity(self.base_url.len() + path.len());
            url.push_str(&self.base_url);
            url.push_str(path);
            url
        };
        // The agent's proxy is the base URL's; a request elsewhere chooses its own.
        let proxy = match request.external && self.proxy_from_env {
            true => Some(proxy_for(&url, env_var)?),
            false => None,
        };
        let https = url.starts_with("https://");
        // Parsed once for all attempts; a URL that does not parse fails as the HTTP layer
        // would have failed it, unsent.
        let uri = Uri::try_from(url).map_err(|e| {
            let failure = Failure::new(ureq::http::Error::from(e).into(), https);
            transport_error(failure, method, path, false)
        })?;
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
            let outcome = self.attempt(request, &uri, https, token, limit, &proxy);
            let (helps, reached) = match &outcome {
                Ok((status, _)) => (matches!(status, 502..=504), true),
                Err(failure) => (failure.repeating_helps, failure.may_have_arrived),
            };
            let retry =
                helps && (!reached || request.repeatable) && attempt < self.retry.max_attempts();
            // The pause is drawn only for a retry (it takes a random number).
            let pause = if retry {
                self.retry.delay(attempt)
            } else {
                Duration::ZERO
            };
            // Retry only when there is time for the pause and a real attempt after it.
            let room = left().is_none_or(|l| l > pause.saturating_add(MIN_ATTEMPT_TIME));
            if retry && room {
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
            let (status, bytes) =
                outcome.map_err(|failure| transport_error(failure, method, path, maybe_applied))?;
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
        uri: &Uri,
        https: bool,
        token: Option<&str>,
        left: Option<Duration>,
        proxy: &Option<Option<ureq::Proxy>>,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let failure = |e: ureq::Error| Failure::new(e, https);
        let mut headers = HeaderMap::with_capacity(5);
        // The Host header ureq would write, made once per client instead of per request, and
        // first, where ureq puts it.
        if !request.external {
            if let Some(host) = &self.host_header {
                headers.insert(HOST, host.clone());
            }
        }
        headers.insert(ACCEPT, JSON);
        if let Some(token) = token {
            let mut bearer = String::with_capacity(BEARER.len() + token.len());
            bearer.push_str(BEARER);
            bearer.push_str(token);
            let value = HeaderValue::try_from(bearer)
                .map_err(|e| failure(ureq::http::Error::from(e).into()))?;
            headers.insert(AUTHORIZATION, value);
        }
        let method = match request.method {
            Method::Get => ureq::http::Method::GET,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
            Method::Delete => ureq::http::Method::DELETE,
        };
        let sent = match &request.body {
            Some(bytes) => {
                headers.insert(CONTENT_TYPE, JSON);
                self.run(
                    http_request(method, uri, headers, bytes.as_slice()),
                    left,
                    proxy,
                )
            }
            None => self.run(http_request(method, uri, headers, ()), left, proxy),
        };
        let mut reply = sent.map_err(failure)?;
        let status = reply.status().as_u16();
        let body = reply.body_mut();
        // Room for the whole body at once when its length is announced (up to a bound, so a
        // length that lies reserves no more than that).
        let announced = body.content_length().unwrap_or(0).min(self.max_reply_bytes);
        let mut bytes =
            Vec::with_capacity(usize::try_from(announced.min(PRESIZE_UP_TO)).unwrap_or(0));
        body.with_config()
            .limit(self.max_reply_bytes)
            .reader()
            .read_to_end(&mut bytes)
            .map_err(|e| failure(e.into()))?;
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
}

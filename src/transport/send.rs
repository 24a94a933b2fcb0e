//! Sending a request: the retry loop within the call's timeout, one exchange with the HTTP
//! library, and the reply as bytes or a typed error.

use std::time::{Duration, Instant};

use crate::error::{from_status, Entity, Error};
use crate::transport::failure::Failure;
use crate::transport::proxy::{env_var, proxy_for};
use crate::transport::request::{Method, Request};
use crate::transport::Transport;

/// The shortest time worth starting another attempt with.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

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
                may_have_arrived: maybe_applied || failure.may_have_arrived,
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
}

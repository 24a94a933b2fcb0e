//! Host name resolution without a thread per request.
//!
//! ureq 3.5 resolves the host on every request, before it looks in its connection pool, and
//! when any timeout is set its default resolver starts an OS thread for each lookup, even for
//! `127.0.0.1`. That thread cost this client about 90 µs and a context switch per request
//! (benches/RESULTS.md). This resolver answers IP literals at once and keeps a host name's
//! addresses for [`CACHE_FOR`]; other lookups go to ureq's resolver as before.
//!
//! It uses ureq's `unversioned` resolver interface, which is outside ureq's semver: hence
//! `ureq = "~3.5"` in Cargo.toml, and `tests/faults.rs` checks that requests start no thread.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused.
const CACHE_FOR: Duration = Duration::from_secs(30);

/// IP literals at once; host names through ureq's resolver, cached briefly.
#[derive(Debug, Default)]
pub(crate) struct FastResolver {
    inner: DefaultResolver,
    /// The last host name looked up: `host:port`, its addresses, and when.
    last: Mutex<Option<(String, ResolvedSocketAddrs, Instant)>>,
}

impl Resolver for FastResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let default_port = match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        };
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().unwrap_or(default_port);
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        if let Ok(last) = self.last.lock() {
            if let Some((k, addrs, at)) = last.as_ref() {
                if *k == key && at.elapsed() < CACHE_FOR {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, addrs.clone(), Instant::now()));
        }
        Ok(addrs)
    }
}

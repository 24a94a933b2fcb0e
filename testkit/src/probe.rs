//! Plain GETs for the cluster's readiness checks: direct (no proxy), short timeouts, no
//! redirects, any status returned as it is, and for HTTPS the given CA as the only root.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// A small HTTP client for readiness checks.
pub(crate) struct Probe {
    agent: ureq::Agent,
}

impl Probe {
    /// A client for `http://` URLs, or, with `ca`, also for `https://` URLs whose certificate
    /// `ca` signed. HTTPS needs the testkit's `rustls` or `native-tls` feature.
    pub(crate) fn new(ca: Option<&Path>) -> Result<Probe, String> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .timeout_connect(Some(Duration::from_millis(500)))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(None);
        let config = match ca {
            None => config,
            #[cfg(any(feature = "rustls", feature = "native-tls"))]
            Some(ca) => config.tls_config(tls_config(ca)?),
            #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
            Some(_) => return Err(NO_TLS.into()),
        };
        Ok(Probe {
            agent: config.build().into(),
        })
    }

    /// `GET url`: the status and up to 1 MiB of the body, or why there is no reply.
    pub(crate) fn get(&self, url: &str) -> Result<(u16, String), String> {
        let mut reply = self.agent.get(url).call().map_err(|e| e.to_string())?;
        let status = reply.status().as_u16();
        let mut body = String::new();
        reply
            .body_mut()
            .as_reader()
            .take(1 << 20)
            .read_to_string(&mut body)
            .map_err(|e| e.to_string())?;
        Ok((status, body))
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_config(ca: &Path) -> Result<ureq::tls::TlsConfig, String> {
    use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
    let pem =
        std::fs::read(ca).map_err(|e| format!("cannot read CA file {}: {e}", ca.display()))?;
    let certs: Vec<_> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(format!("CA file {} holds no PEM certificate", ca.display()));
    }
    let tls = TlsConfig::builder().root_certs(RootCerts::new_with_certs(&certs));
    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    let tls = tls.provider(ureq::tls::TlsProvider::NativeTls);
    Ok(tls.build())
}

/// Why there is no HTTPS in this build, and the fix.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(crate) const NO_TLS: &str = "HTTPS needs a TLS stack in the testkit: enable its `rustls` or \
     `native-tls` feature (aistore-authn-testkit = { version = \"...\", features = [\"rustls\"] })";

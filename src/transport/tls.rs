//! TLS for `https://` servers: which CA certificates to trust, the client certificate for
//! mutual TLS, and turning checks off, as ureq's TLS configuration.

use std::path::PathBuf;

#[cfg(any(feature = "rustls", feature = "native-tls"))]
use crate::error::Error;
use crate::secret::Secret;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use crate::transport::Settings;

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

/// The agent's TLS configuration from the client's settings.
///
/// # Errors
/// [`Error::Config`] for CA or client certificate data (or files) that cannot be read or hold
/// no certificate or key.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn tls_config(settings: &Settings) -> Result<ureq::tls::TlsConfig, Error> {
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

//! How to start a [`LocalCluster`]: [`LocalClusterBuilder`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::config::Signing;
use super::launch::Launch;
use super::{LocalCluster, LocalClusterError};
use crate::probe::Probe;
use crate::process::DirCleaner;
use crate::util::{make_temp_dir, retry_if_port_taken, Tls};
use crate::LocalServer;

/// How long the nodes get to come up, unless [`LocalClusterBuilder::ready_timeout`] says
/// otherwise. They usually take 3-4 s.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start a [`LocalCluster`]; from [`LocalCluster::builder`].
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::{LocalCluster, LocalServer};
///
/// let authn = LocalServer::builder().rsa_signing().start()?;
/// let cluster = LocalCluster::builder().authn(&authn).start()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LocalClusterBuilder<'a> {
    authn: Option<&'a LocalServer>,
    tls: Option<Tls>,
    client_ca: Option<PathBuf>,
    aisnode_bin: Option<PathBuf>,
    ready_timeout: Option<Duration>,
}

impl<'a> LocalClusterBuilder<'a> {
    /// Check tokens against this AuthN server (required): with its HMAC secret, or, for a
    /// server started with [`rsa_signing`](crate::LocalServerBuilder::rsa_signing), with its
    /// RSA public key (read from `GET /v1/public-key` when the cluster starts; a later
    /// `rotate_key` is not seen by the cluster). Every request but `GET /v1/health` then
    /// needs a valid token (`auth.client_auth_required`).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authn<'b>(self, server: &'b LocalServer) -> LocalClusterBuilder<'b> {
        LocalClusterBuilder {
            authn: Some(server),
            tls: self.tls,
            client_ca: self.client_ca,
            aisnode_bin: self.aisnode_bin,
            ready_timeout: self.ready_timeout,
        }
    }

    /// Serve HTTPS with this PEM certificate and key, on every node and network (AIStore has
    /// one switch for all). `ca` is the PEM file of the CA that signed the certificate: the
    /// nodes trust it for their own traffic, and the readiness checks use it. The certificate
    /// must name `127.0.0.1`. Needs the testkit's `rustls` or `native-tls` feature.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder()
    ///     .authn(&authn)
    ///     .https("certs/server.crt", "certs/server.key", "certs/ca.crt")
    ///     .start()?;
    /// assert!(cluster.endpoint().starts_with("https://"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn https(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
        ca: impl Into<PathBuf>,
    ) -> Self {
        self.tls = Some(Tls {
            cert: cert.into(),
            key: key.into(),
            ca: ca.into(),
        });
        self
    }

    /// With [`https`](LocalClusterBuilder::https): the public endpoints (proxy and target)
    /// require a client certificate signed by the CA in the PEM file `client_ca`
    /// (`net.http.pub`: `client_auth_tls` 4, RequireAndVerifyClientCert). The nodes' own
    /// intra-cluster endpoints do not, so the cluster keeps working.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder()
    ///     .authn(&authn)
    ///     .https("certs/server.crt", "certs/server.key", "certs/ca.crt")
    ///     .require_client_cert("certs/client-ca.crt")
    ///     .start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_client_cert(mut self, client_ca: impl Into<PathBuf>) -> Self {
        self.client_ca = Some(client_ca.into());
        self
    }

    /// Run this `aisnode` binary instead of `AISNODE_BIN` or the cached build.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder()
    ///     .authn(&authn)
    ///     .aisnode_bin("/opt/ais/bin/aisnode")
    ///     .start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aisnode_bin(mut self, path: impl Into<PathBuf>) -> Self {
        self.aisnode_bin = Some(path.into());
        self
    }

    /// How long the nodes get to come up before [`start`](LocalClusterBuilder::start) gives
    /// up, stops them and fails (default 60 s; they usually take 3-4 s).
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder()
    ///     .authn(&authn)
    ///     .ready_timeout(Duration::from_secs(20))
    ///     .start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = Some(timeout);
        self
    }

    /// Builds `aisnode` if needed, starts the proxy, then the target, and waits until the
    /// target has joined and both report the cluster started.
    ///
    /// # Errors
    /// [`LocalClusterError`] when no AuthN server was given, as [`LocalCluster::binary`] (a
    /// wrong `AISNODE_BIN`, no Go, a failed build), when the RSA public key cannot be read
    /// from the AuthN server, for HTTPS without a TLS feature of the testkit or with an
    /// unreadable CA, when the temporary directory cannot be made, or when a node exits or the
    /// cluster is not ready within the timeout (the message ends with the nodes' logs). The
    /// nodes are stopped and the directory is removed before it returns.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// println!("cluster {} at {}", cluster.uuid(), cluster.endpoint());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(self) -> Result<LocalCluster, LocalClusterError> {
        let started = Instant::now();
        let server = self.authn.ok_or_else(|| {
            LocalClusterError(
                "a LocalCluster checks tokens against an AuthN server: call \
                 LocalCluster::builder().authn(&server) with a running LocalServer"
                    .into(),
            )
        })?;
        if self.client_ca.is_some() && self.tls.is_none() {
            return Err(LocalClusterError(
                "require_client_cert(..) needs https(cert, key, ca): client certificates are \
                 a TLS feature"
                    .into(),
            ));
        }
        let signing = Signing::of(server)?;
        let bin = match self.aisnode_bin {
            Some(bin) if bin.is_file() => bin,
            Some(bin) => {
                return Err(LocalClusterError(format!(
                    "aisnode_bin({}) is not a file",
                    bin.display()
                )))
            }
            None => LocalCluster::binary()?,
        };
        let tls = self.tls.map(absolute_tls).transpose()?;
        let client_ca = self.client_ca.map(absolute).transpose()?;
        let probe = Probe::new(tls.as_ref().map(|t| t.ca.as_path())).map_err(LocalClusterError)?;
        let timeout = self.ready_timeout.unwrap_or(READY_TIMEOUT);
        let dir = make_temp_dir("aistore-cluster").map_err(LocalClusterError)?;
        // From here on the directory goes when this returns an error, when the cluster is
        // dropped, or (through a helper process) when this process dies first.
        let cleaner = DirCleaner::new(&dir);
        let mut launch = Launch {
            bin,
            dir,
            signing,
            tls,
            client_ca,
            probe,
            timeout,
            deadline: Instant::now() + timeout,
        };
        let (proxy, target, uuid) =
            retry_if_port_taken(|| launch.start()).map_err(LocalClusterError)?;
        log::info!(
            "AIStore cluster {uuid} ready at {}://127.0.0.1:{} in {} ms",
            launch.scheme(),
            proxy.ports[0],
            started.elapsed().as_millis()
        );
        Ok(LocalCluster {
            scheme: launch.scheme(),
            proxy,
            target,
            uuid,
            dir: launch.dir,
            _cleaner: cleaner,
        })
    }
}

fn absolute(path: PathBuf) -> Result<PathBuf, LocalClusterError> {
    std::path::absolute(&path)
        .map_err(|e| LocalClusterError(format!("cannot resolve {}: {e}", path.display())))
}

fn absolute_tls(tls: Tls) -> Result<Tls, LocalClusterError> {
    Ok(Tls {
        cert: absolute(tls.cert)?,
        key: absolute(tls.key)?,
        ca: absolute(tls.ca)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_authn_server_is_an_error_naming_the_fix() {
        let e = LocalCluster::builder().start().unwrap_err().to_string();
        assert!(e.contains(".authn(&server)"), "{e}");
    }
}

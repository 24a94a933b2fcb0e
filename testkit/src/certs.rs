//! Certificates for HTTPS test set-ups, made with the `openssl` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::LocalServerError;

/// A throwaway PKI for HTTPS tests: a CA and a server certificate it signed for `127.0.0.1`
/// and `localhost` (for [`LocalServerBuilder::https`](crate::LocalServerBuilder::https) and
/// [`LocalClusterBuilder::https`](crate::LocalClusterBuilder::https)); a second CA for
/// clients and a client certificate it signed (for
/// [`LocalClusterBuilder::require_client_cert`](crate::LocalClusterBuilder::require_client_cert));
/// and a self-signed client certificate nobody trusts. PEM files, valid for two days; keys
/// are unencrypted PKCS#8.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::{LocalServer, TestCerts};
///
/// let dir = std::env::temp_dir().join("my-https-test");
/// let certs = TestCerts::make(&dir)?;
/// let server = LocalServer::builder()
///     .https(&certs.server_cert, &certs.server_key, &certs.ca)
///     .start()?;
/// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestCerts {
    /// The CA that signed the server certificate: what clients trust.
    pub ca: PathBuf,
    /// The server certificate, for `127.0.0.1` and `localhost`.
    pub server_cert: PathBuf,
    /// Its key.
    pub server_key: PathBuf,
    /// The CA that signed the client certificate: what a server requiring one trusts.
    pub client_ca: PathBuf,
    /// A client certificate `client_ca` signed.
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
    /// A self-signed client certificate no server trusts.
    pub stranger_cert: PathBuf,
    /// Its key.
    pub stranger_key: PathBuf,
}

impl TestCerts {
    /// Makes the certificates in `dir` (created if missing).
    ///
    /// # Errors
    /// [`LocalServerError`] when the directory cannot be made, or the `openssl` command is
    /// missing or fails (its error output included).
    ///
    /// # Example
    /// ```no_run
    /// let certs = aistore_authn_testkit::TestCerts::make(std::path::Path::new("/tmp/pki"))?;
    /// assert!(certs.client_cert.is_file());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn make(dir: &Path) -> Result<TestCerts, LocalServerError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| LocalServerError(format!("cannot create {}: {e}", dir.display())))?;
        let run = |args: &[&str]| -> Result<(), LocalServerError> {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .map_err(|e| {
                    LocalServerError(format!(
                        "cannot run the openssl command ({e}): install it (apt-get install openssl)"
                    ))
                })?;
            if !out.status.success() {
                return Err(LocalServerError(format!(
                    "openssl {args:?} failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            Ok(())
        };
        let self_signed = |name: &str, cn: &str, ca: bool| {
            let mut args = vec![
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", cn,
            ];
            if ca {
                args.extend([
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ]);
            }
            let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
            args.extend(["-keyout", &key, "-out", &pem]);
            run(&args)
        };
        self_signed("ca", "/CN=aistore-authn-test-ca", true)?;
        self_signed("client-ca", "/CN=aistore-authn-test-client-ca", true)?;
        self_signed("stranger", "/CN=aistore-authn-test-stranger", false)?;
        for (name, ca, cn, ext) in [
            (
                "server",
                "ca",
                "/CN=127.0.0.1",
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
            ),
            (
                "client",
                "client-ca",
                "/CN=aistore-authn-test-client",
                "extendedKeyUsage=clientAuth\n",
            ),
        ] {
            let (key, csr, ext_file) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.ext"),
            );
            run(&[
                "req", "-newkey", "rsa:2048", "-nodes", "-subj", cn, "-keyout", &key, "-out", &csr,
            ])?;
            std::fs::write(
                dir.join(&ext_file),
                format!(
                    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n{ext}"
                ),
            )
            .map_err(|e| LocalServerError(format!("cannot write in {}: {e}", dir.display())))?;
            let (ca_pem, ca_key, pem) = (
                format!("{ca}.pem"),
                format!("{ca}.key"),
                format!("{name}.pem"),
            );
            run(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca_pem,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &ext_file,
                "-out",
                &pem,
            ])?;
        }
        Ok(TestCerts {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            client_ca: dir.join("client-ca.pem"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client.key"),
            stranger_cert: dir.join("stranger.pem"),
            stranger_key: dir.join("stranger.key"),
        })
    }
}

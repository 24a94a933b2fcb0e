//! A real AIStore AuthN server, and a real AIStore cluster that checks its tokens, on this
//! machine, for tests of code that uses [`aistore_authn`].
//!
//! [`LocalServer::start`] installs the server on first use with
//! `go install github.com/NVIDIA/aistore/cmd/authn@v1.5.0` (needs Go >= 1.26) into a cache
//! it reuses, starts it on a free port with its own temporary config directory (mode 0700),
//! HMAC secret and random admin password, and waits until it answers. Dropping the
//! [`LocalServer`] stops the server and removes the directory.
//!
//! [`LocalCluster`] does the same for an AIStore cluster, one proxy and one target built from
//! the same module (`aisnode`, [`AISNODE_PACKAGE`]), keyed to a [`LocalServer`]: every request
//! but `GET /v1/health` needs a token that server issued. It starts in 3-4 s once built.
//!
//! **Nothing outlives the test process**, even when it is killed (`kill -9`): each server
//! process runs under a guard in its own process group that kills the group when the test
//! process's end of a pipe closes, and a helper removes the temporary directory. The guard
//! signals only its own process group, never a PID it recorded, so it cannot hit a process
//! that reused the PID of a server that had already died. A start that fails leaves no process
//! and no directory behind.
//!
//! The servers listen on **all interfaces** (AuthN has no bind-address option; AIStore binds
//! its public ports on all interfaces); talk to them over loopback, as [`LocalServer::url`]
//! and [`LocalCluster::endpoint`] do.
//!
//! Unix only in practice: the secrets come from `/dev/urandom`, and on other systems
//! [`LocalServer::start`] returns a [`LocalServerError`] saying so.
//!
//! This crate depends on `aistore-authn` without its default features, so the TLS stack is
//! the one your own dependency on `aistore-authn` selects; [`LocalServerBuilder::https`] needs
//! one of them (`rustls`, the default, or `native-tls`). [`LocalClusterBuilder::https`] also
//! needs TLS in the testkit's own readiness checks: turn on the testkit's feature of the same
//! name (`rustls` or `native-tls`).
//!
//! Environment:
//! - `AUTHN_BIN`: use this `authn` binary instead of installing one.
//! - `AISNODE_BIN`: use this `aisnode` binary instead of building one.
//! - `AISTORE_AUTHN_CACHE_DIR`: where the built binaries are kept (default
//!   `$XDG_CACHE_HOME/aistore-authn`, else `$HOME/.cache/aistore-authn`).
//! - `GO`: the `go` command to build with (default `go` on `PATH`).
//!
//! The servers get none of the caller's `AIS_*` variables (they would override their
//! configuration).
//!
//! # Example
//! ```no_run
//! use aistore_authn_testkit::LocalServer;
//!
//! let server = LocalServer::start()?; // stopped and removed when dropped
//! let admin = server.admin_client()?;
//! admin.user_manager().create("alice", &[], "s3cret")?;
//! assert!(admin.user_manager().get("alice").is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A cluster that accepts the server's tokens:
//! ```no_run
//! use aistore_authn_testkit::{LocalCluster, LocalServer};
//!
//! let authn = LocalServer::start()?;
//! let cluster = LocalCluster::builder().authn(&authn).start()?;
//! let admin = authn.admin_client()?;
//! let info = admin.cluster_manager().register("c1", &[&cluster.endpoint()])?;
//! assert_eq!(info.id, cluster.uuid());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use aistore_authn::{Client, ClientBuilder, Error, RetryPolicy};

mod certs;
mod cluster;
mod install;
mod probe;
mod process;
mod target;
mod util;

pub use certs::TestCerts;
pub use cluster::{LocalCluster, LocalClusterBuilder, LocalClusterError};
pub use target::AuthnTarget;

use process::{guarded_command, DirCleaner, Guarded};
use util::{
    free_ports, make_temp_dir, random_hex, retry_if_port_taken, write_private, Secret, StartFailure,
};

/// The AuthN release this crate installs and `aistore-authn` is tested against.
///
/// # Example
/// ```
/// use aistore_authn_testkit::{AUTHN_PACKAGE, AUTHN_VERSION};
///
/// assert!(AUTHN_VERSION.starts_with('v'));
/// println!("go install {AUTHN_PACKAGE}@{AUTHN_VERSION}");
/// ```
pub const AUTHN_VERSION: &str = "v1.5.0";
/// The Go package of the AuthN server, as given to `go install`.
///
/// # Example
/// ```
/// use aistore_authn_testkit::{AUTHN_PACKAGE, AUTHN_VERSION};
///
/// assert!(AUTHN_PACKAGE.ends_with("/cmd/authn"));
/// println!("go install {AUTHN_PACKAGE}@{AUTHN_VERSION}");
/// ```
pub const AUTHN_PACKAGE: &str = "github.com/NVIDIA/aistore/cmd/authn";
/// The Go package of the AIStore node that [`LocalCluster`] runs (proxy and target), built
/// from the same module and version as the AuthN server.
///
/// # Example
/// ```
/// use aistore_authn_testkit::{AISNODE_PACKAGE, AUTHN_VERSION};
///
/// assert!(AISNODE_PACKAGE.ends_with("/cmd/aisnode"));
/// println!("go install {AISNODE_PACKAGE}@{AUTHN_VERSION}");
/// ```
pub const AISNODE_PACKAGE: &str = "github.com/NVIDIA/aistore/cmd/aisnode";

/// The name of the built-in administrator.
const ADMIN_USER: &str = "admin";
/// How long the server gets to answer after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a local server could not be installed or started. The message says how to fix it.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::LocalServer;
///
/// match LocalServer::start() {
///     Ok(server) => println!("AuthN at {}", server.url()),
///     Err(e) => eprintln!("no local AuthN server: {e}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalServerError(String);

/// How to start a [`LocalServer`]; from [`LocalServer::builder`].
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::LocalServer;
///
/// let server = LocalServer::builder().rsa_signing().start()?;
/// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LocalServerBuilder {
    rsa: bool,
    tls: Option<Tls>,
}

/// The server's certificate and key, and the CA that signed the certificate.
#[derive(Debug, Clone)]
pub(crate) struct Tls {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    pub(crate) ca: PathBuf,
}

impl LocalServerBuilder {
    /// Sign tokens with an RSA key the server generates (RS256, with a JWKS and a public key)
    /// instead of a random HMAC secret (HS256, the default).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::builder().rsa_signing().start()?;
    /// let jwks = server.admin_client()?.server_manager().jwks()?;
    /// assert!(!jwks.keys.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rsa_signing(mut self) -> Self {
        self.rsa = true;
        self
    }

    /// Serve HTTPS with this PEM certificate and key (`net.http.use_https`). `ca` is the PEM
    /// file of the CA that signed the certificate: [`LocalServer::admin_client`] trusts it.
    /// The certificate must name `127.0.0.1`, the address the URL uses.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::builder()
    ///     .https("certs/server.crt", "certs/server.key", "certs/ca.crt")
    ///     .start()?;
    /// assert!(server.url().starts_with("https://"));
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
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

    /// Installs the server if needed, starts it, and waits until it answers.
    ///
    /// # Errors
    /// [`LocalServerError`] as [`LocalServer::binary`] (a wrong `AUTHN_BIN`, no Go, a failed
    /// install), when `/dev/urandom` cannot be read (or on a system without it), when the
    /// temporary directory cannot be made, when the client for the readiness check cannot be
    /// built (HTTPS without a TLS feature of `aistore-authn`), or when the server exits or
    /// does not answer within 30 s; the message includes the server's own error output.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::builder().rsa_signing().start()?;
    /// println!("AuthN at {}, config in {}", server.url(), server.config_dir().display());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn start(self) -> Result<LocalServer, LocalServerError> {
        let secret = if self.rsa {
            None
        } else {
            Some(Secret(random_hex().map_err(LocalServerError)?))
        };
        let admin_password = Secret(random_hex().map_err(LocalServerError)?);
        let bin = LocalServer::binary()?;
        let dir = make_temp_dir("aistore-authn").map_err(LocalServerError)?;
        // From here on the directory goes when this returns an error, when the server is
        // dropped, or (through a helper process) when this process dies first.
        let cleaner = DirCleaner::new(&dir);
        let mut launch = Launch {
            bin,
            dir,
            port: 0,
            secret,
            admin_password,
            tls: self.tls,
        };
        let child = retry_if_port_taken(|| {
            launch.port = free_ports(1).map_err(StartFailure::Other)?[0];
            launch.start()
        })
        .map_err(LocalServerError)?;
        Ok(LocalServer {
            child: Some(child),
            launch,
            _cleaner: cleaner,
        })
    }
}

/// A running AuthN server, stopped and cleaned up on drop.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::LocalServer;
///
/// let server = LocalServer::start()?;
/// let admin = server.admin_client()?;
/// admin.user_manager().create("alice", &[], "s3cret")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LocalServer {
    /// The server under its guard (killed with its process group when dropped).
    child: Option<Guarded>,
    launch: Launch,
    /// Removes the directory; dropped after the server is stopped (see `Drop`).
    _cleaner: DirCleaner,
}

/// Everything needed to start the server, and to start it again the same way.
#[derive(Debug)]
struct Launch {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    secret: Option<Secret>,
    admin_password: Secret,
    tls: Option<Tls>,
}

impl LocalServer {
    /// Starts a server signing with a random HMAC secret; see [`LocalServerBuilder::start`].
    ///
    /// # Errors
    /// As [`LocalServerBuilder::start`].
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?; // stopped and removed when dropped
    /// let admin = server.admin_client()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start() -> Result<LocalServer, LocalServerError> {
        LocalServer::builder().start()
    }

    /// A builder for other set-ups (RSA signing, HTTPS).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::builder().rsa_signing().start()?;
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn builder() -> LocalServerBuilder {
        LocalServerBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:{port}` (or `https://`).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// let anonymous = aistore_authn::Client::new(&server.url())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> String {
        self.launch.url()
    }

    /// The port the server listens on (on all interfaces).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// assert_eq!(server.url(), format!("http://127.0.0.1:{}", server.port()));
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn port(&self) -> u16 {
        self.launch.port
    }

    /// The administrator's user name, `admin`.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// let mut client = aistore_authn::Client::new(&server.url())?;
    /// client.login(server.admin_user(), server.admin_password(), None)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_user(&self) -> &str {
        ADMIN_USER
    }

    /// The administrator's password, made at random for this server.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// let mut client = aistore_authn::Client::new(&server.url())?;
    /// client.login(server.admin_user(), server.admin_password(), None)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_password(&self) -> &str {
        self.launch.admin_password.expose()
    }

    /// The server's config directory (`authn.json`, the database, `logs/`), a new directory
    /// in the system's temporary directory with mode 0700; `authn.json`, which holds the HMAC
    /// secret, has mode 0600.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// assert!(server.config_dir().join("authn.json").is_file());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn config_dir(&self) -> &Path {
        &self.launch.dir
    }

    /// A client logged in as the administrator, connecting directly (no proxy) and, for
    /// HTTPS, trusting the server's CA. `POST /v1/users/admin`.
    ///
    /// # Errors
    /// As [`Client::login`]; [`Error::ConfigFile`] when the CA file given to
    /// [`LocalServerBuilder::https`] cannot be read, [`Error::Config`] when it holds no
    /// certificate;
    /// [`Error::InvalidArgument`] for an HTTPS server when `aistore-authn` is built without a
    /// TLS feature.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// let admin = server.admin_client()?;
    /// assert!(admin.whoami()?.user.is_admin());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_client(&self) -> Result<Client, Error> {
        let mut client = self.client_builder().build()?;
        // The client keeps the token; the copy `login` returns is not needed here.
        let _ = client.login(ADMIN_USER, self.admin_password(), None)?;
        Ok(client)
    }

    /// A client builder for this server: direct (no proxy) and, for HTTPS, trusting its CA.
    pub(crate) fn client_builder(&self) -> ClientBuilder {
        let builder = Client::builder(&self.url()).proxy_from_env(false);
        match &self.launch.tls {
            Some(tls) => builder.ca_cert_file(&tls.ca),
            None => builder,
        }
    }

    /// The HMAC secret the server signs tokens with; `None` for RSA signing.
    pub(crate) fn hmac_secret(&self) -> Option<&Secret> {
        self.launch.secret.as_ref()
    }

    /// Stops the server (like a crash: killed, no shutdown), keeping its directory and data.
    /// A stopped server refuses connections until [`restart`](LocalServer::restart).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let mut server = LocalServer::start()?;
    /// let admin = server.admin_client()?;
    /// server.stop();
    /// assert!(admin.role_manager().list().is_err()); // connection refused
    /// server.restart()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&mut self) {
        // Dropping the guarded child kills the server and its process group, and reaps it.
        drop(self.child.take());
    }

    /// Starts the server again on the same port, with the same directory, data and settings,
    /// stopping it first if it runs.
    ///
    /// # Errors
    /// [`LocalServerError`] when it does not start again; the message includes its errors.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let mut server = LocalServer::start()?;
    /// server.admin_client()?.user_manager().create("alice", &[], "s3cret")?;
    /// server.restart()?; // the data survives
    /// assert!(server.admin_client()?.user_manager().get("alice").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restart(&mut self) -> Result<(), LocalServerError> {
        self.stop();
        let child = self.launch.start().map_err(|failure| match failure {
            StartFailure::PortTaken(msg) | StartFailure::Other(msg) => LocalServerError(msg),
        })?;
        self.child = Some(child);
        Ok(())
    }

    /// The `authn` binary: `AUTHN_BIN` if set, else the cached install, installing it first
    /// if there is none. Concurrent callers (parallel test binaries) install it once.
    ///
    /// # Errors
    /// [`LocalServerError`] naming the fix when `AUTHN_BIN` is wrong, Go is missing, or the
    /// install fails.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let authn = LocalServer::binary()?; // installs it on first use
    /// println!("{}", authn.display());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn binary() -> Result<PathBuf, LocalServerError> {
        install::binary(&install::AUTHN).map_err(LocalServerError)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        // Then `_cleaner` drops and removes the directory.
    }
}

impl Launch {
    fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Writes the config, starts the server, and waits until it answers.
    fn start(&self) -> Result<Guarded, StartFailure> {
        let other = StartFailure::Other;
        let dir = &self.dir;
        // Without a secret the server makes an RSA key in the config directory (once).
        let mut auth = serde_json::json!({"expiration_time": "24h"});
        if let Some(secret) = &self.secret {
            auth["secret"] = secret.expose().into();
        }
        let mut http = serde_json::json!({"port": self.port});
        if let Some(tls) = &self.tls {
            http["use_https"] = true.into();
            http["server_crt"] = tls.cert.to_string_lossy().into();
            http["server_key"] = tls.key.to_string_lossy().into();
        }
        let config = serde_json::json!({
            "auth": auth,
            "log": {"level": "3", "dir": dir.join("logs")},
            "net": {"http": http},
            "timeout": {"default_timeout": "30s"},
        });
        // The config holds the HMAC secret: readable by this user only (the directory too).
        write_private(&dir.join("authn.json"), config.to_string().as_bytes()).map_err(|e| {
            other(format!(
                "cannot write the AuthN config in {}: {e}",
                dir.display()
            ))
        })?;
        let stderr_path = dir.join("stderr.log");
        let stderr = fs::File::create(&stderr_path)
            .map_err(|e| other(format!("cannot create {}: {e}", stderr_path.display())))?;
        let url = self.url();
        let probe = Client::builder(&url)
            .proxy_from_env(false)
            .timeout(Duration::from_secs(2))
            .connect_timeout(Duration::from_millis(500))
            .retry(RetryPolicy::none());
        let probe = match &self.tls {
            Some(tls) => probe.ca_cert_file(&tls.ca),
            None => probe,
        };
        let probe = probe.build().map_err(|e| other(e.to_string()))?;
        // Under a guard: killed with its process group when the `Guarded` is dropped (also on
        // every error below) or when this process dies.
        let mut command = guarded_command(&self.bin);
        command
            .arg("-config")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(stderr);
        // The server reads AIS_* variables (config dir, port, keys, admin name) that would
        // override this config; give it only the admin password.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AIS_") {
                command.env_remove(key);
            }
        }
        command.env("AIS_AUTHN_SU_PASS", self.admin_password.expose());
        let mut child = Guarded::spawn(command)
            .map_err(|e| other(format!("cannot run {}: {e}", self.bin.display())))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait() {
                let output = fs::read_to_string(&stderr_path).unwrap_or_default();
                let msg = format!(
                    "the AuthN server ({}) exited with {status} at start:\n{}",
                    self.bin.display(),
                    output.trim()
                );
                return Err(if output.contains("address already in use") {
                    StartFailure::PortTaken(msg)
                } else {
                    StartFailure::Other(msg)
                });
            }
            let answered = probe.server_manager().oidc_configuration().is_ok();
            if answered {
                return Ok(child);
            }
            if Instant::now() > deadline {
                child.kill();
                return Err(other(format!(
                    "the AuthN server at {url} did not answer within {} s; its errors:\n{}",
                    READY_TIMEOUT.as_secs(),
                    fs::read_to_string(&stderr_path).unwrap_or_default().trim()
                )));
            }
            sleep(Duration::from_millis(20));
        }
    }
}

//! The AuthN server: [`LocalServer`], its builder and its error.

mod launch;

use std::path::{Path, PathBuf};

use aistore_authn::{Client, ClientBuilder, Error};

use crate::install;
use crate::process::{DirCleaner, Guarded};
use crate::util::{
    free_ports, make_temp_dir, random_hex, retry_if_port_taken, Secret, StartFailure, Tls,
};
use launch::Launch;

/// The name of the built-in administrator.
const ADMIN_USER: &str = "admin";

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
pub struct LocalServerError(pub(crate) String);

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
    version: Option<String>,
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

    /// Run this AuthN release, an exact version of the Go module such as `v1.4.9`, installed
    /// the same way as the default one into a cache directory of its own
    /// (`authn-<version>`). Without this call the server runs `$AISTORE_AUTHN_VERSION` if set,
    /// else [`AUTHN_VERSION`](crate::AUTHN_VERSION). `AUTHN_BIN`, when set, names the binary
    /// whatever the version; [`LocalServer::version`] then reports this setting.
    ///
    /// The Go module proxy serves exact versions only (it refuses this module's version
    /// list): `latest` or `v1.4` are refused before anything is installed.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::builder().version("v1.4.9").start()?;
    /// assert_eq!(server.version(), "v1.4.9");
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Installs the server if needed, starts it, and waits until it answers.
    ///
    /// # Errors
    /// [`LocalServerError`] as [`LocalServer::binary`] (a wrong `AUTHN_BIN`, no Go, a failed
    /// install, a version that is not exact), when `/dev/urandom` cannot be read (or on a system without it), when the
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
        let version = self.version.unwrap_or_else(install::default_version);
        let bin = install::binary(&install::AUTHN, &version).map_err(LocalServerError)?;
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
            version,
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
    /// The AuthN release it runs.
    version: String,
    /// Removes the directory; dropped after the server is stopped (see `Drop`).
    _cleaner: DirCleaner,
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

    /// The AuthN release this server runs, e.g. `v1.5.0`: [`LocalServerBuilder::version`],
    /// else `$AISTORE_AUTHN_VERSION`, else [`AUTHN_VERSION`](crate::AUTHN_VERSION).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// println!("AuthN {} at {}", server.version(), server.url());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn version(&self) -> &str {
        &self.version
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

    /// Pauses the server (SIGSTOP), returning once every thread of it has stopped (on Linux):
    /// it keeps its port, the system still accepts connections for it and takes in what is
    /// sent, but nothing is answered until
    /// [`resume`](LocalServer::resume): requests time out. For tests of what a client does
    /// when a server hangs. Dropping or stopping a paused server works as usual.
    ///
    /// # Errors
    /// [`LocalServerError`] when the server is not running or cannot be signalled.
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// let token = server.admin_client()?.token().unwrap();
    /// let hasty = aistore_authn::Client::builder(&server.url())
    ///     .proxy_from_env(false)
    ///     .token(token)
    ///     .timeout(Duration::from_secs(1))
    ///     .build()?;
    /// server.pause()?;
    /// assert!(hasty.role_manager().list().is_err()); // a timeout
    /// server.resume()?;
    /// assert!(hasty.role_manager().list().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pause(&self) -> Result<(), LocalServerError> {
        self.signal("STOP")?;
        // SIGSTOP stops each thread as it next runs: until all have, one may still answer.
        match &self.child {
            None => Ok(()),
            Some(child) => child
                .wait_stopped(std::time::Duration::from_secs(10))
                .map_err(|e| LocalServerError(format!("pausing the server: {e}"))),
        }
    }

    /// Lets a [`pause`](LocalServer::pause)d server go on (SIGCONT): it then reads and answers
    /// what was sent meanwhile, requests whose clients gave up included.
    ///
    /// # Errors
    /// [`LocalServerError`] when the server is not running or cannot be signalled.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalServer;
    ///
    /// let server = LocalServer::start()?;
    /// server.pause()?;
    /// server.resume()?;
    /// assert!(server.admin_client().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resume(&self) -> Result<(), LocalServerError> {
        self.signal("CONT")
    }

    fn signal(&self, name: &str) -> Result<(), LocalServerError> {
        match &self.child {
            None => Err(LocalServerError("the server is stopped".to_owned())),
            Some(child) => child
                .signal(name)
                .map_err(|e| LocalServerError(format!("cannot signal the server: {e}"))),
        }
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

    /// The `authn` binary: `AUTHN_BIN` if set, else the cached install of
    /// `$AISTORE_AUTHN_VERSION` (default [`AUTHN_VERSION`](crate::AUTHN_VERSION)), installing
    /// it first if there is none. Concurrent callers (parallel test binaries) install it once.
    ///
    /// # Errors
    /// [`LocalServerError`] naming the fix when `AUTHN_BIN` is wrong, Go is missing, the
    /// version is not exact, or the install fails.
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
        install::binary(&install::AUTHN, &install::default_version()).map_err(LocalServerError)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        // Then `_cleaner` drops and removes the directory.
    }
}

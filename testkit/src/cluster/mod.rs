//! A real AIStore cluster (one proxy, one target) on loopback that checks the tokens of a
//! [`LocalServer`].

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::probe::Probe;
use crate::process::{guarded_command, DirCleaner, Guarded};
use crate::util::{
    free_ports, make_temp_dir, retry_if_port_taken, tail, write_private, Secret, StartFailure,
};
use crate::{install, LocalServer, Tls};

/// How long the nodes get to come up, unless [`LocalClusterBuilder::ready_timeout`] says
/// otherwise. They usually take 3-4 s.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of each log in error messages and [`LocalCluster::log_tail`].
const TAIL_LINES: usize = 25;
/// `cos.NodeStateFlags`: ClusterStarted (the primary started the cluster, or a node joined it)
/// and NodeStarted.
const STARTED: u64 = 0b110;

/// Why a local cluster could not be built or started. The message says how to fix it and,
/// when a node failed, ends with the tail of its log.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::{LocalCluster, LocalServer};
///
/// let authn = LocalServer::start()?;
/// match LocalCluster::builder().authn(&authn).start() {
///     Ok(cluster) => println!("AIStore at {}", cluster.endpoint()),
///     Err(e) => eprintln!("no local cluster: {e}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalClusterError(String);

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

/// A running AIStore cluster, one proxy and one target on loopback, that requires tokens
/// from a [`LocalServer`]. Both nodes are stopped and the directory is removed on drop; if
/// the process dies first, the nodes are killed and the directory removed all the same.
///
/// The directory ([`dir`](LocalCluster::dir), mode 0700) holds each node's config (`ais.json`
/// holds the HMAC secret; mode 0600), metadata and logs, and the target's mountpath. The
/// nodes listen on six free ports; their public ports are bound on all interfaces (AIStore
/// does that whenever they differ from the intra-cluster ports), so talk to them over
/// loopback only. The nodes get no `AIS_*` variable from this process's environment.
///
/// Object and bucket calls to the proxy are redirected (307/301) to the target: follow the
/// redirect and send the token again.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::{LocalCluster, LocalServer};
///
/// let authn = LocalServer::start()?;
/// let cluster = LocalCluster::builder().authn(&authn).start()?;
/// let admin = authn.admin_client()?;
/// // The ID is read from the cluster (no token needed); AuthN then hands it its key.
/// let info = admin.cluster_manager().register("c1", &[&cluster.endpoint()])?;
/// assert_eq!(info.id, cluster.uuid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LocalCluster {
    proxy: Node,
    target: Node,
    scheme: &'static str,
    uuid: String,
    dir: PathBuf,
    /// Removes the directory; dropped after the nodes are stopped (see `Drop`).
    _cleaner: DirCleaner,
}

impl LocalCluster {
    /// A builder; [`authn`](LocalClusterBuilder::authn) is required.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> LocalClusterBuilder<'static> {
        LocalClusterBuilder::default()
    }

    /// The proxy's public URL, `http://127.0.0.1:{port}` (or `https://`): the cluster's
    /// endpoint for clients (`AIS_ENDPOINT`).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// println!("export AIS_ENDPOINT={}", cluster.endpoint());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn endpoint(&self) -> String {
        self.proxy.public_url(self.scheme)
    }

    /// The cluster's ID: the UUID of its cluster map (`smap.uuid` in
    /// `GET /v1/health?cii=true`, which needs no token), as AuthN knows the cluster once it is
    /// registered, and as bucket ACLs name it.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// let admin = authn.admin_client()?;
    /// admin.cluster_manager().register_with_id(&cluster.uuid(), "c1", &[])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uuid(&self) -> String {
        self.uuid.clone()
    }

    /// The cluster's directory (mode 0700): `proxy/` and `target/` (each with `ais.json`,
    /// `ais_local.json`, `console.log` and `log/`) and `mp/`, the target's mountpath.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// assert!(cluster.dir().join("proxy/ais.json").is_file());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last lines of each node's console output (errors) and main log, for a failing
    /// test's message. The main logs are written in batches, so their very last lines can be
    /// missing.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::{LocalCluster, LocalServer};
    ///
    /// let authn = LocalServer::start()?;
    /// let cluster = LocalCluster::builder().authn(&authn).start()?;
    /// let reply = ureq::get(format!("{}/v1/buckets?provider=ais", cluster.endpoint())).call();
    /// assert!(reply.is_err(), "no token, yet: {reply:?}\n{}", cluster.log_tail());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_tail(&self) -> String {
        format!("{}\n{}", self.proxy.log_tail(), self.target.log_tail())
    }

    /// The `aisnode` binary: `AISNODE_BIN` if set, else the cached build
    /// (`~/.cache/aistore-authn/aisnode-v1.5.0/aisnode`), building it first with
    /// `go install github.com/NVIDIA/aistore/cmd/aisnode@v1.5.0` (Go >= 1.26) if there is
    /// none. Concurrent callers (parallel test binaries) build it once.
    ///
    /// # Errors
    /// [`LocalClusterError`] naming the fix when `AISNODE_BIN` is wrong, Go is missing, or
    /// the build fails.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn_testkit::LocalCluster;
    ///
    /// let aisnode = LocalCluster::binary()?; // builds it on first use
    /// println!("{}", aisnode.display());
    /// # Ok::<(), aistore_authn_testkit::LocalClusterError>(())
    /// ```
    pub fn binary() -> Result<PathBuf, LocalClusterError> {
        install::binary(&install::AISNODE).map_err(LocalClusterError)
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        // The target first, so that it does not spend its last moments looking for the proxy.
        drop(self.target.child.take());
        drop(self.proxy.child.take());
        // Then `_cleaner` drops and removes the directory.
    }
}

impl From<crate::LocalServerError> for LocalClusterError {
    fn from(e: crate::LocalServerError) -> LocalClusterError {
        LocalClusterError(e.to_string())
    }
}

/// How the cluster checks token signatures.
enum Signing {
    Hmac(Secret),
    Rsa(String),
}

impl Signing {
    fn of(server: &LocalServer) -> Result<Signing, LocalClusterError> {
        if let Some(secret) = server.hmac_secret() {
            return Ok(Signing::Hmac(secret.clone()));
        }
        server
            .client_builder()
            .build()
            .and_then(|client| client.server_manager().public_key())
            .map(Signing::Rsa)
            .map_err(|e| {
                LocalClusterError(format!(
                    "cannot read the RSA public key of the AuthN server at {}: {e}",
                    server.url()
                ))
            })
    }

    fn auth_config(&self) -> serde_json::Value {
        let (method, key) = match self {
            Signing::Hmac(secret) => ("HMAC", secret.expose()),
            Signing::Rsa(pem) => ("RSA", pem.as_str()),
        };
        serde_json::json!({
            "signature": {"method": method, "key": key},
            "client_auth_required": true,
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

/// One node: its directory, ports (public, intra-control, intra-data) and process.
#[derive(Debug)]
struct Node {
    role: &'static str,
    dir: PathBuf,
    ports: [u16; 3],
    child: Option<Guarded>,
}

impl Node {
    fn public_url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.ports[0])
    }

    fn control_url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.ports[1])
    }

    fn console(&self) -> PathBuf {
        self.dir.join("console.log")
    }

    fn log_tail(&self) -> String {
        let log = self.dir.join("log").join(format!("ais{}.INFO", self.role));
        format!(
            "--- {role} console ({console}):\n{}\n--- {role} log ({log}):\n{}",
            tail(&self.console(), TAIL_LINES),
            tail(&log, TAIL_LINES),
            role = self.role,
            console = self.console().display(),
            log = log.display(),
        )
    }

    /// Whether the node has exited, and the error saying so.
    fn exited(&mut self) -> Option<StartFailure> {
        let status: ExitStatus = self.child.as_mut()?.try_wait()?;
        let msg = format!(
            "the AIStore {} exited with {status} at start; its logs:\n{}",
            self.role,
            self.log_tail()
        );
        Some(
            if fs::read_to_string(self.console())
                .unwrap_or_default()
                .contains("address already in use")
            {
                StartFailure::PortTaken(msg)
            } else {
                StartFailure::Other(msg)
            },
        )
    }
}

/// Everything needed to start the nodes.
struct Launch {
    bin: PathBuf,
    dir: PathBuf,
    signing: Signing,
    tls: Option<Tls>,
    client_ca: Option<PathBuf>,
    probe: Probe,
    timeout: Duration,
    deadline: Instant,
}

impl Launch {
    fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Starts the proxy on fresh ports and waits until it has started the cluster, then the
    /// target, and waits until it has joined. Returns both nodes and the cluster's UUID.
    fn start(&mut self) -> Result<(Node, Node, String), StartFailure> {
        let other = StartFailure::Other;
        let ports = free_ports(6).map_err(other)?;
        let mut proxy = Node {
            role: "proxy",
            dir: self.dir.join("proxy"),
            ports: [ports[0], ports[1], ports[2]],
            child: None,
        };
        let mut target = Node {
            role: "target",
            dir: self.dir.join("target"),
            ports: [ports[3], ports[4], ports[5]],
            child: None,
        };
        // A fresh start: nothing from a failed attempt (metadata names the old ports).
        let mountpaths = self.dir.join("mp");
        for dir in [&proxy.dir, &target.dir, &mountpaths] {
            let _ = fs::remove_dir_all(dir);
        }
        let config = self.cluster_config(&proxy);
        self.spawn(&mut proxy, &config, &mountpaths)?;
        let (uuid, _) = self.wait_started(&mut proxy, None)?;
        self.spawn(&mut target, &config, &mountpaths)?;
        let (_, version) = self.wait_started(&mut target, Some(&uuid))?;
        // The proxy's map includes the target once it has the version the target got.
        loop {
            let (_, proxy_version) = self.wait_started(&mut proxy, Some(&uuid))?;
            if proxy_version >= version {
                break;
            }
            sleep(Duration::from_millis(50));
        }
        Ok((proxy, target, uuid))
    }

    /// The cluster config (`ais.json`), the same for both nodes: from AIStore's playground
    /// generator (`deploy/dev/local/aisnode_config.sh`) with the sections it needs, the
    /// minimum startup time, the primary at the proxy's intra-control URL (so that the target
    /// joins over the intra-cluster network, which never asks for a client certificate), and
    /// token checking.
    fn cluster_config(&self, proxy: &Node) -> serde_json::Value {
        let primary = proxy.control_url(self.scheme());
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let mut http = serde_json::json!({
            "use_https": false,
            "server_crt": "",
            "server_key": "",
            "domain_tls": "",
            "client_ca_tls": "",
            "client_auth_tls": 0,
            "idle_conn_time": "6s",
            "idle_conns_per_host": 32,
            "idle_conns": 256,
            "write_buffer_size": 0,
            "read_buffer_size": 0,
            "chunked_transfer": true,
            "skip_verify": false,
        });
        if let Some(tls) = &self.tls {
            http["use_https"] = true.into();
            http["server_crt"] = path(&tls.cert).into();
            http["server_key"] = path(&tls.key).into();
            // The nodes' own clients trust the CA that signed the certificate (it is added to
            // the system roots); with client_auth_tls 0 no node asks another for a certificate.
            http["client_ca_tls"] = path(&tls.ca).into();
            if let Some(client_ca) = &self.client_ca {
                // Overrides for the public listeners only (v1.5.0 `net.http.pub`).
                http["pub"] = serde_json::json!({
                    "server_crt": path(&tls.cert),
                    "server_key": path(&tls.key),
                    "client_ca_tls": path(client_ca),
                    "client_auth_tls": 4,
                });
            }
        }
        serde_json::json!({
            "timeout": {
                "cplane_operation": "2s",
                "max_keepalive": "5s",
                "cold_get_conflict": "5s",
                "max_host_busy": "20s",
                "startup_time": "30s",
                "join_startup_time": "3m",
                "send_file_time": "5m",
                "ec_streams_time": "10m",
                "object_md": "2h",
            },
            "proxy": {
                "primary_url": primary,
                "original_url": primary,
                "discovery_url": "",
                "non_electable": false,
            },
            "net": {
                "l4": {"proto": "tcp", "sndrcv_buf_size": 131072},
                "http": http,
                "use_ipv6": false,
            },
            "auth": self.signing.auth_config(),
            // The mountpath is a directory on whatever disk holds the temp dir, often a busy
            // one: with the default marks (writes refused above 95% used) a test cluster
            // refuses PUTs on a nearly full disk. Refuse writes only when it is full.
            "space": {
                "cleanupwm": 97,
                "lowwm": 98,
                "highwm": 99,
                "out_of_space": 100,
            },
        })
    }

    /// Writes the node's configs and starts it under a guard.
    fn spawn(
        &self,
        node: &mut Node,
        config: &serde_json::Value,
        mountpaths: &Path,
    ) -> Result<(), StartFailure> {
        let other = StartFailure::Other;
        let dir = &node.dir;
        let local = serde_json::json!({
            "confdir": dir,
            "log_dir": dir.join("log"),
            "host_net": {
                "hostname": "127.0.0.1",
                "hostname_intra_control": "127.0.0.1",
                "hostname_intra_data": "127.0.0.1",
                "port": node.ports[0].to_string(),
                "port_intra_control": node.ports[1].to_string(),
                "port_intra_data": node.ports[2].to_string(),
            },
            "fspaths": {},
            "test_fspaths": {
                "root": mountpaths,
                "count": if node.role == "target" { 1 } else { 0 },
                "instance": 0,
            },
        });
        let cluster_file = dir.join("ais.json");
        let local_file = dir.join("ais_local.json");
        let console = fs::create_dir(dir)
            // ais.json holds the HMAC secret: readable by this user only (the directory too).
            .and_then(|()| write_private(&cluster_file, config.to_string().as_bytes()))
            .and_then(|()| write_private(&local_file, local.to_string().as_bytes()))
            .and_then(|()| fs::File::create(node.console()))
            .map_err(|e| {
                other(format!(
                    "cannot write the node config in {}: {e}",
                    dir.display()
                ))
            })?;
        let console_err = console
            .try_clone()
            .map_err(|e| other(format!("cannot open {}: {e}", node.console().display())))?;
        let mut command = guarded_command(&self.bin);
        command
            .arg(format!("-config={}", cluster_file.display()))
            .arg(format!("-local_config={}", local_file.display()))
            .arg(format!("-role={}", node.role))
            .current_dir(dir)
            .stdout(Stdio::from(console))
            .stderr(Stdio::from(console_err));
        if node.role == "proxy" {
            // Do not wait up to startup_time for targets: the cluster starts at once and the
            // target joins it.
            command.arg("-ntargets=1").arg("-skip_startup");
        }
        // aisnode reads AIS_* variables (endpoint, primary, keys, TLS, ...) that override its
        // config files: none of the caller's reach it.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AIS_") {
                command.env_remove(key);
            }
        }
        node.child = Some(Guarded::spawn(command).map_err(|e| {
            other(format!(
                "cannot run {} (aisnode): {e}; set AISNODE_BIN to an aisnode {} binary",
                self.bin.display(),
                crate::AUTHN_VERSION
            ))
        })?);
        Ok(())
    }

    /// Waits until `node` reports NodeStarted and ClusterStarted in its cluster info on its
    /// intra-control port (no token, no client certificate needed), with a map UUID equal to
    /// `uuid` if given; returns the UUID and the map's version.
    fn wait_started(
        &self,
        node: &mut Node,
        uuid: Option<&str>,
    ) -> Result<(String, u64), StartFailure> {
        let url = format!("{}/v1/health?cii=true", node.control_url(self.scheme()));
        loop {
            if let Some(failure) = node.exited() {
                return Err(failure);
            }
            let last = match self.probe.get(&url) {
                Ok((200, body)) => match parse_cii(&body) {
                    Some((id, version, flags))
                        if flags & STARTED == STARTED
                            && !id.is_empty()
                            && uuid.is_none_or(|u| u == id) =>
                    {
                        return Ok((id, version))
                    }
                    _ => format!("not started yet: {}", body.trim()),
                },
                Ok((status, body)) => format!("{status} {}", body.trim()),
                Err(e) => e,
            };
            if Instant::now() > self.deadline {
                return Err(StartFailure::Other(format!(
                    "the AIStore {} did not start within the timeout of {} s (GET {url}: {last}); \
                     its logs:\n{}",
                    node.role,
                    self.timeout.as_secs_f32(),
                    node.log_tail()
                )));
            }
            sleep(Duration::from_millis(50));
        }
    }
}

/// The map UUID, map version and state flags from `GET /v1/health?cii=true`.
fn parse_cii(body: &str) -> Option<(String, u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let smap = &v["smap"];
    Some((
        smap["uuid"].as_str()?.to_owned(),
        smap["version"].as_str()?.parse().ok()?,
        v["flags"].as_u64()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_info_is_parsed() {
        let body = r#"{"smap":{"Primary":{"pub_url":"http://127.0.0.1:1","control_url":"x","id":"p"},"uuid":"R_n49mk1U4","version":"4"},"bmd":{"uuid":"R_n49mk1U4","version":"1"},"flags":6}"#;
        assert_eq!(parse_cii(body), Some(("R_n49mk1U4".into(), 4, 6)));
        assert_eq!(parse_cii("{}"), None);
        assert_eq!(parse_cii("not json"), None);
    }

    #[test]
    fn no_authn_server_is_an_error_naming_the_fix() {
        let e = LocalCluster::builder().start().unwrap_err().to_string();
        assert!(e.contains(".authn(&server)"), "{e}");
    }
}

//! A real AIStore cluster (one proxy, one target) on loopback that checks the tokens of a
//! [`LocalServer`](crate::LocalServer).

mod builder;
mod config;
mod launch;
mod node;

use std::path::{Path, PathBuf};

pub use builder::LocalClusterBuilder;

use crate::install;
use crate::process::DirCleaner;
use crate::LocalServerError;
use node::Node;

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

/// A running AIStore cluster, one proxy and one target on loopback, that requires tokens
/// from a [`LocalServer`](crate::LocalServer). Both nodes are stopped and the directory is
/// removed on drop; if the process dies first, the nodes are killed and the directory removed
/// all the same.
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
        install::binary(&install::AISNODE, install::AUTHN_VERSION).map_err(LocalClusterError)
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

impl From<LocalServerError> for LocalClusterError {
    fn from(e: LocalServerError) -> LocalClusterError {
        LocalClusterError(e.to_string())
    }
}

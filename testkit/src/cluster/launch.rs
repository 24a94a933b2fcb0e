//! Starting the nodes: fresh ports and directories, the proxy, then the target, each under a
//! guard, and waiting until the target has joined.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::config::{local_config, Signing};
use super::node::Node;
use crate::probe::Probe;
use crate::process::{guarded_command, Guarded};
use crate::util::{free_ports, write_private, StartFailure, Tls};

/// `cos.NodeStateFlags`: ClusterStarted (the primary started the cluster, or a node joined it)
/// and NodeStarted.
const STARTED: u64 = 0b110;

/// Everything needed to start the nodes.
pub(super) struct Launch {
    pub(super) bin: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) signing: Signing,
    pub(super) tls: Option<Tls>,
    pub(super) client_ca: Option<PathBuf>,
    pub(super) probe: Probe,
    pub(super) timeout: Duration,
    pub(super) deadline: Instant,
}

impl Launch {
    pub(super) fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Starts the proxy on fresh ports and waits until it has started the cluster, then the
    /// target, and waits until it has joined. Returns both nodes and the cluster's UUID.
    pub(super) fn start(&mut self) -> Result<(Node, Node, String), StartFailure> {
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

    /// Writes the node's configs and starts it under a guard.
    fn spawn(
        &self,
        node: &mut Node,
        config: &serde_json::Value,
        mountpaths: &Path,
    ) -> Result<(), StartFailure> {
        let other = StartFailure::Other;
        let dir = &node.dir;
        let local = local_config(node, mountpaths);
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
}

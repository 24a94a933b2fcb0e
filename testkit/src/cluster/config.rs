//! What the nodes are told: the cluster config (`ais.json`), each node's local config
//! (`ais_local.json`), and how they check token signatures.

use std::path::Path;

use super::launch::Launch;
use super::node::Node;
use super::LocalClusterError;
use crate::util::Secret;
use crate::LocalServer;

/// How the cluster checks token signatures.
pub(super) enum Signing {
    Hmac(Secret),
    Rsa(String),
}

impl Signing {
    pub(super) fn of(server: &LocalServer) -> Result<Signing, LocalClusterError> {
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

impl Launch {
    /// The cluster config (`ais.json`), the same for both nodes: from AIStore's playground
    /// generator (`deploy/dev/local/aisnode_config.sh`) with the sections it needs, the
    /// minimum startup time, the primary at the proxy's intra-control URL (so that the target
    /// joins over the intra-cluster network, which never asks for a client certificate), and
    /// token checking.
    pub(super) fn cluster_config(&self, proxy: &Node) -> serde_json::Value {
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
}

/// The node's local config (`ais_local.json`): its directory, host and ports, and for the
/// target one test mountpath under `mountpaths`.
pub(super) fn local_config(node: &Node, mountpaths: &Path) -> serde_json::Value {
    let dir = &node.dir;
    serde_json::json!({
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
    })
}

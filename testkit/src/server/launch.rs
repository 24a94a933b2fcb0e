//! Starting the AuthN server process: its config, its environment, and waiting until it
//! answers.

use std::fs;
use std::path::PathBuf;
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use aistore_authn::{Client, RetryPolicy};

use crate::process::{guarded_command, Guarded};
use crate::util::{write_private, Secret, StartFailure, Tls};

/// How long the server gets to answer after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything needed to start the server, and to start it again the same way.
#[derive(Debug)]
pub(super) struct Launch {
    pub(super) bin: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) port: u16,
    pub(super) secret: Option<Secret>,
    pub(super) admin_password: Secret,
    pub(super) tls: Option<Tls>,
}

impl Launch {
    pub(super) fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Writes the config, starts the server, and waits until it answers.
    pub(super) fn start(&self) -> Result<Guarded, StartFailure> {
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
            // Any HTTP reply: servers before v1.4.2 have no discovery document and answer
            // 404, which is as good a sign that they serve requests.
            let answered = match probe.server_manager().oidc_configuration() {
                Ok(_) => true,
                Err(e) => e.status().is_some(),
            };
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

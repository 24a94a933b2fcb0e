//! One node of the cluster (proxy or target): its directory, ports, process and logs.

use std::fs;
use std::path::PathBuf;
use std::process::ExitStatus;

use crate::process::Guarded;
use crate::util::{tail, StartFailure};

/// Lines of each log in error messages and
/// [`LocalCluster::log_tail`](super::LocalCluster::log_tail).
const TAIL_LINES: usize = 25;

/// One node: its directory, ports (public, intra-control, intra-data) and process.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) role: &'static str,
    pub(super) dir: PathBuf,
    pub(super) ports: [u16; 3],
    pub(super) child: Option<Guarded>,
}

impl Node {
    pub(super) fn public_url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.ports[0])
    }

    pub(super) fn control_url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.ports[1])
    }

    pub(super) fn console(&self) -> PathBuf {
        self.dir.join("console.log")
    }

    pub(super) fn log_tail(&self) -> String {
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
    pub(super) fn exited(&mut self) -> Option<StartFailure> {
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

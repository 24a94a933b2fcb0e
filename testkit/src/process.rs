//! Server processes that cannot outlive the test process, and temporary directories that are
//! removed even when it is killed.
//!
//! A server is started as `sh -c GUARD guard <program> <args>` in a new process group whose
//! leader it is. The shell forks a guard subshell that blocks reading a pipe from this
//! process, then `exec`s the program: the program keeps the shell's PID, so the [`Child`] here
//! is the server itself (its exit status, `kill` and `wait` are the server's). When the pipe
//! closes (the [`Guarded`] is dropped, or this process dies, even by `kill -9`), the guard
//! sends SIGKILL to its own process group (`kill 0`): the server, anything it started, and the
//! guard itself. The guard is a member of that group as long as it runs, so the group cannot
//! have been recycled for other processes: no PID is ever signalled by number, and a reused
//! PID is never hit. (The watchdog this replaces killed a PID recorded at start, which after
//! the server's death could belong to another process.)
//!
//! A [`DirCleaner`] is a shell in its own process group that waits on a pipe the same way and
//! then removes a directory; it signals nothing.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};

/// The guard: keep the pipe (stdin) as fd 3 for the guard subshell only, give the program
/// /dev/null as stdin and no fd 3, and kill the whole group when the pipe closes.
const GUARD: &str =
    r#"exec 3<&0 </dev/null; { read _ <&3; kill -s KILL 0; } & exec 3<&-; exec "$@""#;

/// Removes `$1` once the pipe closes; waits a little for the guards' SIGKILLs to land (killed
/// processes can still have files open for a moment), and tries again if files were being
/// created during the first pass.
const CLEANER: &str = r#"read _; sleep 1; rm -rf "$1" 2>/dev/null || { sleep 2; rm -rf "$1"; }"#;

/// A command that runs `program` under the guard. Set its environment, directory and output
/// as for the program itself; stdin is the guard's pipe.
pub(crate) fn guarded_command(program: &Path) -> Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(GUARD)
            .arg("aistore-testkit-guard")
            .arg(program)
            .stdin(Stdio::piped())
            .process_group(0);
        command
    }
    #[cfg(not(unix))]
    {
        let mut command = Command::new(program);
        command.stdin(Stdio::null());
        command
    }
}

/// A running server under its guard: dropping it kills the server (and its process group) and
/// reaps it.
#[derive(Debug)]
pub(crate) struct Guarded {
    child: Child,
    /// The write end of the guard's pipe: closing it makes the guard kill the group.
    pipe: Option<ChildStdin>,
}

impl Guarded {
    /// Spawns a command made by [`guarded_command`].
    pub(crate) fn spawn(mut command: Command) -> std::io::Result<Guarded> {
        let mut child = command.spawn()?;
        let pipe = child.stdin.take();
        Ok(Guarded { child, pipe })
    }

    /// The server's exit status, if it has exited.
    pub(crate) fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends the server the signal `name` (`STOP`, `CONT`) with the `kill` command. Safe by
    /// PID for the reason [`Guarded::kill`] gives (a server that has exited is a zombie until
    /// reaped: the signal does nothing).
    pub(crate) fn signal(&self, name: &str) -> std::io::Result<()> {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .stdin(Stdio::null())
            .status()?;
        match status.success() {
            true => Ok(()),
            false => Err(std::io::Error::other(format!("kill -s {name}: {status}"))),
        }
    }

    /// Waits (at most `bound`) until every thread of the server is stopped, after a SIGSTOP:
    /// the signal stops a multi-threaded process only as each thread next runs, and until
    /// then another thread may still answer a request. Reads `/proc/<pid>/task/*/stat`;
    /// where there is no `/proc`, returns at once.
    pub(crate) fn wait_stopped(&self, bound: std::time::Duration) -> std::io::Result<()> {
        let tasks = PathBuf::from(format!("/proc/{}/task", self.child.id()));
        if !Path::new("/proc/self/task").is_dir() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        loop {
            let mut all_stopped = true;
            for task in fs::read_dir(&tasks)? {
                let stat = fs::read_to_string(task?.path().join("stat")).unwrap_or_default();
                // `pid (comm) S ...`: the state follows the last ')'.
                let state = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.trim().chars().next());
                all_stopped &= matches!(state, Some('T' | 't') | None);
            }
            if all_stopped {
                return Ok(());
            }
            if started.elapsed() > bound {
                return Err(std::io::Error::other(format!(
                    "the server's threads did not all stop within {bound:?}"
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Kills the server and everything in its process group, and reaps the server. Killing
    /// `self.child` by PID is safe: it is this process's child and not reaped yet, so its PID
    /// cannot have been reused.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        // The guard kills what is left of the group (children of the server) and itself.
        drop(self.pipe.take());
        let _ = self.child.wait();
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Removes a directory when dropped, or, through a helper process, when this process dies
/// without dropping it.
#[derive(Debug)]
pub(crate) struct DirCleaner {
    dir: PathBuf,
    helper: Option<Child>,
}

impl DirCleaner {
    /// Starts the helper for `dir` (on Unix; elsewhere only the drop removes it).
    pub(crate) fn new(dir: &Path) -> DirCleaner {
        DirCleaner {
            dir: dir.to_owned(),
            helper: spawn_cleaner(dir.as_os_str()),
        }
    }
}

impl Drop for DirCleaner {
    fn drop(&mut self) {
        if let Some(mut helper) = self.helper.take() {
            // Our own unreaped child, blocked reading its pipe: safe to kill by PID.
            let _ = helper.kill();
            let _ = helper.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn spawn_cleaner(dir: &OsStr) -> Option<Child> {
    use std::os::unix::process::CommandExt;
    // Its own process group: a Ctrl-C to the test run must not stop it before it cleans up.
    Command::new("sh")
        .arg("-c")
        .arg(CLEANER)
        .arg("aistore-testkit-cleaner")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}

#[cfg(not(unix))]
fn spawn_cleaner(_dir: &OsStr) -> Option<Child> {
    None
}

//! Small pieces shared by the local server and the local cluster: ports, private directories
//! and files, random secrets, and a type that keeps secrets out of `Debug`.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// `n` distinct free loopback ports. All are held open until all are chosen, so they differ;
/// another process can still take one before the server binds it (callers retry on
/// "address already in use").
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| format!("cannot find a free loopback port: {e}"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// A new directory `<temp>/<prefix>-<pid>-<random>` with mode 0700.
pub(crate) fn make_temp_dir(prefix: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        &random_hex()?[..12]
    ));
    create_private_dir(&dir)
        .map(|()| dir.clone())
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Creates `dir` (it must not exist) with mode 0700: it holds the server's secret, keys and
/// database, and the server listens on all interfaces.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir(dir)
}

/// Writes `data` to `path` with mode 0600, set before anything is written (also when the file
/// exists from an earlier start, whatever mode it has now).
pub(crate) fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(data)
}

/// The last `n` lines of a file, or a note saying why there are none.
pub(crate) fn tail(path: &Path, n: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.trim_end().lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("({}: {e})", path.display()),
    }
}

/// 32 random hex digits (128 bits from the OS's CSPRNG) for a test server's password, HMAC
/// secret and directory name.
pub(crate) fn random_hex() -> Result<String, String> {
    let bytes = random_bytes::<16>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    use std::io::Read;
    let mut bytes = [0; N];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read random bytes from /dev/urandom: {e}"))?;
    Ok(bytes)
}

#[cfg(not(unix))]
fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    Err("the testkit needs a Unix system: its secrets come from /dev/urandom".into())
}

/// The server's certificate and key, and the CA that signed the certificate.
#[derive(Debug, Clone)]
pub(crate) struct Tls {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    pub(crate) ca: PathBuf,
}

/// A string that must never be printed (the admin password, the HMAC secret): its `Debug`
/// prints `[redacted]`, and it has no `Display`.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) String);

impl Secret {
    /// The secret itself. Never log it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a server or node did not start: a port taken between choosing and binding it (worth
/// another try on other ports), or anything else.
pub(crate) enum StartFailure {
    PortTaken(String),
    Other(String),
}

/// Runs `start` up to three times while it fails only because a port it chose was taken
/// before it could bind it; the last error's message otherwise.
pub(crate) fn retry_if_port_taken<T>(
    mut start: impl FnMut() -> Result<T, StartFailure>,
) -> Result<T, String> {
    let mut last_error = String::new();
    for _ in 0..3 {
        match start() {
            Ok(started) => return Ok(started),
            Err(StartFailure::PortTaken(msg)) => last_error = msg,
            Err(StartFailure::Other(msg)) => return Err(msg),
        }
    }
    Err(last_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_redacted() {
        let s = Secret("hunter2".into());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn random_hex_is_32_hex_digits_and_differs() {
        let (a, b) = (random_hex().unwrap(), random_hex().unwrap());
        for h in [&a, &b] {
            assert_eq!(h.len(), 32, "{h}");
            assert!(
                h.bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{h}"
            );
        }
        assert_ne!(a, b);
    }

    #[test]
    fn free_ports_differ() {
        let ports = free_ports(6).unwrap();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 6, "{ports:?}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = make_temp_dir("aistore-testkit-unit").unwrap();
        let file = dir.join("log");
        fs::write(&file, "a\nb\nc\nd\n").unwrap();
        assert_eq!(tail(&file, 2), "c\nd");
        assert_eq!(tail(&file, 10), "a\nb\nc\nd");
        assert!(tail(&dir.join("missing"), 2).contains("missing"));
        fs::remove_dir_all(&dir).unwrap();
    }
}

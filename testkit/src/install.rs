//! Getting the Go binaries the testkit runs: `authn` and `aisnode`, both from the module
//! `github.com/NVIDIA/aistore` (at [`AUTHN_VERSION`] unless a server asks for another
//! version), built once per version into a cache and shared by every test process (a lock
//! file makes concurrent callers build once).

use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

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
/// The variable that names another AuthN version for [`LocalServer`](crate::LocalServer)s
/// started without [`LocalServerBuilder::version`](crate::LocalServerBuilder::version).
pub(crate) const AUTHN_VERSION_VAR: &str = "AISTORE_AUTHN_VERSION";
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
/// The Go package of the AIStore node that [`LocalCluster`](crate::LocalCluster) runs (proxy
/// and target), built from the same module and version as the AuthN server.
///
/// # Example
/// ```
/// use aistore_authn_testkit::{AISNODE_PACKAGE, AUTHN_VERSION};
///
/// assert!(AISNODE_PACKAGE.ends_with("/cmd/aisnode"));
/// println!("go install {AISNODE_PACKAGE}@{AUTHN_VERSION}");
/// ```
pub const AISNODE_PACKAGE: &str = "github.com/NVIDIA/aistore/cmd/aisnode";

/// How long a second process waits for another's install to finish.
const INSTALL_WAIT: Duration = Duration::from_secs(20 * 60);

/// One binary built from the AIStore module.
pub(crate) struct GoBinary {
    /// The file name, and the cache directory's prefix (`<name>-<version>/<name>`).
    pub(crate) name: &'static str,
    /// The Go package, as given to `go install`.
    pub(crate) package: &'static str,
    /// The variable that names an existing binary instead of installing one.
    pub(crate) env_var: &'static str,
    /// What it is, for messages ("the AuthN server").
    pub(crate) what: &'static str,
    /// The Go variable `-ldflags -X` sets to `<version>-testkit`, if any.
    pub(crate) build_var: Option<&'static str>,
    /// Other ways around a missing Go, for the error message.
    pub(crate) alternatives: &'static str,
}

/// The AuthN server.
pub(crate) const AUTHN: GoBinary = GoBinary {
    name: "authn",
    package: AUTHN_PACKAGE,
    env_var: "AUTHN_BIN",
    what: "the AuthN server",
    build_var: None,
    alternatives: ", or set AIS_AUTHN_URL and AIS_AUTHN_SU_PASS to test against a running server",
};

/// The AIStore node (proxy and target). No build tags: no cloud backends, which tests do not
/// want anyway. `main.build` only names the build in the node's version string.
pub(crate) const AISNODE: GoBinary = GoBinary {
    name: "aisnode",
    package: AISNODE_PACKAGE,
    env_var: "AISNODE_BIN",
    what: "the AIStore node (aisnode)",
    build_var: Some("main.build"),
    alternatives: "",
};

/// The AuthN version a server starts at when its builder names none: `$AISTORE_AUTHN_VERSION`
/// if set and not empty, else [`AUTHN_VERSION`].
pub(crate) fn default_version() -> String {
    std::env::var(AUTHN_VERSION_VAR)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| AUTHN_VERSION.to_owned())
}

/// Checks that `version` is an exact module version (`v1.4.9`, `v1.5.0-rc1`): the Go proxy
/// refuses this module's version list, so `latest`, branches and ranges cannot be resolved,
/// and the version names a cache directory.
pub(crate) fn check_version(version: &str) -> Result<(), String> {
    let exact = version
        .strip_prefix('v')
        .and_then(|rest| rest.split(['-', '+']).next())
        .is_some_and(|core| {
            let parts: Vec<&str> = core.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b));
    if exact {
        Ok(())
    } else {
        Err(format!(
            "AuthN version {version:?} is not an exact module version such as {AUTHN_VERSION} or \
             v1.4.9: the Go module proxy does not list this module's versions, so only exact \
             ones can be installed (check {AUTHN_VERSION_VAR} and LocalServerBuilder::version)"
        ))
    }
}

/// The binary at `version`: `$<env_var>` if set, else the cached build, building it first if
/// there is none. Concurrent callers (parallel test binaries) build it once.
pub(crate) fn binary(b: &GoBinary, version: &str) -> Result<PathBuf, String> {
    check_version(version)?;
    if let Some(bin) = std::env::var_os(b.env_var) {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!(
                "{}={} is not a file: point it at an {} {version} binary, or unset it to \
                 have Go build one",
                b.env_var,
                bin.display(),
                b.name,
            ))
        };
    }
    let cache = cache_dir()?;
    let bin = cache.join(format!("{}-{version}", b.name)).join(b.name);
    let lock = cache.join(format!("{}-{version}.lock", b.name));
    let deadline = Instant::now() + INSTALL_WAIT;
    loop {
        if bin.is_file() {
            return Ok(bin);
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => {
                let _ = fs::write(&lock, std::process::id().to_string());
                let installed = go_install(b, version, &cache, &bin);
                let _ = fs::remove_file(&lock);
                return installed.map(|()| bin);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                if lock_is_stale(&lock) {
                    let _ = fs::remove_file(&lock);
                } else if Instant::now() > deadline {
                    return Err(format!(
                        "another process has been building {} for {} minutes; if none is, \
                         remove {}",
                        b.what,
                        INSTALL_WAIT.as_secs() / 60,
                        lock.display()
                    ));
                } else {
                    sleep(Duration::from_millis(500));
                }
            }
            Err(e) => {
                return Err(format!(
                    "cannot create {}: {e}; set AISTORE_AUTHN_CACHE_DIR to a writable directory",
                    lock.display()
                ))
            }
        }
    }
}

/// Runs `go install <package>@<version>` and moves the binary to `bin`.
///
/// `go install pkg@version` reads the module's version list to check for deprecation. Some
/// module proxies refuse that list while serving the version itself. So the version is
/// downloaded first (an exact version needs no list), and a local file proxy in front of the
/// configured one serves the list with that version, and the version's .info and .mod:
/// missing those, the go command would fall through to the next proxy for the whole lookup,
/// list included. Everything else comes from the configured proxy. Each version has a file
/// proxy of its own, so that builds of two versions at once do not change each other's list.
/// Both binaries come from the same module, so the second one reuses the first one's
/// download.
fn go_install(b: &GoBinary, version: &str, cache: &Path, bin: &Path) -> Result<(), String> {
    let go = std::env::var_os("GO").unwrap_or_else(|| OsString::from("go"));
    let fix = format!(
        "Fix: install Go >= 1.26 from https://go.dev/dl (distribution packages are often older), \
         or set {} to an {} {version} binary{}.",
        b.env_var, b.name, b.alternatives
    );
    let target = format!("{}@{version}", b.package);
    let upstream = match Command::new(&go).args(["env", "GOPROXY"]).output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => {
            return Err(format!(
                "`go env GOPROXY` failed: {}\n{fix}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot run `{}`: {e}. {} is built with Go (go install {target}).\n{fix}",
                go.to_string_lossy(),
                capitalized(b.what),
            ))
        }
    };
    let module = format!("github.com/NVIDIA/aistore@{version}");
    let shim = cache.join(format!("goproxy-shim-{version}"));
    let version_dir = shim.join("github.com/!n!v!i!d!i!a/aistore/@v");
    let gobin = cache.join(format!("{}-{version}.tmp-{}", b.name, std::process::id()));
    let io_fail = |e: std::io::Error| {
        format!(
            "cannot write to {}: {e}; set AISTORE_AUTHN_CACHE_DIR to a writable directory",
            cache.display()
        )
    };
    fs::create_dir_all(&version_dir)
        .and_then(|()| {
            write_replacing(&version_dir.join("list"), format!("{version}\n").as_bytes())
        })
        .and_then(|()| fs::create_dir_all(&gobin))
        .map_err(io_fail)?;
    let proxy = match upstream.as_str() {
        "" => format!("file://{},https://proxy.golang.org,direct", shim.display()),
        up => format!("file://{},{up}", shim.display()),
    };
    log::info!("building {}: go install {target}", b.what);
    let started = Instant::now();
    let download = Command::new(&go)
        .args(["mod", "download", "-json", &module])
        .current_dir(cache)
        .env("GOPROXY", &proxy)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `go mod download`: {e}\n{fix}"))?;
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Downloaded {
        info: PathBuf,
        go_mod: PathBuf,
    }
    let downloaded: Downloaded = match serde_json::from_slice(&download.stdout) {
        Ok(d) if download.status.success() => d,
        _ => {
            return Err(format!(
                "`go mod download {module}` failed ({}):\n{}{}\n{fix}",
                download.status,
                String::from_utf8_lossy(&download.stdout).trim(),
                String::from_utf8_lossy(&download.stderr).trim()
            ))
        }
    };
    fs::read(&downloaded.info)
        .and_then(|info| write_replacing(&version_dir.join(format!("{version}.info")), &info))
        .and_then(|()| fs::read(&downloaded.go_mod))
        .and_then(|go_mod| write_replacing(&version_dir.join(format!("{version}.mod")), &go_mod))
        .map_err(io_fail)?;
    let ldflags = b
        .build_var
        .map(|var| format!("-ldflags=-X {var}={version}-testkit"));
    let out = Command::new(&go)
        .arg("install")
        .args(ldflags)
        .arg(&target)
        .env("GOBIN", &gobin)
        .env("GOPROXY", proxy)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `go install`: {e}\n{fix}"))?;
    let built = gobin.join(b.name);
    if !out.status.success() || !built.is_file() {
        let _ = fs::remove_dir_all(&gobin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(format!(
            "`go install {target}` failed ({}):\n{}\n{fix}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    let moved =
        fs::create_dir_all(bin.parent().unwrap_or(cache)).and_then(|()| fs::rename(&built, bin));
    let _ = fs::remove_dir_all(&gobin);
    moved.map_err(|e| format!("cannot move {} to {}: {e}", b.name, bin.display()))?;
    log::info!(
        "built {} in {} s",
        bin.display(),
        started.elapsed().as_secs()
    );
    Ok(())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Writes `path` through a temporary file and a rename, so that a go command reading the file
/// proxy while another test process writes it never sees half a file.
fn write_replacing(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = path.with_file_name(name);
    let written = fs::write(&tmp, data).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

fn cache_dir() -> Result<PathBuf, String> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = env("AISTORE_AUTHN_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("aistore-authn")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("aistore-authn")))
        .ok_or_else(|| {
            "no cache directory for the AIStore binaries: set AISTORE_AUTHN_CACHE_DIR or HOME"
                .to_owned()
        })?;
    fs::create_dir_all(&dir)
        .and_then(|()| dir.canonicalize())
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// A lock whose owner is gone (Linux: no such process), or that is older than the install wait.
fn lock_is_stale(lock: &Path) -> bool {
    let owner_gone = fs::read_to_string(lock)
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        .is_some_and(|pid| {
            Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
        });
    let too_old = fs::metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > INSTALL_WAIT);
    owner_gone || too_old
}

#[cfg(test)]
mod tests {
    use super::check_version;

    #[test]
    fn only_exact_versions_are_accepted() {
        for good in [
            "v1.5.0",
            "v1.4.9",
            "v1.4.10",
            "v1.5.0-rc1",
            "v2.0.0+incompatible",
        ] {
            assert_eq!(check_version(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "latest",
            "v1.4",
            "1.4.9",
            "v1.4.x",
            "v1..4",
            "v1.4.9/../x",
            "v1.4.9 ",
            "master",
        ] {
            let e = check_version(bad).unwrap_err();
            assert!(e.contains("not an exact module version"), "{bad}: {e}");
        }
    }
}

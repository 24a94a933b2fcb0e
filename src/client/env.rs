//! Settings from the environment, the `ais` CLI's configuration file and its token file, read
//! the way the `ais` CLI v1.5.0 reads them.
//!
//! [`Client::from_env`](crate::Client::from_env) configures a client as the `ais` CLI v1.5.0
//! configures itself: from the environment and the CLI's own files in `<home>/.config/ais/cli/`
//! ([`cli_config_dir`]). After `ais config cli set auth.url …` and `ais auth login`,
//! `from_env()` works with nothing else set; it sends no request.
//!
//! ```no_run
//! // After `ais auth login alice` (AIS_AUTHN_URL set, or auth.url in cli.json):
//! let client = aistore_authn::Client::from_env()?;
//! println!("logged in as {}", client.whoami()?.user.id);
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! Where both are set, the environment wins, as for the CLI. Empty or blank variables count as
//! unset.
//!
//! | setting | environment | `cli.json` | notes |
//! |---|---|---|---|
//! | AuthN URL | `AIS_AUTHN_URL` | `auth.url` | one is required; a URL that is not `http(s)://host[:port][/path]` is an error naming its source |
//! | token | `AIS_AUTHN_TOKEN`, else the file `AIS_AUTHN_TOKEN_FILE` | else `auth.token` beside `cli.json` | a token file that does not exist means "not logged in"; one that exists must be `{"token": "..."}`, at most 64 KiB ([`MAX_TOKEN_FILE_BYTES`]) |
//! | CA certificates for `https://` | `AIS_CLIENT_CA` | `cluster.client_ca_tls` | a PEM file, read by `build()`; it replaces the built-in roots |
//! | no certificate verification | `AIS_SKIP_VERIFY_CRT` | `cluster.skip_verify_crt` | `true`/`false` in Go's spellings (`1`, `t`, `yes`, `on`, ...); anything else is an error; logs a warning when on |
//! | client certificate (mutual TLS) | `AIS_CRT`, `AIS_CRT_KEY` | `cluster.client_crt`, `cluster.client_crt_key` | PEM files; both or neither |
//!
//! The three TLS rows are used for `https://` URLs only: a plain-`http://` set-up may carry them
//! unused, and a bad `AIS_SKIP_VERIFY_CRT` is then ignored. A bad setting is
//! [`Error::Config`](crate::Error::Config) naming the variable or file at fault (never a proxy's
//! or a token's value); a file that exists but cannot be read or written (`cli.json`, the token
//! file, a certificate) is [`Error::ConfigFile`](crate::Error::ConfigFile) with its path and the
//! `io::Error` as `source()`.
//!
//! [`Settings`] holds what was found as a value: [`Settings::from_env`] reads this process's
//! environment and the CLI directory, [`Settings::from_vars`]`(lookup, cli_dir)` a lookup of
//! your own and a CLI directory of your choice (`None`: no files), for tests and for tools whose
//! flags override the variables. Change any field (`url`, `token` as a [`TokenSource`],
//! `ca_file`, `skip_verify`, ...), then [`Settings::into_builder`]. `cli.json` is read at once;
//! the token file when the builder is made; certificate files by `build()`.
//!
//! ```
//! use std::collections::HashMap;
//! use aistore_authn::env::{Settings, TokenSource};
//!
//! let vars = HashMap::from([("AIS_AUTHN_URL", "http://127.0.0.1:52001")]);
//! let mut settings = Settings::from_vars(|name| vars.get(name).map(|v| v.to_string()), None)?;
//! settings.token = TokenSource::None; // anonymous, whatever the environment says
//! let client = settings.into_builder()?.build()?;
//! assert_eq!(client.token(), None);
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! The home directory is the one `/etc/passwd` gives the user this process runs as (the owner
//! of `/proc/self`, read directly, as Go's `user.Current()` does without cgo), else `$HOME`;
//! users known only through NSS (LDAP, ...) get `$HOME`.
//!
//! Other directories and files:
//!
//! - [`Client::builder_from_cli_dir`](crate::Client::builder_from_cli_dir)`(Some(dir))` does the
//!   same with another CLI directory (a second profile); `None` reads no files, only the
//!   environment (or use `Settings::from_vars` with that directory). [`Client::builder_from_env`](crate::Client::builder_from_env) returns the
//!   builder `from_env` uses, to change other settings before `build()`.
//! - [`CliConfig::load`]`(dir)` reads `cli.json` itself (the `auth` and `cluster` sections; the
//!   rest is ignored); [`token_file_path`] is where the CLI keeps its login;
//!   [`load_token_file`] reads one.
//! - [`save_token_file`]`(path, token)` writes a login where the CLI finds it: atomically,
//!   through a new temporary file with mode 0600 from its creation, renamed over the old one;
//!   missing directories are created. A Rust tool and `ais` then share one login:
//!
//! ```no_run
//! use aistore_authn::{env, Client};
//!
//! let mut client = Client::new("http://127.0.0.1:52001")?;
//! let token = client.login("alice", "s3cret", None)?;
//! // `ais` (and `ais-authn`, and `Client::from_env`) are now logged in as alice too.
//! env::save_token_file(&env::token_file_path().expect("a home directory"), token.as_str())?;
//! # Ok::<(), aistore_authn::Error>(())
//! ```
//!
//! ## Proxies
//!
//! Every client, not only `from_env`'s, takes its proxy from the environment as Go's and curl's
//! clients choose one:
//!
//! - `HTTPS_PROXY` for `https://` targets, `HTTP_PROXY` for `http://` ones (either case), else
//!   `ALL_PROXY` (either case);
//! - **never for loopback targets** (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), whatever
//!   is set;
//! - not for targets `NO_PROXY` (or `no_proxy`) names, read as Go's `httpproxy` (and so the
//!   `ais` CLI) reads it: `*`; a domain (`corp.example`: it and its subdomains; `.corp.example`
//!   or `*.corp.example`: its subdomains); an IP address (`10.1.2.3`, `fd00::1`); an IPv4 or
//!   IPv6 CIDR range (`10.0.0.0/8`, `fd00::/8`); each with an optional port (`host:8080`,
//!   `[fd00::1]:8080`) that must then be the target's (80 or 443 when the URL has none).
//!
//! ureq alone would use the first of those variables whatever the target's scheme, loopback
//! included. A proxy variable that is not a proxy URL (`http://host:port`, `socks5://…`) is an
//! [`Error::Config`](crate::Error::Config) naming the variable, not its value (it may hold
//! credentials). [`ClientBuilder::proxy_from_env`](crate::ClientBuilder::proxy_from_env)`(false)`
//! connects directly.
//!
//! Tests: `tests/it/env.rs` (run as any user, through `Settings::from_vars` and explicit CLI
//! directories; proxies in child processes with their own environment, with a proxy that must
//! see no request), the unit tests in `src/client/env.rs` and `src/client/settings.rs`, and the
//! proxy tests in `src/transport/proxy.rs`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::client::settings::{Settings, TokenSource};
use crate::error::Error;
use crate::secret::random_id;

/// The AuthN base URL.
pub const ENV_URL: &str = "AIS_AUTHN_URL";
/// A token (the JWT itself).
pub const ENV_TOKEN: &str = "AIS_AUTHN_TOKEN";
/// The path of a token file, `{"token": "..."}`.
pub const ENV_TOKEN_FILE: &str = "AIS_AUTHN_TOKEN_FILE";
/// A PEM file with the CA certificate(s) to trust for `https://`.
pub const ENV_CLIENT_CA: &str = "AIS_CLIENT_CA";
/// `true` (or `1`, `yes`, `on`, ...) to skip TLS certificate verification.
pub const ENV_SKIP_VERIFY: &str = "AIS_SKIP_VERIFY_CRT";
/// A PEM file with the client certificate (chain) for mutual TLS.
pub const ENV_CLIENT_CERT: &str = "AIS_CRT";
/// A PEM file with the client certificate's private key.
pub const ENV_CLIENT_CERT_KEY: &str = "AIS_CRT_KEY";

/// The name of the CLI's configuration file in [`cli_config_dir`].
pub const CLI_CONFIG_FILE: &str = "cli.json";
/// The name of the CLI's token file in [`cli_config_dir`].
pub const CLI_TOKEN_FILE: &str = "auth.token";

/// The largest token file read: a token is a few hundred bytes, so anything near this is not
/// one.
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The `ais` CLI's configuration directory, `<home>/.config/ais/cli`, with the home directory
/// found as the CLI finds it: the user database's entry for this process's user
/// (`/etc/passwd` on Unix), else `$HOME`. `None` when neither gives one.
///
/// # Example
/// ```
/// if let Some(dir) = aistore_authn::env::cli_config_dir() {
///     println!("the ais CLI keeps its config in {}", dir.join("cli.json").display());
/// }
/// ```
pub fn cli_config_dir() -> Option<PathBuf> {
    home_dir().map(|home| home.join(".config").join("ais").join("cli"))
}

/// The home directory of the user this process runs as, from the user database, else `$HOME`.
fn home_dir() -> Option<PathBuf> {
    user_database_home().or_else(|| var("HOME").map(PathBuf::from))
}

/// The home directory `/etc/passwd` gives this process's user, found by the owner of
/// `/proc/self` (no libc call needed), as Go's `user.Current()` reads it without cgo.
#[cfg(unix)]
fn user_database_home() -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let uid = fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [_, _, id, _, _, home, ..] if *id == uid && !home.is_empty() => {
                Some(PathBuf::from(home))
            }
            _ => None,
        }
    })
}

#[cfg(not(unix))]
fn user_database_home() -> Option<PathBuf> {
    None
}

/// The token file the `ais` CLI writes on `ais auth login`: `$AIS_AUTHN_TOKEN_FILE`, else
/// `auth.token` in [`cli_config_dir`]. `None` when there is neither.
///
/// # Example
/// ```
/// if let Some(path) = aistore_authn::env::token_file_path() {
///     println!("the ais CLI keeps its token in {}", path.display());
/// }
/// ```
pub fn token_file_path() -> Option<PathBuf> {
    var(ENV_TOKEN_FILE)
        .map(PathBuf::from)
        .or_else(|| cli_config_dir().map(|dir| dir.join(CLI_TOKEN_FILE)))
}

/// The parts of the `ais` CLI's `cli.json` this crate uses (the CLI's `auth` and `cluster`
/// sections; the rest of the file is ignored).
///
/// # Example
/// ```
/// let dir = std::env::temp_dir().join(format!("ais-cli-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("cli.json"), r#"{"auth": {"url": "https://authn:52001"},
///     "cluster": {"client_ca_tls": "/etc/ais/ca.pem", "skip_verify_crt": false}}"#)?;
/// let config = aistore_authn::env::CliConfig::load(&dir)?.expect("the file exists");
/// assert_eq!(config.auth_url.as_deref(), Some("https://authn:52001"));
/// assert_eq!(config.client_ca.as_deref(), Some(std::path::Path::new("/etc/ais/ca.pem")));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CliConfig {
    /// `auth.url`: the AuthN server.
    pub auth_url: Option<String>,
    /// `cluster.client_ca_tls`: a PEM file with the CA certificate(s) to trust.
    pub client_ca: Option<PathBuf>,
    /// `cluster.client_crt`: a PEM file with the client certificate for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// `cluster.client_crt_key`: a PEM file with that certificate's private key.
    pub client_cert_key: Option<PathBuf>,
    /// `cluster.skip_verify_crt`: accept any server certificate.
    pub skip_verify: bool,
}

/// `cli.json` as the CLI writes it; every field may be missing.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CliFile {
    auth: CliAuth,
    cluster: CliCluster,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CliAuth {
    url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CliCluster {
    client_crt: String,
    client_crt_key: String,
    client_ca_tls: String,
    skip_verify_crt: bool,
}

impl CliConfig {
    /// Reads `cli.json` from `dir` (an `ais` CLI configuration directory, e.g.
    /// [`cli_config_dir`]). `Ok(None)` when the file does not exist, as for a CLI that has
    /// never run. Empty strings in the file count as unset.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] when the file exists but cannot be read; [`Error::Config`] naming
    /// the file when it is not the CLI's JSON.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::env::{cli_config_dir, CliConfig};
    ///
    /// let dir = cli_config_dir().expect("a home directory");
    /// if let Some(config) = CliConfig::load(&dir)? {
    ///     println!("AuthN at {:?}", config.auth_url);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn load(dir: &Path) -> Result<Option<CliConfig>, Error> {
        let path = dir.join(CLI_CONFIG_FILE);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::config_file("read the ais CLI config", &path, e)),
        };
        let file: CliFile = serde_json::from_slice(&text).map_err(|e| {
            Error::Config(format!(
                "the ais CLI config {} is not valid: {e}",
                path.display()
            ))
        })?;
        let set = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Some(CliConfig {
            auth_url: set(file.auth.url),
            client_ca: set(file.cluster.client_ca_tls).map(PathBuf::from),
            client_cert: set(file.cluster.client_crt).map(PathBuf::from),
            client_cert_key: set(file.cluster.client_crt_key).map(PathBuf::from),
            skip_verify: file.cluster.skip_verify_crt,
        }))
    }
}

/// The token file's format, shared with the `ais` CLI: `{"token": "..."}`.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    token: String,
}

/// Reads the token from a token file (`{"token": "..."}`).
///
/// # Errors
/// [`Error::ConfigFile`] when the file cannot be read (its
/// [`source`](std::error::Error::source) is the [`std::io::Error`]: `NotFound` for a missing
/// file); [`Error::Config`] naming the file when it is larger than [`MAX_TOKEN_FILE_BYTES`]
/// (64 KiB), is not that JSON, or holds an empty token or one an HTTP header cannot carry.
///
/// # Example
/// ```
/// let path = std::env::temp_dir().join(format!("authn-doc-{}.token", std::process::id()));
/// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
/// std::fs::write(&path, format!(r#"{{"token": "{jwt}"}}"#))?;
/// assert_eq!(aistore_authn::env::load_token_file(&path)?, jwt);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_token_file(path: &Path) -> Result<String, Error> {
    let shown = path.display();
    let mut text = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(MAX_TOKEN_FILE_BYTES + 1).read_to_end(&mut text))
        .map_err(|e| Error::config_file("read the token file", path, e))?;
    if text.len() as u64 > MAX_TOKEN_FILE_BYTES {
        return Err(Error::Config(format!(
            "token file {shown} is larger than {} KiB: not a token file",
            MAX_TOKEN_FILE_BYTES / 1024
        )));
    }
    let file: TokenFile = serde_json::from_slice(&text).map_err(|_| {
        Error::Config(format!(
            "token file {shown} is not JSON like {{\"token\": \"...\"}}"
        ))
    })?;
    let token = file.token.trim();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Config(format!(
            "token file {shown} holds an empty token or one with spaces or non-ASCII characters"
        )));
    }
    Ok(token.to_owned())
}

/// Writes `token` to a token file in the `ais` CLI's format, so the CLI and a Rust tool share a
/// login. The write is atomic (a new temporary file, mode 0600 from its creation, renamed over
/// the old one), and missing parent directories are created.
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty token; [`Error::ConfigFile`] with the path and the
/// I/O error when it cannot be written.
///
/// # Example
/// ```no_run
/// use aistore_authn::{env, Client};
///
/// let mut client = Client::new("http://127.0.0.1:52001")?;
/// let token = client.login("alice", "s3cret", None)?;
/// // The ais CLI is now logged in as alice too.
/// env::save_token_file(&env::token_file_path().expect("HOME is set"), token.as_str())?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
pub fn save_token_file(path: &Path, token: &str) -> Result<(), Error> {
    if token.trim().is_empty() {
        return Err(Error::InvalidArgument("the token to save is empty".into()));
    }
    let fail = |e| Error::config_file("write the token file", path, e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let body = serde_json::to_vec(&TokenFile {
        token: token.to_owned(),
    })
    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    replace_private_file(path, &body).map_err(fail)
}

/// Writes `body` to `path` (whose directory exists) readable and writable by its owner only,
/// replacing what is there in one rename, so a reader never sees half a file; then makes the
/// rename durable where the platform lets a directory be opened.
pub(crate) fn replace_private_file(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", random_id()));
    let written = write_new_private(&tmp, body).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates `path`, which must not exist yet (so no existing file or link is reused), readable
/// and writable by its owner only, and writes `body` to disk.
fn write_new_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(body)?;
    file.sync_all()
}

/// A non-empty environment variable.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_round_trip_mode_and_errors() {
        let dir = std::env::temp_dir().join(format!("authn-tokfile-{}", std::process::id()));
        let path = dir.join("nested/auth.token");
        save_token_file(&path, "eyJa.b.c").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            r#"{"token":"eyJa.b.c"}"#
        );
        assert_eq!(load_token_file(&path).unwrap(), "eyJa.b.c");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        save_token_file(&path, "eyJx.y.z").unwrap();
        assert_eq!(load_token_file(&path).unwrap(), "eyJx.y.z", "overwrites");
        assert!(matches!(
            save_token_file(&path, " "),
            Err(Error::InvalidArgument(_))
        ));

        for (content, want) in [("nope", "not JSON"), (r#"{"token":""}"#, "empty token")] {
            fs::write(&path, content).unwrap();
            let e = load_token_file(&path).unwrap_err();
            assert!(
                matches!(&e, Error::Config(m) if m.contains(want) && m.contains("auth.token")),
                "{e}"
            );
        }
        let e = load_token_file(&dir.join("missing")).unwrap_err();
        assert!(
            matches!(&e, Error::ConfigFile { path, source, .. }
                if path.ends_with("missing") && source.kind() == std::io::ErrorKind::NotFound),
            "{e:?}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}

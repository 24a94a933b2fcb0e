//! Settings from the environment and the token file, shared with the `ais` CLI and the Go
//! client.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::client::{Client, ClientBuilder};
use crate::error::Error;
use crate::retry::random_u64;
use crate::transport::normalize_base_url;

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

/// The token file the `ais` CLI writes on `ais auth login`: `$AIS_AUTHN_TOKEN_FILE`, else
/// `$HOME/.config/ais/cli/auth.token`. `None` when neither variable is set.
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
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".config/ais/cli/auth.token")))
}

/// The token file's format, shared with the `ais` CLI: `{"token": "..."}`.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    token: String,
}

/// Reads the token from a token file (`{"token": "..."}`).
///
/// # Errors
/// [`Error::Config`] naming the file when it cannot be read, is not that JSON, or holds an
/// empty token or one an HTTP header cannot carry.
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
    let text = fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read token file {shown}: {e}")))?;
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
/// [`Error::InvalidArgument`] for an empty token; [`Error::Config`] naming the file when it
/// cannot be written.
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
    let fail = |e: std::io::Error| {
        Error::Config(format!("cannot write token file {}: {e}", path.display()))
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let body = serde_json::to_vec(&TokenFile {
        token: token.to_owned(),
    })
    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{:016x}.tmp", random_u64()));
    let written = write_new_private(&tmp, &body).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(fail)?;
    // Make the rename itself durable; not every platform can open a directory, so best effort.
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

impl Client {
    /// A client configured the way the `ais` CLI and the Go client are:
    ///
    /// - URL from `AIS_AUTHN_URL` (required);
    /// - token from `AIS_AUTHN_TOKEN`, else from the file `AIS_AUTHN_TOKEN_FILE`, else from
    ///   `$HOME/.config/ais/cli/auth.token`; none when the file does not exist (not logged in,
    ///   as the `ais` CLI sees it), an error when it exists but holds no valid token;
    /// - TLS, for an `https://` URL: CA certificates from the PEM file `AIS_CLIENT_CA`, and no
    ///   verification when `AIS_SKIP_VERIFY_CRT` is true.
    ///
    /// Sends no request. Use [`Client::builder_from_env`] to change other settings first.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or file that is missing or malformed.
    ///
    /// # Example
    /// ```no_run
    /// // With AIS_AUTHN_URL set, after `ais auth login alice`:
    /// let client = aistore_authn::Client::from_env()?;
    /// println!("logged in as {}", client.whoami()?.user.id);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// The builder [`Client::from_env`] uses, to adjust before `build()`.
    ///
    /// # Errors
    /// As [`Client::from_env`], except that the file `AIS_CLIENT_CA` names is read, and its
    /// errors returned, by [`build`](ClientBuilder::build).
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder_from_env()?
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        let url = var(ENV_URL).ok_or_else(|| Error::Config(format!("{ENV_URL} is not set")))?;
        normalize_base_url(&url).map_err(|e| Error::Config(format!("{ENV_URL}: {e}")))?;
        let mut builder = Client::builder(&url);
        let token = match (var(ENV_TOKEN), token_file_path()) {
            (Some(token), _) => {
                if !token.trim().bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::Config(format!(
                        "{ENV_TOKEN} has spaces or non-ASCII characters inside the token"
                    )));
                }
                Some(token.trim().to_owned())
            }
            // A missing file means "not logged in", as for the ais CLI (whose login creates
            // it); a file that is there must hold a token.
            (None, Some(file)) if file.exists() => Some(load_token_file(&file)?),
            (None, _) => None,
        };
        if let Some(token) = token {
            builder = builder.token(token);
        }
        // TLS settings matter only for https; a plain-http set-up may carry them unused.
        if url.starts_with("https://") {
            if let Some(ca) = var(ENV_CLIENT_CA) {
                builder = builder.ca_cert_file(ca);
            }
            if let Some(skip) = var(ENV_SKIP_VERIFY) {
                builder = builder.skip_verify(parse_bool(ENV_SKIP_VERIFY, &skip)?);
            }
        }
        Ok(builder)
    }
}

/// A non-empty environment variable.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The boolean spellings Go's `strconv.ParseBool` and the AIS tools accept.
fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "y" | "yes" | "on" => Ok(true),
        "0" | "f" | "false" | "n" | "no" | "off" => Ok(false),
        _ => Err(Error::Config(format!(
            "{name}={value:?} is not a boolean (true/false)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert!(parse_bool("X", "TRUE").unwrap());
        assert!(parse_bool("X", " yes").unwrap());
        assert!(!parse_bool("X", "0").unwrap());
        let e = parse_bool("AIS_SKIP_VERIFY_CRT", "maybe").unwrap_err();
        assert!(e.to_string().contains("AIS_SKIP_VERIFY_CRT"), "{e}");
    }

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
            matches!(&e, Error::Config(m) if m.contains("missing")),
            "{e}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}

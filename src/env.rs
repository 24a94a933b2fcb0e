//! Settings from the environment and the token file, shared with the `ais` CLI and the Go
//! client.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Client, ClientBuilder, Error};

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
pub fn token_file_path() -> Option<PathBuf> {
    var(ENV_TOKEN_FILE)
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".config/ais/cli/auth.token")))
}

/// Reads the token from a token file (`{"token": "..."}`).
///
/// # Errors
/// [`Error::Config`] naming the file when it cannot be read, is not that JSON, or holds an
/// empty token.
pub fn load_token_file(path: &Path) -> Result<String, Error> {
    #[derive(Deserialize)]
    struct TokenFile {
        token: String,
    }
    let shown = path.display();
    let text = fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read token file {shown}: {e}")))?;
    let file: TokenFile = serde_json::from_slice(&text).map_err(|_| {
        Error::Config(format!(
            "token file {shown} is not JSON like {{\"token\": \"...\"}}"
        ))
    })?;
    if file.token.trim().is_empty() {
        return Err(Error::Config(format!(
            "token file {shown} holds an empty token"
        )));
    }
    Ok(file.token.trim().to_owned())
}

/// Writes `token` to a token file in the `ais` CLI's format, so the CLI and a Rust tool share a
/// login. The write is atomic (a temporary file renamed over the old one), the file's mode is
/// 0600, and missing parent directories are created.
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty token; [`Error::Config`] naming the file when it
/// cannot be written.
pub fn save_token_file(path: &Path, token: &str) -> Result<(), Error> {
    #[derive(Serialize)]
    struct TokenFile<'a> {
        token: &'a str,
    }
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
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let body = serde_json::to_vec(&TokenFile { token })
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let written = write_private(&tmp, &body).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(fail)
}

/// Creates `path` readable and writable by its owner only, and writes `body` to disk.
fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
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
    ///   `$HOME/.config/ais/cli/auth.token` if that file exists, else none;
    /// - TLS: CA certificates from the PEM file `AIS_CLIENT_CA`, and no verification when
    ///   `AIS_SKIP_VERIFY_CRT` is true.
    ///
    /// Sends no request. Use [`Client::builder_from_env`] to change other settings first.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or file that is missing or malformed.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// The builder [`Client::from_env`] uses, to adjust before `build()`.
    ///
    /// # Errors
    /// As [`Client::from_env`].
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        let url = var(ENV_URL).ok_or_else(|| Error::Config(format!("{ENV_URL} is not set")))?;
        let mut builder = Client::builder(&url);
        let token = match (var(ENV_TOKEN), var(ENV_TOKEN_FILE)) {
            (Some(token), _) => Some(token),
            (None, Some(file)) => Some(load_token_file(Path::new(&file))?),
            (None, None) => match token_file_path() {
                Some(default) if default.exists() => Some(load_token_file(&default)?),
                _ => None,
            },
        };
        if let Some(token) = token {
            builder = builder.token(token);
        }
        if let Some(ca) = var(ENV_CLIENT_CA) {
            builder = builder.ca_cert_file(ca);
        }
        if let Some(skip) = var(ENV_SKIP_VERIFY) {
            builder = builder.skip_verify(parse_bool(ENV_SKIP_VERIFY, &skip)?);
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

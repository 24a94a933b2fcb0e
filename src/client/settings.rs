//! The `ais` CLI's settings as a value: read from the environment (or any lookup that stands
//! in for it) and the CLI's `cli.json`, open to change, then turned into a [`ClientBuilder`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::client::env::{
    cli_config_dir, load_token_file, CliConfig, CLI_CONFIG_FILE, CLI_TOKEN_FILE, ENV_CLIENT_CA,
    ENV_CLIENT_CERT, ENV_CLIENT_CERT_KEY, ENV_SKIP_VERIFY, ENV_TOKEN, ENV_TOKEN_FILE, ENV_URL,
};
use crate::client::{Client, ClientBuilder};
use crate::error::Error;
use crate::transport::normalize_base_url;

/// Where the client's token comes from.
///
/// `Debug` never prints the token.
///
/// # Example
/// ```
/// use aistore_authn::env::{Settings, TokenSource};
///
/// let mut settings = Settings::default();
/// settings.url = Some("http://127.0.0.1:52001".into());
/// settings.token = TokenSource::None; // anonymous, whatever the token file holds
/// let client = settings.into_builder()?.build()?;
/// assert_eq!(client.token(), None);
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// No token: the client is anonymous until it logs in.
    #[default]
    None,
    /// This token (the JWT itself), as `AIS_AUTHN_TOKEN` gives it.
    Token(String),
    /// A token file, `{"token": "..."}`, read by [`Settings::into_builder`]; one that does not
    /// exist means "not logged in", as for the `ais` CLI (whose login creates it).
    File(PathBuf),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::None => f.write_str("None"),
            TokenSource::Token(_) => f.write_str("Token([redacted])"),
            TokenSource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// A client's settings as the `ais` CLI v1.5.0 finds them: from the environment and the CLI's
/// `cli.json`, the environment winning. Read them with [`Settings::from_env`], or with
/// [`Settings::from_vars`] from a lookup of your own (tests, a tool whose flags override the
/// variables) and a CLI directory of your choice; change any field; then
/// [`into_builder`](Settings::into_builder).
///
/// Files named here (token, CA, client certificate) are read by `into_builder` and `build`,
/// not when the settings are read; `cli.json` is read at once.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use aistore_authn::env::{Settings, TokenSource};
///
/// let vars = HashMap::from([("AIS_AUTHN_URL", "http://127.0.0.1:52001")]);
/// let mut settings = Settings::from_vars(|name| vars.get(name).map(|v| v.to_string()), None)?;
/// assert_eq!(settings.url.as_deref(), Some("http://127.0.0.1:52001"));
/// settings.token = TokenSource::File("/run/secrets/authn.token".into()); // like -f
/// let client = settings.into_builder()?.build()?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// The AuthN base URL: `AIS_AUTHN_URL`, else `auth.url` in `cli.json`. Required by
    /// [`into_builder`](Settings::into_builder).
    pub url: Option<String>,
    /// The token: `AIS_AUTHN_TOKEN`, else the file `AIS_AUTHN_TOKEN_FILE`, else `auth.token`
    /// in the CLI directory.
    pub token: TokenSource,
    /// A PEM file with the CA certificate(s) to trust: `AIS_CLIENT_CA`, else
    /// `cluster.client_ca_tls`. Used for `https://` URLs only, as are the next three.
    pub ca_file: Option<PathBuf>,
    /// A PEM file with the client certificate for mutual TLS: `AIS_CRT`, else
    /// `cluster.client_crt`. Needs [`client_cert_key`](Settings::client_cert_key).
    pub client_cert: Option<PathBuf>,
    /// A PEM file with that certificate's key: `AIS_CRT_KEY`, else `cluster.client_crt_key`.
    pub client_cert_key: Option<PathBuf>,
    /// Accept any server certificate: `AIS_SKIP_VERIFY_CRT` when set, else
    /// `cluster.skip_verify_crt`.
    pub skip_verify: bool,
    /// The CLI directory the settings were read from, named in errors.
    cli_dir: Option<PathBuf>,
}

impl Settings {
    /// The settings from this process's environment and the `ais` CLI's directory
    /// ([`cli_config_dir`]), as [`Client::from_env`] reads them.
    ///
    /// # Errors
    /// As [`Settings::from_vars`].
    ///
    /// # Example
    /// ```no_run
    /// let mut settings = aistore_authn::env::Settings::from_env()?;
    /// settings.skip_verify = false; // whatever the environment says
    /// let client = settings.into_builder()?.build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn from_env() -> Result<Settings, Error> {
        Settings::from_vars(|name| std::env::var(name).ok(), cli_config_dir().as_deref())
    }

    /// The settings from `vars` (a lookup standing in for the environment: the variable's
    /// value, or `None`; blank values count as unset) and the `ais` CLI's files in `cli_dir`
    /// (`None`: no files), with the CLI's precedence:
    ///
    /// - URL: `AIS_AUTHN_URL`, else `auth.url` in `cli.json`.
    /// - Token: `AIS_AUTHN_TOKEN`, else the file `AIS_AUTHN_TOKEN_FILE`, else `auth.token` in
    ///   `cli_dir`.
    /// - TLS: CA certificates from `AIS_CLIENT_CA`, else `cluster.client_ca_tls`; no
    ///   verification when `AIS_SKIP_VERIFY_CRT` (when set) or `cluster.skip_verify_crt` says
    ///   so; a client certificate and key from `AIS_CRT` / `AIS_CRT_KEY`, else
    ///   `cluster.client_crt` / `cluster.client_crt_key`.
    ///
    /// Reads `cli.json` and nothing else.
    ///
    /// # Errors
    /// [`Error::ConfigFile`] when `cli.json` exists but cannot be read; [`Error::Config`]
    /// naming the variable or file for a `cli.json` that is not the CLI's JSON, a URL that is
    /// not one, and, with an `https://` URL, an `AIS_SKIP_VERIFY_CRT` that is not a boolean
    /// (with a plain-http URL the TLS settings are unused, and a bad one is ignored).
    ///
    /// # Example
    /// ```
    /// let dir = std::env::temp_dir().join(format!("ais-settings-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("cli.json"), r#"{"auth": {"url": "https://authn:52001"},
    ///     "cluster": {"client_ca_tls": "/etc/ais/ca.pem"}}"#)?;
    /// // The environment wins over cli.json.
    /// let vars = |name: &str| (name == "AIS_CLIENT_CA").then(|| "/tmp/ca.pem".to_owned());
    /// let settings = aistore_authn::env::Settings::from_vars(vars, Some(&dir))?;
    /// assert_eq!(settings.url.as_deref(), Some("https://authn:52001"));
    /// assert_eq!(settings.ca_file.as_deref(), Some(std::path::Path::new("/tmp/ca.pem")));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_vars(
        vars: impl Fn(&str) -> Option<String>,
        cli_dir: Option<&Path>,
    ) -> Result<Settings, Error> {
        let var = |name: &str| vars(name).filter(|v| !v.trim().is_empty());
        let file = match cli_dir {
            Some(dir) => CliConfig::load(dir)?,
            None => None,
        }
        .unwrap_or_default();
        let url = match (var(ENV_URL), file.auth_url) {
            (Some(url), _) => {
                normalize_base_url(&url).map_err(|e| Error::Config(format!("{ENV_URL}: {e}")))?;
                Some(url)
            }
            (None, Some(url)) => {
                normalize_base_url(&url).map_err(|e| {
                    Error::Config(format!("auth.url in {}: {e}", config_file(cli_dir)))
                })?;
                Some(url)
            }
            (None, None) => None,
        };
        let token_file = var(ENV_TOKEN_FILE)
            .map(PathBuf::from)
            .or_else(|| cli_dir.map(|d| d.join(CLI_TOKEN_FILE)));
        let token = match (var(ENV_TOKEN), token_file) {
            (Some(token), _) => TokenSource::Token(token.trim().to_owned()),
            (None, Some(file)) => TokenSource::File(file),
            (None, None) => TokenSource::None,
        };
        let https = url.as_deref().is_some_and(|u| u.starts_with("https://"));
        let skip_verify = match var(ENV_SKIP_VERIFY) {
            Some(skip) => match parse_bool(ENV_SKIP_VERIFY, &skip) {
                Ok(skip) => skip,
                Err(e) if https => return Err(e),
                Err(_) => false,
            },
            None => file.skip_verify,
        };
        Ok(Settings {
            url,
            token,
            ca_file: var(ENV_CLIENT_CA).map(PathBuf::from).or(file.client_ca),
            client_cert: var(ENV_CLIENT_CERT).map(PathBuf::from).or(file.client_cert),
            client_cert_key: var(ENV_CLIENT_CERT_KEY)
                .map(PathBuf::from)
                .or(file.client_cert_key),
            skip_verify,
            cli_dir: cli_dir.map(Path::to_owned),
        })
    }

    /// The `ais` CLI directory these settings were read from, if any.
    ///
    /// # Example
    /// ```
    /// let settings = aistore_authn::env::Settings::from_vars(|_| None, None)?;
    /// assert_eq!(settings.cli_dir(), None);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn cli_dir(&self) -> Option<&Path> {
        self.cli_dir.as_deref()
    }

    /// A builder with these settings, to adjust before `build()`. Reads the token file (when
    /// it exists); the TLS settings are kept for an `https://` URL only, and their files are
    /// read by `build()`. Sends no request.
    ///
    /// # Errors
    /// - [`Error::Config`]: no URL; a token with spaces or non-ASCII characters; a token file
    ///   that is over 64 KiB or not `{"token": "..."}` with a usable token; for `https://`, a
    ///   client certificate without its key or the reverse.
    /// - [`Error::ConfigFile`]: a token file that exists but cannot be read.
    ///
    /// # Example
    /// ```
    /// let mut settings = aistore_authn::env::Settings::default();
    /// settings.url = Some("http://127.0.0.1:52001".into());
    /// let client = settings
    ///     .into_builder()?
    ///     .timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn into_builder(self) -> Result<ClientBuilder, Error> {
        let Some(url) = self.url else {
            return Err(Error::Config(format!(
                "{ENV_URL} is not set, and no auth.url in the ais CLI config {}",
                config_file(self.cli_dir.as_deref())
            )));
        };
        let mut builder = Client::builder(&url);
        let token = match self.token {
            TokenSource::Token(token) => {
                if !token.trim().bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::Config(format!(
                        "the token ({ENV_TOKEN}) has spaces or non-ASCII characters inside it"
                    )));
                }
                Some(token.trim().to_owned())
            }
            TokenSource::File(file) if file.exists() => Some(load_token_file(&file)?),
            TokenSource::File(_) | TokenSource::None => None,
        };
        if let Some(token) = token {
            builder = builder.token(token);
        }
        // TLS settings matter only for https; a plain-http set-up may carry them unused.
        if !url.starts_with("https://") {
            return Ok(builder);
        }
        if let Some(ca) = self.ca_file {
            builder = builder.ca_cert_file(ca);
        }
        if self.skip_verify {
            builder = builder.skip_verify(true);
        }
        match (self.client_cert, self.client_cert_key) {
            (Some(cert), Some(key)) => builder = builder.client_cert_file(cert, key),
            (None, None) => {}
            _ => {
                return Err(Error::Config(format!(
                    "a client certificate needs both a certificate and a key: set both \
                     {ENV_CLIENT_CERT} and {ENV_CLIENT_CERT_KEY}, or cluster.client_crt and \
                     cluster.client_crt_key in {}",
                    config_file(self.cli_dir.as_deref())
                )))
            }
        }
        Ok(builder)
    }
}

impl Client {
    /// A client configured the way the `ais` CLI v1.5.0 configures itself, from the
    /// environment and the CLI's files in [`cli_config_dir`]: [`Settings::from_env`], then
    /// [`Settings::into_builder`] and `build()`. Sends no request.
    ///
    /// Use [`Settings`] to change a setting first.
    ///
    /// # Errors
    /// As [`Settings::from_vars`], [`Settings::into_builder`] and [`ClientBuilder::build`].
    ///
    /// # Example
    /// ```no_run
    /// // After `ais auth login alice` (AIS_AUTHN_URL set, or auth.url in cli.json):
    /// let client = aistore_authn::Client::from_env()?;
    /// println!("logged in as {}", client.whoami()?.user.id);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// The builder [`Client::from_env`] uses, to adjust before `build()`:
    /// `Settings::from_env()?.into_builder()`.
    ///
    /// # Errors
    /// As [`Settings::from_vars`] and [`Settings::into_builder`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::builder_from_env()?
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        Settings::from_env()?.into_builder()
    }

    /// A builder configured from this process's environment and the `ais` CLI's files in
    /// `dir` (its configuration directory; `None`: no files):
    /// `Settings::from_vars(|name| std::env::var(name).ok(), dir)?.into_builder()`. See
    /// [`Settings::from_vars`] for what is read and which source wins. Sends no request.
    ///
    /// # Errors
    /// As [`Settings::from_vars`] and [`Settings::into_builder`].
    ///
    /// # Example
    /// ```no_run
    /// // A second ais CLI profile kept in its own directory.
    /// let client = aistore_authn::Client::builder_from_cli_dir(Some("/etc/ais/cli".as_ref()))?
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn builder_from_cli_dir(dir: Option<&Path>) -> Result<ClientBuilder, Error> {
        Settings::from_vars(|name| std::env::var(name).ok(), dir)?.into_builder()
    }
}

/// `cli.json` in `dir`, for messages.
fn config_file(dir: Option<&Path>) -> String {
    match dir {
        Some(dir) => dir.join(CLI_CONFIG_FILE).display().to_string(),
        None => CLI_CONFIG_FILE.to_owned(),
    }
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
    fn debug_hides_the_token() {
        let settings = Settings {
            token: TokenSource::Token("eyJsecret.x.y".into()),
            ..Settings::default()
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}

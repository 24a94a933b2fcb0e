//! What the server says about itself: its configuration ([`ServerConfig`]) and a change to it
//! ([`ConfigUpdate`]), its OpenID-style discovery document and its public signing keys.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// The server's configuration (`GET /v1/daemon`).
///
/// The HMAC secret it contains is held apart: [`secret`](ServerConfig::secret) returns it,
/// while `Debug` and [`as_json`](ServerConfig::as_json) show `[redacted]`, and `Serialize`
/// (serde) writes the configuration with no `auth.secret` field at all.
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let config = client.server_manager().config()?;
/// println!("port {:?}, https {}", config.port(), config.uses_https());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Clone)]
pub struct ServerConfig {
    json: serde_json::Value,
    secret: Option<Secret>,
}

impl ServerConfig {
    pub(crate) fn from_json(mut json: serde_json::Value) -> ServerConfig {
        let secret = json
            .pointer_mut("/auth/secret")
            .and_then(|v| match v.take() {
                serde_json::Value::String(s) if !s.is_empty() => {
                    *v = serde_json::Value::String("[redacted]".into());
                    Some(Secret::new(s))
                }
                other => {
                    *v = other;
                    None
                }
            });
        ServerConfig { json, secret }
    }

    /// The whole configuration as JSON, with the secret shown as `[redacted]`.
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// println!("{:#}", config.as_json());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn as_json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The HMAC signing secret, when the server signs with one (`None` in RSA mode). Never log it.
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// if config.secret().is_none() {
    ///     println!("the server signs with an RSA key");
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_ref().map(Secret::expose)
    }

    /// The default token lifetime (`auth.expiration_time`).
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// println!("new tokens last {:?}", config.expiration_time());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn expiration_time(&self) -> Option<Duration> {
        self.duration("/auth/expiration_time")
    }

    /// The longest token lifetime a login may ask for (`auth.max_token_age`); give it to
    /// [`ClientBuilder::max_token_age`](crate::ClientBuilder::max_token_age).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{Client, DEFAULT_MAX_TOKEN_AGE};
    ///
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// let client = Client::builder("http://127.0.0.1:52001")
    ///     .max_token_age(config.max_token_age().unwrap_or(DEFAULT_MAX_TOKEN_AGE))
    ///     .build()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn max_token_age(&self) -> Option<Duration> {
        self.duration("/auth/max_token_age")
    }

    /// The log verbosity (`log.level`, `0` to `5`).
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// println!("log level {:?}", config.log_level());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn log_level(&self) -> Option<u8> {
        self.json.pointer("/log/level")?.as_str()?.parse().ok()
    }

    /// The port the server listens on (`net.http.port`).
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// println!("listening on port {:?}", config.port());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn port(&self) -> Option<u16> {
        u16::try_from(self.json.pointer("/net/http/port")?.as_u64()?).ok()
    }

    /// True when the server serves HTTPS (`net.http.use_https`).
    ///
    /// # Example
    /// ```no_run
    /// # let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// # client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    ///
    /// let scheme = if config.uses_https() { "https" } else { "http" };
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn uses_https(&self) -> bool {
        self.json
            .pointer("/net/http/use_https")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }

    fn duration(&self, pointer: &str) -> Option<Duration> {
        parse_go_duration(self.json.pointer(pointer)?.as_str()?)
    }
}

/// The configuration as the server sent it, without `auth.secret`: not even `[redacted]`, so
/// the output can be stored or shown, and never carries or overwrites a secret.
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let config = client.server_manager().config()?;
/// let json = serde_json::to_value(&config).unwrap();
/// assert!(json["auth"].get("secret").is_none());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
impl Serialize for ServerConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut json = self.json.clone();
        if let Some(auth) = json
            .get_mut("auth")
            .and_then(serde_json::Value::as_object_mut)
        {
            auth.remove("secret");
        }
        json.serialize(s)
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ServerConfig").field(&self.json).finish()
    }
}

/// A change to the server's configuration (`PUT /v1/daemon`): only what is set is changed.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use aistore_authn::ConfigUpdate;
///
/// let update = ConfigUpdate::new()
///     .expiration_time(Duration::from_secs(8 * 3600))
///     .log_level(4);
/// // Then, as an admin: client.server_manager().set_config(&update)?;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ConfigUpdate {
    pub(crate) secret: Option<Secret>,
    pub(crate) expiration_time: Option<Duration>,
    pub(crate) log_level: Option<u8>,
}

impl ConfigUpdate {
    /// An update that changes nothing yet.
    ///
    /// # Example
    /// ```
    /// let update = aistore_authn::ConfigUpdate::new().log_level(3);
    /// ```
    pub fn new() -> ConfigUpdate {
        ConfigUpdate::default()
    }

    /// Sign tokens with this HMAC secret from now on. **Every token issued before, the
    /// caller's own included, stops working**, and a server in RSA mode switches to HMAC.
    /// (AuthN before v1.4.4 goes on checking tokens with the secret or key it started with
    /// until it restarts: its own API keeps taking the old tokens and refuses the new ones.)
    ///
    /// # Example
    /// ```
    /// let update = aistore_authn::ConfigUpdate::new().secret("n3w-hmac-s3cret");
    /// assert!(!format!("{update:?}").contains("n3w-hmac-s3cret")); // Debug hides it
    /// ```
    pub fn secret(mut self, secret: &str) -> ConfigUpdate {
        self.secret = Some(Secret::new(secret.to_owned()));
        self
    }

    /// The default lifetime of new tokens (at least one minute).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let update = aistore_authn::ConfigUpdate::new().expiration_time(Duration::from_secs(3600));
    /// ```
    pub fn expiration_time(mut self, lifetime: Duration) -> ConfigUpdate {
        self.expiration_time = Some(lifetime);
        self
    }

    /// The log verbosity, `0` to `5`.
    ///
    /// # Example
    /// ```
    /// let update = aistore_authn::ConfigUpdate::new().log_level(5); // the most verbose
    /// ```
    pub fn log_level(mut self, level: u8) -> ConfigUpdate {
        self.log_level = Some(level);
        self
    }
}

/// The OpenID-style discovery document (`GET /.well-known/openid-configuration`).
///
/// AuthN is not an OpenID provider: its `token_endpoint` only revokes, and its
/// `userinfo_endpoint` lists users. Use `jwks_uri` and the algorithms to verify tokens.
///
/// # Example
/// ```no_run
/// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// let oidc = client.server_manager().oidc_configuration()?;
/// println!("issuer {}, keys at {}", oidc.issuer, oidc.jwks_uri);
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OidcConfiguration {
    /// The issuer, as in the tokens' `iss`.
    pub issuer: String,
    /// `{issuer}/v1/tokens`.
    #[serde(default)]
    pub token_endpoint: String,
    /// `{issuer}/v1/users`.
    #[serde(default)]
    pub userinfo_endpoint: String,
    /// Where the public signing keys are (RSA mode).
    #[serde(default)]
    pub jwks_uri: String,
    /// The signing algorithms AuthN may use.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
}

/// The public signing keys (`GET /.well-known/jwks.json`), old keys included after a rotation.
///
/// # Example
/// ```no_run
/// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// for key in client.server_manager().jwks()?.keys {
///     println!("{} {} {:?}", key.kid, key.kty, key.alg);
/// }
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// One public key in a [`Jwks`].
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("alice", "s3cret", None)?;
/// let token = aistore_authn::Token::parse(&client.token().unwrap_or_default())?;
/// let jwks = client.server_manager().jwks()?;
/// let key = jwks.keys.iter().find(|k| Some(k.kid.as_str()) == token.key_id());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Jwk {
    /// The key ID, as in a token's header ([`Token::key_id`](crate::Token::key_id)).
    #[serde(default)]
    pub kid: String,
    /// The key type, `RSA`.
    #[serde(default)]
    pub kty: String,
    /// The algorithm, e.g. `RS256`, if given (left out when serialized without one, as JWK
    /// requires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The RSA modulus, base64url.
    #[serde(default)]
    pub n: String,
    /// The RSA exponent, base64url.
    #[serde(default)]
    pub e: String,
}

/// Parses a Go duration as AuthN writes them: `24h0m`, `2160h0m`, `30s`, `1m30s`, `500ms`.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    match rest {
        "" => return None,
        "0" => return Some(total),
        _ => {}
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total = total.checked_add(Duration::try_from_secs_f64(value * scale).ok()?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration(s);
        assert_eq!(d("24h0m"), Some(Duration::from_secs(86400)));
        assert_eq!(d("2160h0m"), Some(Duration::from_secs(2160 * 3600)));
        assert_eq!(d("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(d("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(d("0"), Some(Duration::ZERO));
        for bad in ["", "h", "5x", "1h-2m", "abc"] {
            assert_eq!(d(bad), None, "{bad}");
        }
        // Each part fits in a Duration, their sum does not: None, not an overflow panic.
        assert_eq!(d("5000000000000000h5000000000000000h"), None);
        assert_eq!(d("1e400h"), None);
    }

    #[test]
    fn discovery_and_keys_serialize_as_served() {
        let oidc = r#"{"issuer":"http://localhost:52001","token_endpoint":"http://localhost:52001/v1/tokens",
            "userinfo_endpoint":"http://localhost:52001/v1/users","jwks_uri":"http://localhost:52001/.well-known/jwks.json",
            "id_token_signing_alg_values_supported":["HS256","RS256"]}"#;
        let jwks = r#"{"keys":[{"kid":"k1","kty":"RSA","alg":"RS256","n":"0vx7","e":"AQAB"},
            {"kid":"k0","kty":"RSA","n":"xjlC","e":"AQAB"}]}"#;
        let value = |json: &str| serde_json::from_str::<serde_json::Value>(json).unwrap();
        let parsed: OidcConfiguration = serde_json::from_str(oidc).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), value(oidc));
        let parsed: Jwks = serde_json::from_str(jwks).unwrap();
        assert_eq!(parsed.keys[1].alg, None);
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            value(jwks),
            "a key without alg is written without it"
        );
        assert_eq!(
            serde_json::to_value(&parsed.keys[0]).unwrap(),
            serde_json::json!({"kid": "k1", "kty": "RSA", "alg": "RS256", "n": "0vx7", "e": "AQAB"})
        );
    }

    #[test]
    fn the_secret_is_held_apart() {
        let c = ServerConfig::from_json(serde_json::json!({
            "auth": {"secret": "hmac-secret-1", "expiration_time": "1h0m", "max_token_age": "2160h0m"},
            "log": {"level": "3"}, "net": {"http": {"port": 52001, "use_https": false}}
        }));
        assert_eq!(c.secret(), Some("hmac-secret-1"));
        assert_eq!(c.expiration_time(), Some(Duration::from_secs(3600)));
        assert_eq!(
            (c.log_level(), c.port(), c.uses_https()),
            (Some(3), Some(52001), false)
        );
        let shown = format!("{c:?} {}", c.as_json());
        assert!(
            !shown.contains("hmac-secret-1") && shown.contains("[redacted]"),
            "{shown}"
        );
        let written = serde_json::to_string(&c).unwrap();
        assert!(
            !written.contains("hmac-secret-1") && !written.contains("secret"),
            "{written}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&written).unwrap(),
            serde_json::json!({
                "auth": {"expiration_time": "1h0m", "max_token_age": "2160h0m"},
                "log": {"level": "3"}, "net": {"http": {"port": 52001, "use_https": false}}
            }),
            "everything else is written as the server sent it"
        );
        assert_eq!(c.secret(), Some("hmac-secret-1"), "serializing keeps it");
        for odd in [
            serde_json::json!({"auth": {"secret": ""}}),
            serde_json::json!({"auth": "text"}),
            serde_json::json!([1, 2]),
        ] {
            let written = serde_json::to_value(ServerConfig::from_json(odd.clone())).unwrap();
            let mut expected = odd;
            if let Some(auth) = expected.get_mut("auth").and_then(|a| a.as_object_mut()) {
                auth.remove("secret");
            }
            assert_eq!(written, expected);
        }
        let rsa = ServerConfig::from_json(serde_json::json!({"auth": {"secret": ""}}));
        assert_eq!(rsa.secret(), None);
        let u = ConfigUpdate::new().secret("s3cr3t");
        assert!(!format!("{u:?}").contains("s3cr3t"));
    }
}

//! Server administration: configuration (`/v1/daemon`), signing keys, OIDC discovery.
//! The types it reads and sends live in [`crate::model::server`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::server::{ConfigUpdate, Jwks, OidcConfiguration, ServerConfig};
use crate::secret::Secret;
use crate::transport::request::{Method, Request};

/// Reads and changes the AuthN server's configuration and signing keys. Borrows a [`Client`].
///
/// # Example
/// ```no_run
/// use aistore_authn::ConfigUpdate;
///
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let server = client.server_manager();
/// println!("new tokens last {:?}", server.config()?.expiration_time());
/// server.set_config(&ConfigUpdate::new().log_level(4))?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ServerManager<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> ServerManager<'a> {
    /// A server manager over `client`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, ServerManager};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let server = ServerManager::new(&client); // the same as client.server_manager()
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(client: &'a Client) -> Self {
        ServerManager { client }
    }

    /// The client this manager borrows (and sends its requests through), as the Python
    /// SDK's `ServerManager.client`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let manager = client.server_manager();
    /// assert_eq!(manager.client().base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// The server's configuration. `GET /v1/daemon`. Needs an admin token.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    /// println!("{:#}", config.as_json());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn config(&self) -> Result<ServerConfig, Error> {
        let json: serde_json::Value =
            self.client
                .fetch(&Request::new(Method::Get, "/v1/daemon", Entity::None))?;
        Ok(ServerConfig::from_json(json))
    }

    /// Changes the configuration; the server saves it to its config file. `PUT /v1/daemon`.
    /// Needs an admin token. A new secret is not sent again once it may have reached the server
    /// (see [`RetryPolicy`](crate::RetryPolicy)), and it ends this client's token too.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: nothing set, an empty secret, a lifetime
    ///   under one minute, a log level over 5.
    /// - [`Error::Api`] with status 400 when the server refuses a value (e.g. a lifetime over
    ///   its maximum token age); [`Error::Unauthorized`]; [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    /// use aistore_authn::ConfigUpdate;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let update = ConfigUpdate::new().expiration_time(Duration::from_secs(8 * 3600));
    /// client.server_manager().set_config(&update)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn set_config(&self, update: &ConfigUpdate) -> Result<(), Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Auth::is_empty")]
            auth: Auth<'a>,
            #[serde(skip_serializing_if = "Option::is_none")]
            log: Option<Log>,
        }
        #[derive(Serialize)]
        struct Auth<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            secret: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            expiration_time: Option<String>,
        }
        impl Auth<'_> {
            fn is_empty(&self) -> bool {
                self.secret.is_none() && self.expiration_time.is_none()
            }
        }
        #[derive(Serialize)]
        struct Log {
            level: String,
        }
        let invalid = |msg: &str| Err(Error::InvalidArgument(msg.into()));
        if update.secret.is_none() && update.expiration_time.is_none() && update.log_level.is_none()
        {
            return invalid("the configuration update sets nothing");
        }
        if update
            .secret
            .as_ref()
            .is_some_and(|s| s.expose().is_empty())
        {
            return invalid("the new secret is empty");
        }
        if update
            .expiration_time
            .is_some_and(|d| d < Duration::from_secs(60))
        {
            return invalid("the token lifetime must be at least one minute");
        }
        if update.log_level.is_some_and(|l| l > 5) {
            return invalid("the log level goes from 0 to 5");
        }
        let body = Body {
            auth: Auth {
                secret: update.secret.as_ref().map(Secret::expose),
                expiration_time: update.expiration_time.map(|d| format!("{}s", d.as_secs())),
            },
            log: update.log_level.map(|l| Log {
                level: l.to_string(),
            }),
        };
        let request = Request::new(Method::Put, "/v1/daemon", Entity::None).json(&body)?;
        // A new secret invalidates the token this request carries: once it may have been
        // applied, a repeat would fail with 401 although the change took effect.
        let request = match &update.secret {
            Some(secret) => request.once().secret(secret.expose()),
            None => request,
        };
        self.client.call(&request).map(drop)
    }

    /// The discovery document. `GET /.well-known/openid-configuration`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Unsupported`] from servers before v1.4.2, which have none;
    /// [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let issuer = client.server_manager().oidc_configuration()?.issuer;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn oidc_configuration(&self) -> Result<OidcConfiguration, Error> {
        self.client
            .fetch(
                &Request::new(
                    Method::Get,
                    "/.well-known/openid-configuration",
                    Entity::None,
                )
                .public(),
            )
            .map_err(unsupported("the OIDC discovery document", "v1.4.2"))
    }

    /// The public signing keys. `GET /.well-known/jwks.json`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Api`] with status 400 when the server signs with an HMAC secret (there is no
    /// public key); [`Error::Unsupported`] from servers before v1.4.2, which have no JWKS;
    /// [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let keys = client.server_manager().jwks()?.keys;
    /// println!("{} signing keys", keys.len());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn jwks(&self) -> Result<Jwks, Error> {
        self.client
            .fetch(&Request::new(Method::Get, "/.well-known/jwks.json", Entity::None).public())
            .map_err(unsupported("a JWKS", "v1.4.2"))
    }

    /// The current public signing key, PEM (PKIX). `GET /v1/public-key`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Api`] with status 400 in HMAC mode; [`Error::Unsupported`] from servers
    /// before v1.4.4 (v1.4.2 has no such endpoint); [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let pem = client.server_manager().public_key()?;
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn public_key(&self) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct PubKey {
            public_key: String,
        }
        let key: PubKey = self
            .client
            .fetch(&Request::new(Method::Get, "/v1/public-key", Entity::None).public())
            .map_err(unsupported("the public-key endpoint", "v1.4.4"))?;
        Ok(key.public_key)
    }

    /// Makes a new RSA signing key; new tokens are signed with it, and the old key stays in
    /// the JWKS so issued tokens keep working. `POST /v1/rotate-key`. Needs an admin token.
    ///
    /// # Errors
    /// [`Error::Api`] with status 400 in HMAC mode or with an external key;
    /// [`Error::Unsupported`] from servers before v1.4.4 (v1.4.2 cannot rotate keys);
    /// [`Error::Unauthorized`]; [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// client.server_manager().rotate_key()?;
    /// client.login("admin", "admin-password", None)?; // a token signed with the new key
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn rotate_key(&self) -> Result<(), Error> {
        let request = Request::new(Method::Post, "/v1/rotate-key", Entity::None);
        self.client
            .call(&request)
            .map(drop)
            .map_err(unsupported("key rotation", "v1.4.4"))
    }
}

/// Turns the plain 404 of a server without the endpoint into [`Error::Unsupported`]. (AuthN
/// answers its own 404s in JSON, with an entity; these endpoints have none, so a 404 here is
/// the HTTP router's.)
fn unsupported(what: &'static str, since: &'static str) -> impl Fn(Error) -> Error {
    move |e| match e {
        Error::Api {
            status: 404,
            method,
            path,
            ..
        } => Error::Unsupported {
            what,
            since,
            method,
            path,
        },
        e => e,
    }
}

impl Client {
    /// The server manager over this client: configuration and signing keys.
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let config = client.server_manager().config()?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn server_manager(&self) -> ServerManager<'_> {
        ServerManager::new(self)
    }
}

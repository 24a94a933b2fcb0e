//! The client: the connection it shares with its clones, the token it sends, and the one
//! path every request takes ([`Client::call`]). Requests go through
//! [`Transport`](crate::transport::Transport); the managers live in their own modules.
//!
//! In their own files: building a client ([`builder`]), logging in and holding the token
//! ([`login`]), and settings from the `ais` CLI's environment ([`env`]).

pub(crate) mod builder;
pub mod env;
pub(crate) mod login;
pub(crate) mod settings;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::client::login::{token_refused, Credentials, HeldToken};
use crate::error::{Entity, Error};
use crate::transport::checks::check_token;
use crate::transport::decode;
use crate::transport::request::{Method, Request};
use crate::transport::Transport;

// The client's public face, re-exported by lib.rs from here.
pub use crate::client::builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOKEN_AGE, DEFAULT_TIMEOUT,
};
pub use crate::client::login::MIN_TOKEN_LIFETIME;

/// A blocking client for one AuthN server.
///
/// It owns the connection settings, a keep-alive connection pool, and the bearer token sent
/// with every request. It is `Send + Sync`: share it between threads by reference. The
/// managers ([`UserManager`](crate::UserManager), [`RoleManager`](crate::RoleManager),
/// [`ClusterManager`](crate::ClusterManager),
/// [`TokenManager`](crate::TokenManager), [`ServerManager`](crate::ServerManager)) borrow it.
///
/// `Debug` never prints the token.
///
/// # Example
/// ```no_run
/// use aistore_authn::Client;
///
/// let mut client = Client::new("http://127.0.0.1:52001")?;
/// client.login("alice", "s3cret", None)?;
/// let me = client.whoami()?;
/// println!("{} is logged in until {:?}", me.user.id, me.claims.expires_at);
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug)]
pub struct Client {
    /// The connection pool and request settings, shared with clones.
    transport: Arc<Transport>,
    /// This client's token; a lock so that a login with [`ClientBuilder::credentials`] can
    /// replace it behind `&self`.
    token: RwLock<Option<Arc<HeldToken>>>,
    /// Who to log in as when a token is needed or was refused.
    credentials: Option<Credentials>,
    /// Set when a login with the credentials was refused: no further login is tried.
    credentials_refused: AtomicBool,
    /// Held while logging in with the credentials, so that threads refused at once log in once.
    relogin: Mutex<()>,
    max_token_age: Duration,
}

impl Client {
    /// A client for the AuthN server at `base_url` (e.g. `http://127.0.0.1:52001`), with no
    /// token and the default timeouts. Sends no request.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a URL [`ClientBuilder::build`] refuses.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// assert_eq!(client.token(), None);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(base_url: &str) -> Result<Client, Error> {
        Client::builder(base_url).build()
    }

    /// The base URL, without a trailing slash.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001//")?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The bearer token sent with each request, if any: a copy, since a client with
    /// [`credentials`](ClientBuilder::credentials) replaces it when it logs in again.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// assert_eq!(client.token(), None);
    /// client.set_token(Some(jwt.to_owned()));
    /// assert_eq!(client.token().as_deref(), Some(jwt));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(&self) -> Option<String> {
        self.held_token().map(|t| t.jwt.expose().to_owned())
    }

    /// Replaces (or with `None`, removes) the bearer token. Sends no request, and checks
    /// nothing: a token that an HTTP header cannot carry (empty, spaces, non-ASCII) makes each
    /// later request fail with [`Error::InvalidArgument`], unsent.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{env, Client};
    ///
    /// let mut client = Client::new("http://127.0.0.1:52001")?;
    /// client.set_token(Some(env::load_token_file("auth.token".as_ref())?));
    /// client.set_token(None); // anonymous again
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn set_token(&mut self, token: Option<String>) {
        self.store_token(token.map(HeldToken::new));
    }

    /// A client with the same connection pool and settings acting as another identity: it
    /// sends `token` and has no [`credentials`](ClientBuilder::credentials). Sends no request.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a token that is empty or has characters an HTTP header
    /// cannot carry.
    ///
    /// # Example
    /// ```no_run
    /// let mut admin = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// admin.login("admin", "admin-password", None)?;
    /// # let alices_jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let alice = admin.with_token(alices_jwt)?; // same connections, alice's rights
    /// assert_eq!(alice.whoami()?.user.id, "alice");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn with_token(&self, token: impl Into<String>) -> Result<Client, Error> {
        let token = token.into();
        check_token(&token)?;
        Ok(Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(Some(HeldToken::new(token))),
            credentials: None,
            credentials_refused: AtomicBool::new(false),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        })
    }

    /// A client with the same connection pool and settings and no identity: no token and no
    /// credentials. For something that keeps a client only to read public endpoints.
    #[cfg(feature = "verify")]
    pub(crate) fn without_identity(&self) -> Client {
        Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(None),
            credentials: None,
            credentials_refused: AtomicBool::new(false),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        }
    }

    /// Whether this client checks server certificates (false with
    /// [`skip_verify`](crate::client::builder::ClientBuilder::skip_verify)).
    pub(crate) fn verifies_certificates(&self) -> bool {
        self.transport.verifies_certificates()
    }

    /// Sends `request` with this client's token and returns the body of the 2xx reply: the
    /// one path every manager's call takes. With credentials, logs in first when a token is
    /// needed and missing or expiring, and once more when the token is refused.
    pub(crate) fn call(&self, request: &Request<'_>) -> Result<Vec<u8>, Error> {
        if request.anonymous {
            return self.transport.send(request, None);
        }
        if let Some(held) = self.held_token() {
            held.check()?;
        }
        let token = match request.needs_token {
            true => self.usable_token()?,
            false => self.held_token(),
        };
        let jwt = token.as_ref().map(|t| t.jwt.expose());
        match self.transport.send(request, jwt) {
            Err(e) if self.credentials.is_some() && token_refused(&e) => {
                let fresh = self.relogin(token.as_ref())?;
                self.transport.send(request, Some(fresh.jwt.expose()))
            }
            other => other,
        }
    }

    /// [`call`](Client::call), then decode the JSON reply.
    pub(crate) fn fetch<T: DeserializeOwned>(&self, request: &Request<'_>) -> Result<T, Error> {
        let reply = self.call(request)?;
        decode(&reply, request.method.as_str(), &request.path)
    }

    /// `DELETE` of an entity; with `missing_ok`, "not found" counts as done.
    pub(crate) fn delete(&self, entity: Entity<'_>, missing_ok: bool) -> Result<(), Error> {
        match self.call(&Request::to(Method::Delete, entity)?) {
            Err(e) if missing_ok && e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }
}

impl Clone for Client {
    /// A client sharing this one's connection pool and settings, with its own copy of the
    /// token (and the credentials, if any): logging in or out on one does not change the other.
    fn clone(&self) -> Client {
        Client {
            transport: Arc::clone(&self.transport),
            token: RwLock::new(self.held_token()),
            credentials: self.credentials.clone(),
            credentials_refused: AtomicBool::new(self.credentials_refused.load(Ordering::Relaxed)),
            relogin: Mutex::new(()),
            max_token_age: self.max_token_age,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_and_the_password() {
        let c = Client::builder("http://h")
            .token("eyJsecret.x.y")
            .credentials("bob", "pass-w0rd")
            .build()
            .unwrap();
        assert_eq!(c.token().as_deref(), Some("eyJsecret.x.y"));
        let printed = format!(
            "{c:?} {:?} {:?}",
            c.clone(),
            Client::builder("http://h")
                .token("tok-123")
                .credentials("bob", "pass-w0rd")
        );
        for secret in ["secret", "tok-123", "pass-w0rd"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn clones_share_the_pool_and_keep_their_own_token() {
        let mut a = Client::builder("http://h")
            .token("eyJa.b.c")
            .build()
            .unwrap();
        let b = a.clone();
        let c = a.with_token("eyJx.y.z").unwrap();
        assert!(Arc::ptr_eq(&a.transport, &b.transport));
        assert!(Arc::ptr_eq(&a.transport, &c.transport));
        a.set_token(None);
        assert_eq!(a.token(), None);
        assert_eq!(b.token().as_deref(), Some("eyJa.b.c"));
        assert_eq!(c.token().as_deref(), Some("eyJx.y.z"));
        assert!(matches!(
            a.with_token("two words"),
            Err(Error::InvalidArgument(_))
        ));
    }
}

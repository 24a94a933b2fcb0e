//! The client's token: logging in, the token it holds, and logging in again with the
//! [`credentials`](ClientBuilder::credentials) when the token expires or is refused.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::client::builder::ClientBuilder;
use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::token::Token;
use crate::secret::Secret;
use crate::transport::checks::check_token;
use crate::transport::decode;
use crate::transport::names::check_password;
use crate::transport::request::{Method, Request};

/// The shortest token lifetime AuthN accepts in a login request.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// A token as the client holds it: the JWT, and its expiry when it decodes as one.
#[derive(Debug, Clone)]
pub(crate) struct HeldToken {
    pub(crate) jwt: Secret,
    expires_at: Option<SystemTime>,
    /// Whether an HTTP header can carry it ([`check_token`]), found once.
    fits_header: bool,
}

impl HeldToken {
    pub(crate) fn new(jwt: String) -> Arc<HeldToken> {
        let expires_at = Token::parse(&jwt).ok().map(|t| t.claims().expires_at);
        Arc::new(HeldToken {
            fits_header: check_token(&jwt).is_ok(),
            jwt: Secret::new(jwt),
            expires_at,
        })
    }

    /// [`check_token`] of the token, without going over it again.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.fits_header {
            true => Ok(()),
            false => check_token(self.jwt.expose()),
        }
    }

    /// True when the token has expired, or will within a few seconds (a request sent now
    /// could arrive after the expiry).
    pub(crate) fn expiring(&self) -> bool {
        let soon = SystemTime::now() + Duration::from_secs(5);
        self.expires_at.is_some_and(|at| at <= soon)
    }
}

/// A user and password to log in with whenever the client needs a token.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) user: String,
    pub(crate) password: Secret,
}

impl Client {
    /// Logs in as `user` and makes the new token this client's token.
    ///
    /// `POST /v1/users/{user}`. With `expires_in` of `None` the server's default lifetime
    /// applies (24 h unless configured otherwise); with `Some(Duration::ZERO)` its longest
    /// (the maximum token age, 90 days unless configured otherwise), as `ais auth login -e 0`.
    /// Returns the token, with its claims decoded ([`Token::as_str`] for the JWT).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], with no request sent: a user ID that cannot be a URL path
    ///   segment (empty, `.`, `..`, or with `/`), an empty or blank password, a password over
    ///   72 bytes, or `expires_in` other than zero under [`MIN_TOKEN_LIFETIME`], or over the
    ///   maximum token age
    ///   ([`ClientBuilder::max_token_age`]).
    /// - [`Error::InvalidCredentials`]: unknown user or wrong password.
    /// - [`Error::Api`] with status 400: `expires_in` above a server maximum set lower than the
    ///   client's.
    /// - [`Error::Transport`]; [`Error::Decode`] when the reply holds no well-formed token.
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let token = client.login("alice", "s3cret", Some(Duration::from_secs(8 * 3600)))?;
    /// assert_eq!(token.subject(), "alice");
    /// assert_eq!(client.token().as_deref(), Some(token.as_str()));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn login(
        &mut self,
        user: &str,
        password: &str,
        expires_in: Option<Duration>,
    ) -> Result<Token, Error> {
        let token = self.request_token(user, password, expires_in)?;
        self.store_token(Some(HeldToken::new(token.as_str().to_owned())));
        Ok(token)
    }

    /// `POST /v1/users/{user}`: a new token, not yet this client's.
    fn request_token(
        &self,
        user: &str,
        password: &str,
        expires_in: Option<Duration>,
    ) -> Result<Token, Error> {
        #[derive(Serialize)]
        struct LoginMsg<'a> {
            password: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            expires_in: Option<i64>,
        }
        #[derive(Deserialize)]
        struct TokenMsg {
            token: String,
        }
        let request = Request::to(Method::Post, Entity::Login(user))?;
        check_password(password)?;
        let expires_in = match expires_in {
            None => None,
            // AuthN's own word for its longest lifetime, as `ais auth login -e 0` sends it.
            Some(d) if d.is_zero() => Some(0),
            Some(d) if d < MIN_TOKEN_LIFETIME => {
                return Err(Error::InvalidArgument(format!(
                    "expires_in is {d:?}; AuthN requires at least one minute"
                )))
            }
            Some(d) if d > self.max_token_age => {
                return Err(Error::InvalidArgument(format!(
                    "expires_in is {d:?}; the server's maximum is {:?} (see \
                     ClientBuilder::max_token_age)",
                    self.max_token_age
                )))
            }
            Some(d) => Some(i64::try_from(d.as_nanos()).map_err(|_| {
                Error::InvalidArgument(format!("expires_in {d:?} is out of range"))
            })?),
        };
        let msg = LoginMsg {
            password,
            expires_in,
        };
        let request = request.json(&msg)?.secret(password).public();
        // A login carries no token: it is not needed, and an old one would only be echoed.
        let reply = self.transport.send(&request, None)?;
        let reply: TokenMsg = decode(&reply, "POST", &request.path)?;
        Token::parse(&reply.token).map_err(|e| Error::Decode {
            message: format!("the login reply holds no usable token: {e}"),
            method: "POST",
            path: request.path.clone(),
            source: None,
        })
    }

    pub(crate) fn held_token(&self) -> Option<Arc<HeldToken>> {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The token to use now: the one held, or, with credentials, a new login when there is
    /// none or it is expiring.
    pub(crate) fn usable_token(&self) -> Result<Option<Arc<HeldToken>>, Error> {
        let token = self.held_token();
        if self.credentials.is_some() && token.as_ref().is_none_or(|t| t.expiring()) {
            return self.relogin(token.as_ref()).map(Some);
        }
        Ok(token)
    }

    pub(crate) fn store_token(&self, token: Option<Arc<HeldToken>>) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// Logs in with the credentials, unless another thread replaced `stale` meanwhile; returns
    /// the token to use.
    pub(crate) fn relogin(&self, stale: Option<&Arc<HeldToken>>) -> Result<Arc<HeldToken>, Error> {
        let Some(credentials) = &self.credentials else {
            return Err(Error::InvalidArgument(
                "the client has no credentials to log in with".into(),
            ));
        };
        let _one_at_a_time = self.relogin.lock().unwrap_or_else(PoisonError::into_inner);
        if self.credentials_refused.load(Ordering::Relaxed) {
            return Err(Error::InvalidCredentials(credentials.user.clone()));
        }
        if let Some(current) = self.held_token() {
            let replaced = stale.is_none_or(|s| s.jwt != current.jwt);
            if replaced && !current.expiring() {
                return Ok(current);
            }
        }
        let log_in = || {
            self.request_token(&credentials.user, credentials.password.expose(), None)
                .inspect_err(|e| {
                    if matches!(e, Error::InvalidCredentials(_)) {
                        self.credentials_refused.store(true, Ordering::Relaxed);
                    }
                })
        };
        let mut token = log_in()?;
        // AuthN issues the same token for logins in the same second: when that is the refused
        // one, wait for the next second and log in once more.
        if stale.is_some_and(|s| s.jwt.expose() == token.as_str()) {
            std::thread::sleep(until_next_second());
            token = log_in()?;
        }
        let held = HeldToken::new(token.as_str().to_owned());
        log::debug!("logged in again as {}", credentials.user);
        self.store_token(Some(held.clone()));
        Ok(held)
    }
}

/// The time to the next whole second of the clock (at most one second).
fn until_next_second() -> Duration {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_nanos(u64::from(1_000_000_000 - now.subsec_nanos())) + Duration::from_millis(5)
}

/// True when AuthN refused the token itself (expired, revoked, malformed, missing), as opposed
/// to a valid token that lacks the rights: only then can a new login help. AuthN answers 401
/// to both and tells them apart only in its message.
pub(crate) fn token_refused(e: &Error) -> bool {
    matches!(e, Error::Unauthorized { message, .. }
        if message.contains("invalid token") || message.contains("token required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_token_calls_for_a_new_login() {
        let unauthorized = |message: &str| {
            crate::error::from_status(
                401,
                format!(r#"{{"message":{message:?}}}"#).as_bytes(),
                "GET",
                "/v1/users",
                Entity::None,
                &[],
            )
        };
        assert!(token_refused(&unauthorized(
            "not authorized (invalid token: token revoked): \"x\""
        )));
        assert!(token_refused(&unauthorized(
            "not authorized (invalid token [err: token expired]): \"x\""
        )));
        assert!(token_refused(&unauthorized("token required")));
        assert!(!token_refused(&unauthorized(
            "not authorized: requires admin (user bob, token expires in 23h59m)"
        )));
        assert!(!token_refused(&Error::InvalidCredentials("bob".into())));
    }
}

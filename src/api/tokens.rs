//! Token revocation and identity: `/v1/tokens`, and who a token belongs to.

use serde::Serialize;

use crate::api::users::UserManager;
use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::info::UserInfo;
use crate::model::token::{Token, TokenClaims};
use crate::transport::request::{Method, Request};

/// Revokes tokens. Borrows a [`Client`].
///
/// A revoked token is refused by AuthN from then on (HTTP 401) and pushed to the registered
/// clusters in the background. Note that two logins by one user in the same second with the
/// same lifetime return the same token, so revoking one revokes both.
///
/// # Example
/// ```no_run
/// # let leaked = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
/// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.token_manager().revoke(leaked)?; // no token of its own needed
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TokenManager<'a> {
    client: &'a Client,
}

/// Who the client's token belongs to: the token's claims plus the user as AuthN stores it now.
/// Serializes (serde) as `{"claims": {...}, "user": {...}}`, the claims as in the JWT.
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("alice", "s3cret", None)?;
/// let me = client.whoami()?;
/// println!("{} (admin: {}) has roles {:?}", me.claims.subject, me.claims.admin,
///     me.user.roles.names().collect::<Vec<_>>());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Identity {
    /// What the token says (decoded locally, not verified).
    pub claims: TokenClaims,
    /// The user, with their current roles, from the server.
    pub user: UserInfo,
}

#[derive(Serialize)]
struct TokenMsg<'a> {
    token: &'a str,
}

impl<'a> TokenManager<'a> {
    /// A token manager over `client`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, TokenManager};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let tokens = TokenManager::new(&client); // the same as client.token_manager()
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(client: &'a Client) -> Self {
        TokenManager { client }
    }

    /// The client this manager borrows (and sends its requests through), as the Python
    /// SDK's `TokenManager.client`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let manager = client.token_manager();
    /// assert_eq!(manager.client().base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Revokes `token`. `DELETE /v1/tokens` with the token in the body. Needs no token of the
    /// client's own: anyone holding a valid token can revoke it. Revoking a token twice is not
    /// an error.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or blank token (no request sent);
    /// [`Error::Unauthorized`] when AuthN did not sign it or it has expired;
    /// [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// # let leaked = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.token_manager().revoke(leaked)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn revoke(&self, token: &str) -> Result<(), Error> {
        if token.trim().is_empty() {
            return Err(Error::InvalidArgument(
                "the token to revoke is empty".into(),
            ));
        }
        let request = Request::new(Method::Delete, "/v1/tokens", Entity::None).public();
        let request = request.json(&TokenMsg { token })?.secret(token);
        self.client.call(&request).map(drop)
    }
}

impl Client {
    /// The token manager over this client: token revocation.
    ///
    /// # Example
    /// ```no_run
    /// # let old = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.token_manager().revoke(old)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token_manager(&self) -> TokenManager<'_> {
        TokenManager::new(self)
    }

    /// Revokes this client's token and forgets it. `DELETE /v1/tokens`.
    ///
    /// On an error the token is kept, so the call can be retried. A client with
    /// [`credentials`](crate::ClientBuilder::credentials) logs in again when it next needs a
    /// token.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the client has no token; otherwise as
    /// [`TokenManager::revoke`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("alice", "s3cret", None)?;
    /// client.logout()?;
    /// assert_eq!(client.token(), None);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn logout(&mut self) -> Result<(), Error> {
        self.token_manager().revoke(&self.logged_in()?)?;
        self.set_token(None);
        Ok(())
    }

    /// The decoded claims of this client's token (not verified; see [`Token`]). Sends no
    /// request, except on a client with
    /// [`credentials`](crate::client::builder::ClientBuilder::credentials) that has no token
    /// yet (or one about to expire): it logs in first, `POST /v1/users/{user}`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the client has no token (and no credentials);
    /// [`Error::InvalidToken`] when it is not a well-formed JWT; with credentials, the errors
    /// of [`Client::login`].
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::builder("http://127.0.0.1:52001")
    ///     .token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln")
    ///     .build()?;
    /// assert_eq!(client.token_claims()?.subject, "alice");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token_claims(&self) -> Result<TokenClaims, Error> {
        let token = self.usable_token()?.ok_or_else(not_logged_in)?;
        Ok(Token::parse(token.jwt.expose())?.claims().clone())
    }

    /// The token, or the error for a client that has none.
    fn logged_in(&self) -> Result<String, Error> {
        self.token().ok_or_else(not_logged_in)
    }

    /// Who this client is: its token's claims and the user with their current roles, as
    /// `ais auth whoami` shows. `GET /v1/users/{sub}` (users may read themselves).
    ///
    /// # Errors
    /// As [`Client::token_claims`]; [`Error::Unauthorized`] when the server refuses the token
    /// (expired, revoked, signed by another server); [`Error::UserNotFound`] when the user was
    /// deleted; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("alice", "s3cret", None)?;
    /// let me = client.whoami()?;
    /// println!("{}: {} roles", me.user.id, me.user.roles.len());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn whoami(&self) -> Result<Identity, Error> {
        let claims = self.token_claims()?;
        let user = UserManager::new(self).get(&claims.subject)?;
        Ok(Identity { claims, user })
    }
}
fn not_logged_in() -> Error {
    Error::InvalidArgument("not logged in: the client has no token".into())
}

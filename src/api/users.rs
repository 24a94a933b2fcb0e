//! User management: `/v1/users`.

use serde::Serialize;

use crate::api::roles::RoleManager;
use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::info::{Ensured, RoleInfo, UserInfo, UserMap};
use crate::transport::names::{check_new_name, check_password};
use crate::transport::request::{Method, Request};

/// Creates, reads, updates and deletes AuthN users. Borrows a [`Client`].
///
/// Role names given to [`create`](UserManager::create) and [`update`](UserManager::update) are
/// resolved to full roles first, in one request, so an unknown name is an
/// [`Error::RoleNotFound`] and nothing is written (the server itself would drop it silently).
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let users = client.user_manager();
/// users.create("alice", &["ops"], "s3cret")?;
/// users.update("alice", Some("n3w-s3cret"), None)?;
/// users.delete("alice", false)?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct UserManager<'a> {
    client: &'a Client,
}

/// The body of a user create or update: exactly the fields the server reads.
#[derive(Serialize)]
struct UserBody<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<&'a [RoleInfo]>,
}

impl<'a> UserManager<'a> {
    /// A user manager over `client`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, UserManager};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let users = UserManager::new(&client); // the same as client.user_manager()
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(client: &'a Client) -> Self {
        UserManager { client }
    }

    /// The client this manager borrows (and sends its requests through), as the Python
    /// SDK's `UserManager.client`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let manager = client.user_manager();
    /// assert_eq!(manager.client().base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// One user with its roles. `GET /v1/users/{id}`. Needs an admin token, or the user's own.
    ///
    /// # Errors
    /// [`Error::UserNotFound`]; [`Error::Unauthorized`]; [`Error::InvalidArgument`] for an ID
    /// that cannot be a URL path segment (empty, `.`, `..`, or with `/`); [`Error::Transport`],
    /// [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("alice", "s3cret", None)?;
    /// let alice = client.user_manager().get("alice")?;
    /// println!("roles: {:?}", alice.roles.names().collect::<Vec<_>>());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn get(&self, id: &str) -> Result<UserInfo, Error> {
        self.client
            .fetch(&Request::to(Method::Get, Entity::User(id))?)
    }

    /// All users, `admin` included, by ID. `GET /v1/users`. Needs an admin token.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// for (id, user) in client.user_manager().list()? {
    ///     println!("{id}: admin={}", user.is_admin());
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn list(&self) -> Result<UserMap, Error> {
        self.client
            .fetch(&Request::new(Method::Get, "/v1/users", Entity::None))
    }

    /// Creates a user with these roles and returns it as the server stores it.
    ///
    /// Requests: the roles (`GET /v1/roles/{name}` for one name, `GET /v1/roles` for more, none
    /// for none), `POST /v1/users`, then `GET /v1/users/{id}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: an ID the server would refuse (at most 32
    ///   ASCII letters, digits, `-`, `_`; no `-`/`_` first or last), an empty, blank or
    ///   over-72-byte password, or a role name that cannot be a URL path segment.
    /// - [`Error::RoleNotFound`], nothing written: a role name that does not exist.
    /// - [`Error::UserAlreadyExists`]; [`Error::Unauthorized`]; [`Error::Transport`],
    ///   [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let alice = client.user_manager().create("alice", &["ops", "Guest-c1"], "s3cret")?;
    /// assert_eq!(alice.roles.names().collect::<Vec<_>>(), ["Guest-c1", "ops"]);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn create(&self, id: &str, roles: &[&str], password: &str) -> Result<UserInfo, Error> {
        check_new_name("user ID", id)?;
        check_password(password)?;
        let roles = RoleManager::new(self.client).resolve(roles)?;
        let body = UserBody {
            id,
            pass: Some(password),
            roles: Some(&roles),
        };
        let request = Request::new(Method::Post, "/v1/users", Entity::User(id)).json(&body)?;
        self.client.call(&request.secret(password))?;
        self.get(id)
    }

    /// Changes a user's password, roles, or both, and returns the user as the server stores it.
    ///
    /// Given roles replace the user's roles. Requests: the roles as in
    /// [`create`](UserManager::create) when given, `PUT /v1/users/{id}`, then
    /// `GET /v1/users/{id}`. Needs an admin token; a user may change their own password.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: neither password nor roles given, an
    ///   empty role list (AuthN cannot take all roles away), a bad password, or an ID or role
    ///   name that cannot be a URL path segment.
    /// - [`Error::RoleNotFound`], nothing written; [`Error::UserNotFound`].
    /// - [`Error::Forbidden`]: changing the roles of the built-in `admin`.
    /// - [`Error::Unauthorized`]; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// // New roles, same password.
    /// let alice = client.user_manager().update("alice", None, Some(&["ops"]))?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn update(
        &self,
        id: &str,
        password: Option<&str>,
        roles: Option<&[&str]>,
    ) -> Result<UserInfo, Error> {
        let request = Request::to(Method::Put, Entity::User(id))?;
        match (password, roles) {
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "update needs a new password, new roles, or both".into(),
                ))
            }
            (_, Some([])) => {
                return Err(Error::InvalidArgument(
                    "the role list is empty; AuthN keeps a user's roles when sent none".into(),
                ))
            }
            _ => {}
        }
        if let Some(password) = password {
            check_password(password)?;
        }
        let roles = match roles {
            Some(names) => Some(RoleManager::new(self.client).resolve(names)?),
            None => None,
        };
        let body = UserBody {
            id,
            pass: password,
            roles: roles.as_deref(),
        };
        let request = request.json(&body)?;
        self.client.call(&match password {
            Some(password) => request.secret(password),
            None => request,
        })?;
        self.get(id)
    }

    /// Makes sure the user exists with exactly these roles: creates it (with `password`),
    /// replaces its roles if they differ, or leaves it alone. An existing user's password is
    /// never changed (AuthN cannot tell whether it matches); use
    /// [`update`](UserManager::update) for that.
    ///
    /// Not atomic: another client can change the user between the read and the write.
    /// Requests: `GET /v1/users/{id}`, then as [`create`](UserManager::create) or
    /// [`update`](UserManager::update) if a write is needed.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: as for `create`.
    /// - [`Error::InvalidArgument`] when the user has roles and `roles` is empty (AuthN cannot
    ///   take all roles away).
    /// - As [`create`](UserManager::create) and [`update`](UserManager::update).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::Ensured;
    ///
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let (what, alice) = client.user_manager().ensure_user("alice", &["ops"], "s3cret")?;
    /// if what != Ensured::Unchanged {
    ///     println!("{}: {what:?}", alice.id);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn ensure_user(
        &self,
        id: &str,
        roles: &[&str],
        password: &str,
    ) -> Result<(Ensured, UserInfo), Error> {
        check_new_name("user ID", id)?;
        check_password(password)?;
        let current = match self.get(id) {
            Ok(user) => user,
            Err(Error::UserNotFound(_)) => {
                return Ok((Ensured::Created, self.create(id, roles, password)?))
            }
            Err(e) => return Err(e),
        };
        let mut wanted: Vec<&str> = roles.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        if current.roles.names().eq(wanted.iter().copied()) {
            return Ok((Ensured::Unchanged, current));
        }
        Ok((Ensured::Updated, self.update(id, None, Some(roles))?))
    }

    /// Deletes a user. `DELETE /v1/users/{id}`. Needs an admin token.
    ///
    /// # Errors
    /// [`Error::UserNotFound`] unless `missing_ok`; [`Error::Forbidden`] for the built-in
    /// `admin`; [`Error::Unauthorized`]; [`Error::InvalidArgument`] for an ID that cannot be a
    /// URL path segment; [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// client.user_manager().delete("alice", true)?; // gone either way
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn delete(&self, id: &str, missing_ok: bool) -> Result<(), Error> {
        self.client.delete(Entity::User(id), missing_ok)
    }

    /// `POST /v1/users` alone: the one request of a user create, for a caller that has
    /// checked the ID and password and resolved the roles itself (provisioning, which reads
    /// every role once per plan). AuthN looks the roles up by name and silently drops unknown
    /// ones, so only the names matter. No read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn create_with_roles(
        &self,
        id: &str,
        roles: &[RoleInfo],
        password: &str,
    ) -> Result<(), Error> {
        let body = UserBody {
            id,
            pass: Some(password),
            roles: Some(roles),
        };
        let request = Request::new(Method::Post, "/v1/users", Entity::User(id)).json(&body)?;
        self.client.call(&request.secret(password)).map(drop)
    }

    /// `PUT /v1/users/{id}` alone: new roles (replacing the user's; not empty), a new
    /// password, or both. No checks, no read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn put(
        &self,
        id: &str,
        password: Option<&str>,
        roles: Option<&[RoleInfo]>,
    ) -> Result<(), Error> {
        let body = UserBody {
            id,
            pass: password,
            roles,
        };
        let request = Request::to(Method::Put, Entity::User(id))?.json(&body)?;
        self.client
            .call(&match password {
                Some(password) => request.secret(password),
                None => request,
            })
            .map(drop)
    }
}

impl Client {
    /// The user manager over this client: user CRUD.
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("alice", "s3cret", None)?;
    /// let alice = client.user_manager().get("alice")?; // users may read themselves
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn user_manager(&self) -> UserManager<'_> {
        UserManager::new(self)
    }
}

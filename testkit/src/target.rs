//! The AuthN server a program works against: a running one the environment names, or a new
//! local one.

use aistore_authn::{Client, Error};

use crate::util::Secret;
use crate::{LocalServer, LocalServerError};

/// An AuthN server to run against: the one `AIS_AUTHN_URL` names, with its admin password in
/// `AIS_AUTHN_SU_PASS` (and admin name in `AIS_AUTHN_SU_NAME`, default `admin`), or, when the
/// variable is unset, a new [`LocalServer`] stopped when this is dropped. For examples,
/// benchmarks and test suites that can also run against a shared server.
///
/// `Debug` never prints the password.
///
/// # Example
/// ```no_run
/// use aistore_authn_testkit::AuthnTarget;
///
/// let target = AuthnTarget::from_env_or_start()?;
/// println!("AuthN at {} ({})", target.url(), if target.is_local() { "local" } else { "given" });
/// let admin = target.admin_client()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AuthnTarget {
    url: String,
    admin_user: String,
    admin_password: Secret,
    local: Option<LocalServer>,
}

impl AuthnTarget {
    /// The server `AIS_AUTHN_URL` names, or a new local one (installed with Go on first use).
    ///
    /// # Errors
    /// [`LocalServerError`] when `AIS_AUTHN_URL` is set without `AIS_AUTHN_SU_PASS`, or as
    /// [`LocalServer::start`].
    ///
    /// # Example
    /// ```no_run
    /// let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn from_env_or_start() -> Result<AuthnTarget, LocalServerError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = var("AIS_AUTHN_URL") {
            let password = var("AIS_AUTHN_SU_PASS").ok_or_else(|| {
                LocalServerError(format!(
                    "AIS_AUTHN_URL={url} is set, so that server is used, but AIS_AUTHN_SU_PASS \
                     (its admin password) is not: set it, or unset AIS_AUTHN_URL to start a \
                     local server"
                ))
            })?;
            return Ok(AuthnTarget {
                url,
                admin_user: var("AIS_AUTHN_SU_NAME").unwrap_or_else(|| "admin".to_owned()),
                admin_password: Secret(password),
                local: None,
            });
        }
        Ok(AuthnTarget::from(LocalServer::start()?))
    }

    /// The server's base URL.
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// let anonymous = aistore_authn::Client::new(target.url())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The administrator's user name.
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// println!("admin is {}", target.admin_user());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn admin_user(&self) -> &str {
        &self.admin_user
    }

    /// The administrator's password. Never log it.
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// let mut client = aistore_authn::Client::new(target.url())?;
    /// client.login(target.admin_user(), target.admin_password(), None)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_password(&self) -> &str {
        self.admin_password.expose()
    }

    /// The local server, when this process started one.
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// if let Some(server) = target.local() {
    ///     println!("config in {}", server.config_dir().display());
    /// }
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn local(&self) -> Option<&LocalServer> {
        self.local.as_ref()
    }

    /// True when this process started the server (and stops it on drop).
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// assert_eq!(target.is_local(), std::env::var("AIS_AUTHN_URL").is_err());
    /// # Ok::<(), aistore_authn_testkit::LocalServerError>(())
    /// ```
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// A client logged in as the administrator, connecting directly (no proxy), with the
    /// `https://` settings of the local server (its CA) or, for a given server, of
    /// `Client::builder_from_env` (`AIS_CLIENT_CA`, `AIS_SKIP_VERIFY_CRT`, ...).
    /// `POST /v1/users/{admin}`.
    ///
    /// # Errors
    /// As `Client::login` and `Client::builder_from_env`.
    ///
    /// # Example
    /// ```no_run
    /// # let target = aistore_authn_testkit::AuthnTarget::from_env_or_start()?;
    /// let admin = target.admin_client()?;
    /// println!("{} users", admin.user_manager().list()?.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin_client(&self) -> Result<Client, Error> {
        if let Some(local) = &self.local {
            return local.admin_client();
        }
        let mut client = Client::builder_from_env()?.proxy_from_env(false).build()?;
        client.login(&self.admin_user, self.admin_password(), None)?;
        Ok(client)
    }
}

impl From<LocalServer> for AuthnTarget {
    /// A target for a local server started with particular settings.
    fn from(server: LocalServer) -> AuthnTarget {
        AuthnTarget {
            url: server.url(),
            admin_user: server.admin_user().to_owned(),
            admin_password: Secret(server.admin_password().to_owned()),
            local: Some(server),
        }
    }
}

//! The crate's one error type, and how server replies map onto it.

pub(crate) mod reject;

use crate::error::reject::RejectReason;
use crate::secret::redact_tokens;

/// Everything that can go wrong in a call to AuthN.
///
/// Server errors are classified by HTTP status and by the entity the request addressed, never
/// by searching the message text. Only AuthN's own JSON error replies are classified: any other
/// error reply (a proxy's, or a plain-text 404 from a wrong base path) is an [`Error::Api`].
/// Messages are the server's own `message` field (or the start of another body), at most about
/// 1 KiB, with every token, and any password or secret the request carried, replaced by
/// `[redacted]`.
///
/// Besides the errors a method's docs list, any method that sends a request can return
/// [`Error::Api`] for a status it does not expect (a 500, a proxy's 502), and
/// [`Error::Transport`].
///
/// | variant | when |
/// |---|---|
/// | [`InvalidArgument`](Error::InvalidArgument) | a bad argument; **no request was sent** |
/// | [`InvalidToken`](Error::InvalidToken) | a token that is not a well-formed AuthN JWT |
/// | [`TokenRejected`](Error::TokenRejected) | offline verification (feature `verify`) refused a token, with a [`RejectReason`] |
/// | [`Config`](Error::Config) | a bad or missing setting (environment variable, `cli.json` entry, token file content); the message names it |
/// | [`ConfigFile`](Error::ConfigFile) `{ action, path, source }` | a file the settings name (token file, `cli.json`, CA or client certificate) cannot be read or written; `source` is the `io::Error` |
/// | [`UserNotFound`](Error::UserNotFound), [`RoleNotFound`](Error::RoleNotFound), [`ClusterNotFound`](Error::ClusterNotFound) | 404 on that entity, or a role name that does not exist |
/// | [`UserAlreadyExists`](Error::UserAlreadyExists), [`RoleAlreadyExists`](Error::RoleAlreadyExists), [`ClusterAlreadyRegistered`](Error::ClusterAlreadyRegistered) | 409 on a create |
/// | [`InvalidCredentials`](Error::InvalidCredentials) | login with an unknown user or a wrong password |
/// | [`Unauthorized`](Error::Unauthorized) | 401: no, invalid, expired or revoked token, or not an admin |
/// | [`Forbidden`](Error::Forbidden) | 403: the server protects `admin` and `Admin` |
/// | [`Unsupported`](Error::Unsupported) `{ what, since, .. }` | an endpoint an older AuthN release lacks (its plain 404) |
/// | [`Api`](Error::Api) `{ status, message, method, path }` | any other HTTP error, 3xx included (redirects are not followed) |
/// | [`Transport`](Error::Transport) `{ kind, .. }` | connect, TLS, timeout, broken connection, oversized reply ([`TransportErrorKind`]) |
/// | [`Decode`](Error::Decode) | a 2xx reply that is not what AuthN sends |
///
/// [`Error::status`] gives the HTTP status where there is one, and [`Error::is_not_found`]
/// groups the three not-found cases. The Python SDK's "last substring wins" turns a 404 on a
/// role whose message mentions a user into `ErrUserNotFound`; here the entity the request
/// addressed decides.
///
/// # Example
/// ```no_run
/// use aistore_authn::{Client, Error};
///
/// let client = Client::new("http://127.0.0.1:52001")?;
/// match client.role_manager().get("ops") {
///     Ok(role) => println!("{}: {}", role.name, role.desc),
///     Err(Error::RoleNotFound(name)) => println!("there is no role {name}"),
///     Err(e) => return Err(e),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied argument is wrong. The request it was for was not sent, and nothing
    /// was written (a method that reads before it writes may have sent the read).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A token that is not a well-formed AuthN JWT (three base64url parts, JSON claims with
    /// `sub` and `exp`).
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// Offline verification (`Verifier::verify`, feature `verify`) refused a token; `reason`
    /// says why in a way to match on, `message` in words (it never holds the token).
    #[error("token rejected ({reason}): {message}")]
    #[non_exhaustive]
    TokenRejected {
        /// Why, as a value to match on.
        reason: RejectReason,
        /// What exactly was wrong, for people.
        message: String,
    },
    /// A setting from the environment or a file is missing or malformed; the message names
    /// the variable or file (or the CA data given to
    /// [`ClientBuilder::ca_cert_pem`](crate::ClientBuilder::ca_cert_pem)).
    #[error("configuration: {0}")]
    Config(String),
    /// A file the settings name (a token file, the `ais` CLI's `cli.json`, a CA or client
    /// certificate file) cannot be read or written: what was tried, the path, and the I/O
    /// error, also what [`std::error::Error::source`] returns, so that its
    /// [`kind`](std::io::Error::kind) tells a missing file from one that cannot be read.
    #[error("cannot {action} {}: {source}", path.display())]
    #[non_exhaustive]
    ConfigFile {
        /// What was tried, e.g. `read the token file`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The user does not exist (HTTP 404).
    #[error("user {0:?} does not exist")]
    UserNotFound(String),
    /// The role does not exist (HTTP 404, or found missing while resolving role names).
    #[error("role {0:?} does not exist")]
    RoleNotFound(String),
    /// No cluster is registered under this ID or alias (HTTP 404).
    #[error("cluster {0:?} is not registered")]
    ClusterNotFound(String),
    /// A user with this name exists already (HTTP 409).
    #[error("user {0:?} already exists")]
    UserAlreadyExists(String),
    /// A role with this name exists already (HTTP 409).
    #[error("role {0:?} already exists")]
    RoleAlreadyExists(String),
    /// A cluster with this ID, or another cluster with this alias, is registered (HTTP 409,
    /// or found registered by the check
    /// [`ClusterManager::register_with_id`](crate::ClusterManager::register_with_id) makes
    /// first).
    #[error("cluster {0:?} is already registered, or its alias is taken")]
    ClusterAlreadyRegistered(String),
    /// Login failed: unknown user or wrong password (HTTP 401 from the login endpoint).
    #[error("invalid credentials for user {0:?}")]
    InvalidCredentials(String),
    /// The token is missing, invalid, expired, revoked, or lacks admin rights (HTTP 401).
    #[error("unauthorized: {message}")]
    #[non_exhaustive]
    Unauthorized {
        /// The server's message.
        message: String,
    },
    /// The server protects this built-in entity, e.g. user `admin` or role `Admin` (HTTP 403).
    #[error("forbidden: {message}")]
    #[non_exhaustive]
    Forbidden {
        /// The server's message.
        message: String,
    },
    /// Any other status outside 2xx, redirects included (they are not followed), and any error
    /// reply that is not AuthN's JSON.
    #[error("{method} {path} failed with HTTP {status}: {message}")]
    #[non_exhaustive]
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's message (its JSON `message` field, or the start of a text body).
        message: String,
        /// The request method.
        method: &'static str,
        /// The request path below the base URL; for a request to a cluster
        /// ([`ClusterManager::register`](crate::ClusterManager::register)), the whole URL.
        path: String,
    },
    /// The server has no such endpoint: an AuthN release older than `since` (HTTP 404 that
    /// is not AuthN's own JSON error), e.g. `GET /.well-known/openid-configuration` on
    /// v1.4.1. A base URL that does not point at AuthN gives it too. See the README's
    /// supported versions.
    #[error(
        "{method} {path}: this server does not have {what} (AuthN has it since {since}; HTTP 404)"
    )]
    #[non_exhaustive]
    Unsupported {
        /// What is missing, e.g. `the OIDC discovery document`.
        what: &'static str,
        /// The first AuthN release that has it, e.g. `v1.4.2`.
        since: &'static str,
        /// The request method.
        method: &'static str,
        /// The request path below the base URL.
        path: String,
    },
    /// The request did not complete: connection, TLS, timeout, malformed HTTP, oversized reply.
    #[error("{method} {path}: {kind}: {message}")]
    #[non_exhaustive]
    Transport {
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// A description from the HTTP layer.
        message: String,
        /// The request method.
        method: &'static str,
        /// The request path below the base URL; for a request to a cluster
        /// ([`ClusterManager::register`](crate::ClusterManager::register)), the whole URL.
        path: String,
        /// Whether the request may have reached the server, and so been carried out: see
        /// [`Error::may_have_arrived`].
        may_have_arrived: bool,
        /// The cause: a [`std::io::Error`] for I/O failures, the TLS library's error for TLS
        /// failures (downcast to inspect them), else the HTTP layer's own error. Also what
        /// [`std::error::Error::source`] returns.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A successful (2xx) reply whose body is not what was expected, e.g. a login reply with
    /// no token.
    #[error("{method} {path}: cannot decode the reply: {message}")]
    #[non_exhaustive]
    Decode {
        /// What the decoder said.
        message: String,
        /// The request method.
        method: &'static str,
        /// The request path below the base URL; for a request to a cluster
        /// ([`ClusterManager::register`](crate::ClusterManager::register)), the whole URL.
        path: String,
        /// The JSON decoder's error (a `serde_json::Error`), when the body is not the JSON
        /// expected; `None` when the JSON decoded but a value in it is unusable. Also what
        /// [`std::error::Error::source`] returns.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// The kind of an [`Error::Transport`].
///
/// # Example
/// ```no_run
/// use aistore_authn::{Client, Error, TransportErrorKind};
///
/// let client = Client::new("http://127.0.0.1:52001")?;
/// let listed = client.role_manager().list();
/// if let Err(Error::Transport { kind: TransportErrorKind::Connect, .. }) = listed {
///     eprintln!("no AuthN server at {}", client.base_url());
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// A connect, read or whole-request timeout expired.
    Timeout,
    /// The host could not be resolved or reached, or refused the connection.
    Connect,
    /// The TLS handshake or certificate verification failed.
    Tls,
    /// The connection broke while sending or receiving.
    Io,
    /// The reply body is larger than the configured limit.
    TooLarge,
    /// The reply is not valid HTTP (a malformed status line or headers, headers over the
    /// HTTP layer's size limit), or it broke off or stalled in the middle of its body; also a
    /// request the HTTP layer could not build from its URL. (A redirect is never followed: a
    /// 3xx reply is an [`Error::Api`].)
    Protocol,
    /// Anything else the HTTP layer reported.
    Other,
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Tls => "TLS error",
            TransportErrorKind::Io => "I/O error",
            TransportErrorKind::TooLarge => "reply too large",
            TransportErrorKind::Protocol => "protocol error",
            TransportErrorKind::Other => "transport error",
        })
    }
}

impl Error {
    /// An [`Error::ConfigFile`]: `action` (e.g. `read the token file`) failed on `path`.
    pub(crate) fn config_file(
        action: &'static str,
        path: &std::path::Path,
        source: std::io::Error,
    ) -> Error {
        Error::ConfigFile {
            action,
            path: path.to_owned(),
            source,
        }
    }

    /// The HTTP status this error stands for: the one the server sent, or for a role found
    /// missing while resolving names, the 404 it would have sent. `None` for errors raised
    /// before or without an HTTP reply.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::Error;
    ///
    /// assert_eq!(Error::UserNotFound("bob".into()).status(), Some(404));
    /// assert_eq!(Error::InvalidArgument("empty".into()).status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::UserNotFound(_) | Error::RoleNotFound(_) | Error::ClusterNotFound(_) => {
                Some(404)
            }
            Error::UserAlreadyExists(_)
            | Error::RoleAlreadyExists(_)
            | Error::ClusterAlreadyRegistered(_) => Some(409),
            Error::InvalidCredentials(_) | Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::Api { status, .. } => Some(*status),
            Error::Unsupported { .. } => Some(404),
            _ => None,
        }
    }

    /// True when the request this error is about may have reached the server, and so may have
    /// been carried out although no reply says so: an [`Error::Transport`] after the
    /// connection was made (a timeout waiting for the reply, a connection reset or closed
    /// while sending or receiving, a reply cut short or garbled), or when an earlier attempt
    /// of the same call was such a failure (the call was retried). False for a failure that
    /// sent nothing (a refused connection, a host not found, a connect timeout, a failed TLS
    /// handshake), and for every other error: an HTTP error reply says what the server did.
    ///
    /// A write that fails this way may have been applied: read the entity back (or plan
    /// again) before repeating it.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::Client;
    ///
    /// let client = Client::from_env()?;
    /// match client.user_manager().create("alice", &[], "s3cret") {
    ///     Err(e) if e.may_have_arrived() => eprintln!("alice may have been created: {e}"),
    ///     Err(e) => eprintln!("alice was not created: {e}"),
    ///     Ok(_) => {}
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn may_have_arrived(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                may_have_arrived: true,
                ..
            }
        )
    }

    /// True for [`Error::UserNotFound`], [`Error::RoleNotFound`] and [`Error::ClusterNotFound`].
    ///
    /// # Example
    /// ```
    /// use aistore_authn::Error;
    ///
    /// assert!(Error::ClusterNotFound("c9".into()).is_not_found());
    /// assert!(!Error::Config("AIS_AUTHN_URL is not set".into()).is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::UserNotFound(_) | Error::RoleNotFound(_) | Error::ClusterNotFound(_)
        )
    }
}

/// What a request addressed, so that a 404, 409 or 401 can be typed without reading text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entity<'a> {
    /// No particular user, role or cluster.
    None,
    /// A user, by ID.
    User(&'a str),
    /// A role, by name.
    Role(&'a str),
    /// A cluster, by ID or alias.
    Cluster(&'a str),
    /// A login as this user.
    Login(&'a str),
}

/// The longest server message kept in an error; AuthN's are a line or two.
const MAX_MESSAGE: usize = 1024;

/// Builds the error for a reply with a status of 300 or above. `secrets` are what the request
/// carried (its token, a password): AuthN echoes tokens in its messages, and a proxy may echo a
/// request body, so each is cut out of the message.
///
/// Only AuthN's own JSON error body (an object with a `message`) is typed by entity: a plain
/// `404 page not found` from a wrong base path or a proxy must not read as "user not found",
/// or `delete(.., missing_ok)` would report success for a delete that never happened.
pub(crate) fn from_status(
    status: u16,
    body: &[u8],
    method: &'static str,
    path: &str,
    entity: Entity<'_>,
    secrets: &[Option<&str>],
) -> Error {
    let (message, from_authn) = server_message(body, secrets);
    let typed = match (from_authn, status, entity) {
        (false, ..) => None,
        (_, 404, Entity::User(n)) => Some(Error::UserNotFound(n.to_owned())),
        (_, 404, Entity::Role(n)) => Some(Error::RoleNotFound(n.to_owned())),
        (_, 404, Entity::Cluster(n)) => Some(Error::ClusterNotFound(n.to_owned())),
        // Only a create can clash with an existing entity; a 409 on an update (a cluster alias
        // taken by another cluster) stays an `Api` error with the server's message.
        (_, 409, Entity::User(n)) if method == "POST" => {
            Some(Error::UserAlreadyExists(n.to_owned()))
        }
        (_, 409, Entity::Role(n)) if method == "POST" => {
            Some(Error::RoleAlreadyExists(n.to_owned()))
        }
        (_, 409, Entity::Cluster(n)) if method == "POST" => {
            Some(Error::ClusterAlreadyRegistered(n.to_owned()))
        }
        (_, 401, Entity::Login(n)) => Some(Error::InvalidCredentials(n.to_owned())),
        (_, 401, _) => Some(Error::Unauthorized {
            message: message.clone(),
        }),
        (_, 403, _) => Some(Error::Forbidden {
            message: message.clone(),
        }),
        _ => None,
    };
    typed.unwrap_or(Error::Api {
        status,
        message,
        method,
        path: path.to_owned(),
    })
}

/// The message of an error reply with every secret and JWT cut out, then shortened; and
/// whether the body is AuthN's JSON error (an object with a string `message`). Other bodies
/// give their start as text.
fn server_message(body: &[u8], secrets: &[Option<&str>]) -> (String, bool) {
    #[derive(serde::Deserialize)]
    struct ErrBody {
        message: String,
    }
    // AuthN's decode-error messages can hold raw non-UTF-8 bytes, so read leniently.
    let body = String::from_utf8_lossy(body);
    let (mut text, from_authn) = match serde_json::from_str::<ErrBody>(&body) {
        Ok(e) => (e.message, true),
        Err(_) => (body.into_owned(), false),
    };
    // Redact before shortening, so that no cut leaves part of a secret behind.
    for secret in secrets.iter().flatten().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "[redacted]");
        // A body echoed back (by a proxy, say) holds the secret as the request's JSON wrote it.
        if let Ok(quoted) = serde_json::to_string(secret) {
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != *secret {
                text = text.replace(escaped, "[redacted]");
            }
        }
    }
    let mut text = redact_tokens(text.trim());
    if text.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    (text, from_authn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str, entity: Entity<'_>) -> Error {
        from_status(
            status,
            body.as_bytes(),
            "POST",
            "/v1/x",
            entity,
            &[Some("garbage.tok"), Some("pass-w0rd")],
        )
    }

    #[test]
    fn classifies_by_status_and_entity_not_text() {
        // A 404 whose text names a user, but the request addressed a role.
        let e = err(
            404,
            r#"{"message":"user \"bob\" does not exist"}"#,
            Entity::Role("ops"),
        );
        assert!(matches!(&e, Error::RoleNotFound(n) if n == "ops"), "{e:?}");
        assert!(e.is_not_found());
        let e = err(409, r#"{"message":"alias"}"#, Entity::Cluster("c1"));
        assert!(matches!(&e, Error::ClusterAlreadyRegistered(n) if n == "c1"));
        assert_eq!(e.status(), Some(409));
        let e = from_status(
            409,
            br#"{"message":"alias"}"#,
            "PUT",
            "/v1/x",
            Entity::Cluster("c1"),
            &[],
        );
        assert!(matches!(&e, Error::Api { status: 409, message, .. } if message == "alias"));
        let e = err(
            401,
            r#"{"message":"invalid credentials"}"#,
            Entity::Login("al"),
        );
        assert!(matches!(&e, Error::InvalidCredentials(n) if n == "al"));
        // A 404 that is not AuthN's JSON (wrong base path, proxy) is not "user not found".
        let e = err(404, "404 page not found\n", Entity::User("bob"));
        assert!(
            matches!(&e, Error::Api { status: 404, message, .. } if message == "404 page not found"),
            "{e:?}"
        );
        assert!(!e.is_not_found());
        let e = err(401, "<html>proxy login</html>", Entity::Login("bob"));
        assert!(matches!(&e, Error::Api { status: 401, .. }), "{e:?}");
    }

    #[test]
    fn keeps_the_message_field_and_redacts_tokens() {
        let body = r#"{"tcode":"X","message":"not authorized (invalid token: token revoked): \"eyJa.eyJb.c\"","status":401}"#;
        let e = err(401, body, Entity::User("bob"));
        match e {
            Error::Unauthorized { message, .. } => assert_eq!(
                message,
                r#"not authorized (invalid token: token revoked): "[redacted]""#
            ),
            other => panic!("{other:?}"),
        }
        let e = err(
            401,
            r#"{"message":"invalid token: \"garbage.tok\""}"#,
            Entity::None,
        );
        assert!(
            matches!(&e, Error::Unauthorized { message, .. } if message == r#"invalid token: "[redacted]""#)
        );
        let e = err(403, r#"{"message":"forbidden"}"#, Entity::User("admin"));
        assert!(matches!(&e, Error::Forbidden { message, .. } if message == "forbidden"));
    }

    #[test]
    fn invalid_utf8_in_a_json_body_keeps_the_message() {
        let body = b"{\"message\":\"readUint64: unexpected character: \xff, x\",\"status\":400}\n";
        match from_status(
            400,
            body,
            "POST",
            "/v1/users/bob",
            Entity::Login("bob"),
            &[],
        ) {
            Error::Api {
                status: 400,
                message,
                ..
            } => {
                assert_eq!(message, "readUint64: unexpected character: \u{FFFD}, x")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn secrets_are_cut_before_the_message_is_shortened() {
        // A token straddling the 1024-byte cut, and a password echoed by a proxy.
        let body = format!("{}garbage.tok and pass-w0rd", "x".repeat(1020));
        let e = err(502, &body, Entity::None);
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("garb") && !shown.contains("pass-w0rd"),
            "{shown}"
        );
    }

    #[test]
    fn secrets_are_cut_in_their_json_escaped_form_too() {
        let secret = "pa\"ss\\w\u{1}rd";
        // The request body as a proxy might echo it back.
        let body = format!("bad request: {}", serde_json::json!({"pass": secret}));
        let e = from_status(
            400,
            body.as_bytes(),
            "POST",
            "/v1/users",
            Entity::None,
            &[Some(secret)],
        );
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("ss\\\\w") && !shown.contains("pa\\\"ss"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(2000);
        match err(502, &body, Entity::None) {
            Error::Api { message, .. } => {
                assert!(message.len() <= MAX_MESSAGE + '…'.len_utf8());
                assert!(message.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }
}

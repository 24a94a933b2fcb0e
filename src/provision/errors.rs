//! The problems found in a spec, each with its JSON path. Public through
//! [`provision`](crate::provision).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Error;

/// One problem in a spec: where (a JSON path such as `users[3].roles[1]`; empty for the whole
/// document) and what.
///
/// # Example
/// ```
/// use aistore_authn::provision::Spec;
///
/// let errors = Spec::from_json(r#"{"users": [{"id": "bob", "rolez": []}]}"#).unwrap_err();
/// let first = errors.iter().next().unwrap();
/// assert_eq!(first.path, "users[0].rolez");
/// assert_eq!(first.to_string(), format!("users[0].rolez: {}", first.message));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// The JSON path of the value at fault; empty for the document itself.
    pub path: String,
    /// What is wrong and, where it helps, what to write instead.
    pub message: String,
    /// The I/O error behind it (a password file that cannot be read), also its
    /// [`source`](std::error::Error::source).
    #[serde(skip)]
    cause: Option<IoCause>,
}

/// An I/O error shared by the clones of a [`ValidationError`]; two are equal when they say
/// the same.
#[derive(Debug, Clone)]
struct IoCause(Arc<std::io::Error>);

impl PartialEq for IoCause {
    fn eq(&self, other: &IoCause) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoCause {}

impl ValidationError {
    /// The I/O error behind this problem, when there is one: a password file that is missing
    /// ([`NotFound`](std::io::ErrorKind::NotFound)) or cannot be read
    /// ([`PermissionDenied`](std::io::ErrorKind::PermissionDenied), ...).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::provision::Spec;
    ///
    /// let spec = Spec::from_json(r#"{"users": [{"id": "bob", "password": {"file": "/no/such/file"}}]}"#)?;
    /// let errors = spec.validate().unwrap_err();
    /// let problem = errors.iter().next().unwrap();
    /// assert_eq!(problem.path, "users[0].password.file");
    /// assert_eq!(problem.io_error().map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
    /// # Ok::<(), aistore_authn::provision::ValidationErrors>(())
    /// ```
    pub fn io_error(&self) -> Option<&std::io::Error> {
        self.cause.as_ref().map(|c| &*c.0)
    }
}

impl std::error::Error for ValidationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_ref()
            .map(|c| &*c.0 as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "spec"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// Every problem found in a spec, in document order. `Display` writes one per line.
/// Converts into [`Error::InvalidArgument`] with that text.
///
/// # Example
/// ```
/// use aistore_authn::provision::Spec;
///
/// let errors = Spec::from_json(r#"{"roles": [{"name": "a b", "acls": [
///     {"cluster": "c1", "perms": "ro,FLY"}]}]}"#)
///     .unwrap()
///     .validate()
///     .unwrap_err();
/// let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
/// assert_eq!(paths, ["roles[0].name", "roles[0].acls[0].perms"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct ValidationErrors {
    /// The problems.
    pub errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// The problems, in order.
    ///
    /// # Example
    /// ```
    /// let errors = aistore_authn::provision::Spec::from_json("[]").unwrap_err();
    /// assert_eq!(errors.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// How many problems there are.
    ///
    /// # Example
    /// ```
    /// let errors = aistore_authn::provision::Spec::from_json("{}").unwrap().validate();
    /// assert!(errors.is_ok());
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// True when there is none.
    ///
    /// # Example
    /// ```
    /// assert!(aistore_authn::provision::ValidationErrors::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: path.into(),
            message: message.into(),
            cause: None,
        });
    }

    /// A problem with the I/O error behind it, if any (kept as its source).
    pub(crate) fn push_io(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        cause: Option<std::io::Error>,
    ) {
        self.errors.push(ValidationError {
            path: path.into(),
            message: message.into(),
            cause: cause.map(|e| IoCause(Arc::new(e))),
        });
    }

    pub(crate) fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<ValidationErrors> for Error {
    /// [`Error::InvalidArgument`] listing every problem, one per line.
    fn from(errors: ValidationErrors) -> Error {
        let n = errors.len();
        let s = if n == 1 { "" } else { "s" };
        Error::InvalidArgument(format!("the spec has {n} problem{s}:\n{errors}"))
    }
}

/// Why a saved plan ([`SavedPlan`](crate::provision::SavedPlan)) was refused: nothing was
/// written in any case.
///
/// # Example
/// ```
/// use aistore_authn::provision::{SavedPlan, SavedPlanError};
///
/// let refused = SavedPlan::from_json(r#"{"format": "ais-authn-plan", "version": 9}"#);
/// assert!(matches!(refused, Err(SavedPlanError::Malformed(_))));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SavedPlanError {
    /// The text is not a saved plan this release reads: not JSON, not
    /// `"format": "ais-authn-plan"`, a `version` other than 1, or a field missing, unknown
    /// or of the wrong type (a spec's problems with their JSON paths below `spec`). Nothing
    /// was sent.
    #[error("not a usable saved plan: {0}")]
    Malformed(String),
    /// The plan was made against another server (its base URL, as the client spells it).
    /// Nothing was sent.
    #[error(
        "the plan was made for the server at {planned}, not {current}; make a plan for this server"
    )]
    #[non_exhaustive]
    OtherServer {
        /// The base URL the plan recorded.
        planned: String,
        /// The client's base URL.
        current: String,
    },
    /// The server is not as it was when the plan was made (or the client is logged in as
    /// another user): each change in words, e.g.
    /// `user alice's roles changed: [Guest-c1] -> [ops]`. Only the three reads were sent.
    #[error("the server changed since the plan was made (run plan again):\n{}", changes.join("\n"))]
    #[non_exhaustive]
    Stale {
        /// What changed, one entry per cluster, role or user.
        changes: Vec<String>,
    },
    /// The server is as recorded, but the plan's spec no longer gives the actions the file
    /// lists: the file was edited, or it was made by a release that plans differently. Only
    /// the three reads were sent.
    #[error("the plan's actions are not what its spec gives (was the file edited?); make the plan again:\n{}", differences.join("\n"))]
    #[non_exhaustive]
    ActionsDiffer {
        /// Each action that differs, by its number.
        differences: Vec<String>,
    },
    /// Planning again failed as [`plan`](crate::provision::plan()) fails: the spec's
    /// problems ([`Error::InvalidArgument`], e.g. a password source that cannot be read now;
    /// nothing sent), or a failed read.
    #[error(transparent)]
    Plan(#[from] Error),
}

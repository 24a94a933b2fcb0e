//! Client-side argument checks and path-segment encoding, applied before any request.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;

/// What stays unencoded in a path segment: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The longest user ID, role name or cluster alias the server accepts.
pub(crate) const MAX_NAME_LEN: usize = 32;

/// The longest password the server can hash (bcrypt); a longer one makes it drop the connection.
pub(crate) const MAX_PASSWORD_BYTES: usize = 72;

fn invalid(msg: String) -> Error {
    Error::InvalidArgument(msg)
}

/// The characters AuthN allows in names: ASCII letters, digits, `-` and `_`.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Checks a name the server validates on create: a user ID, role name or cluster alias.
/// The rule is the server's `IsAlphaNice`: ASCII letters, digits, `-` and `_`, at most 32
/// characters, and no `-` or `_` first or last.
pub(crate) fn check_new_name(kind: &str, name: &str) -> Result<(), Error> {
    let edge = |c: Option<char>| matches!(c, Some('-' | '_'));
    if name.is_empty() {
        return Err(invalid(format!("{kind} must not be empty")));
    }
    if name.len() > MAX_NAME_LEN
        || !name.chars().all(is_name_char)
        || edge(name.chars().next())
        || edge(name.chars().last())
    {
        return Err(invalid(format!(
            "{kind} {name:?} is invalid: use at most {MAX_NAME_LEN} ASCII letters, digits, '-' \
             and '_', not starting or ending with '-' or '_'"
        )));
    }
    Ok(())
}

/// Checks a new cluster ID. AuthN accepts any ID, but it names the roles it makes for the
/// cluster after it, and an ID with `/`, spaces or other punctuation makes those roles
/// impossible to address. AIS cluster IDs are ASCII letters, digits, `-` and `_`.
pub(crate) fn check_cluster_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(invalid("cluster ID must not be empty".into()));
    }
    if !id.chars().all(is_name_char) {
        return Err(invalid(format!(
            "cluster ID {id:?} is invalid: use ASCII letters, digits, '-' and '_'"
        )));
    }
    Ok(())
}

/// Percent-encodes a name that addresses an existing entity as one URL path segment.
///
/// Existing names can be longer or odder than new ones (roles AuthN makes for a cluster embed
/// its ID), so only what cannot be addressed at all is refused: the empty name, `.`, `..`,
/// and `/`, which the server splits on after decoding the path.
pub(crate) fn segment<'a>(kind: &str, name: &'a str) -> Result<Cow<'a, str>, Error> {
    if name.is_empty() {
        return Err(invalid(format!("{kind} must not be empty")));
    }
    if name == "." || name == ".." || name.contains('/') {
        return Err(invalid(format!(
            "{kind} {name:?} cannot be addressed in a URL path"
        )));
    }
    // Borrowed when nothing needs encoding, as for every name AuthN accepts.
    Ok(utf8_percent_encode(name, SEGMENT).into())
}

/// Checks a password before it is sent: not empty or blank, at most 72 bytes.
pub(crate) fn check_password(password: &str) -> Result<(), Error> {
    if password.trim().is_empty() {
        return Err(invalid("password must not be empty or blank".into()));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(format!(
            "password is {} bytes; AuthN (bcrypt) takes at most {MAX_PASSWORD_BYTES}",
            password.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_names_follow_the_server_rule() {
        for ok in ["a", "alice", "Guest-c1", "a_b-c9", &"x".repeat(32)] {
            assert!(check_new_name("user ID", ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a_", "a b", "a/b", "é", "a.b", &"x".repeat(33)] {
            let e = check_new_name("user ID", bad).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{bad}");
        }
    }

    #[test]
    fn cluster_ids() {
        assert!(check_cluster_id("eTdL4YGHN_x-1").is_ok());
        for bad in ["", "a b", "a/b", "a.b"] {
            assert!(check_cluster_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(
            segment("role", "ClusterOwner-c1").unwrap(),
            "ClusterOwner-c1"
        );
        assert_eq!(segment("role", "a b?c#d%e").unwrap(), "a%20b%3Fc%23d%25e");
        assert_eq!(segment("user", "é").unwrap(), "%C3%A9");
        for bad in ["", ".", "..", "a/b"] {
            assert!(segment("user", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("s3cret").is_ok());
        assert!(check_password(&"p".repeat(72)).is_ok());
        for bad in ["", "  \t", &"p".repeat(73)] {
            assert!(check_password(bad).is_err());
        }
    }
}

//! Why a token was refused by offline verification: the reason carried by
//! [`Error::TokenRejected`](crate::Error::TokenRejected).
//!
//! This module is compiled with or without the `verify` feature, so that [`Error`] is the same
//! type either way; only the verifier itself needs the feature.
//!
//! [`Error`]: crate::Error

use std::fmt;

/// Why `Verifier::verify` (feature `verify`) refused a token. Carried by
/// [`Error::TokenRejected`](crate::Error::TokenRejected), with a message that says more (never
/// the token itself).
///
/// New reasons may be added in minor releases: match with a wildcard arm.
///
/// # Example
/// ```
/// use aistore_authn::{Error, RejectReason};
///
/// fn explain(e: &Error) -> &'static str {
///     match e {
///         Error::TokenRejected { reason: RejectReason::Expired, .. } => "log in again",
///         Error::TokenRejected { reason: RejectReason::BadSignature, .. } => "forged or altered",
///         Error::TokenRejected { .. } => "not a token we accept",
///         _ => "some other failure",
///     }
/// }
/// assert_eq!(RejectReason::Expired.to_string(), "expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// Not a well-formed JWT: not three parts, a part that is not strict base64url (unpadded,
    /// no stray bits), a header or claims that are not the JSON AuthN writes, no `sub`, no
    /// `exp`, a `crit` header, or over the size limit.
    Malformed,
    /// The signature does not match the header and claims under the key: the token was
    /// altered, or signed with another key or secret.
    BadSignature,
    /// The expiry (`exp`), plus the leeway, has passed.
    Expired,
    /// The token claims to be issued (`iat`) or valid only from (`nbf`) a time later than now
    /// plus the leeway.
    NotYetValid,
    /// The header's `alg` is not one the key signs with: `none`, an HMAC algorithm for an RSA
    /// key (the key-confusion attack), an RSA algorithm for an HMAC secret, or anything else.
    WrongAlgorithm,
    /// The token's key ID (`kid`) is not in the key set (after a refetch, where the verifier
    /// may refetch), or the token names no key where a key set needs one.
    UnknownKey,
    /// The issuer (`iss`) is not the one the verifier requires.
    WrongIssuer,
    /// The audience (`aud`) holds none of the values the verifier requires.
    WrongAudience,
}

/// Lowercase words: `malformed`, `bad signature`, `expired`, `not yet valid`,
/// `wrong algorithm`, `unknown key`, `wrong issuer`, `wrong audience`.
///
/// # Example
/// ```
/// assert_eq!(aistore_authn::RejectReason::UnknownKey.to_string(), "unknown key");
/// ```
impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            RejectReason::Malformed => "malformed",
            RejectReason::BadSignature => "bad signature",
            RejectReason::Expired => "expired",
            RejectReason::NotYetValid => "not yet valid",
            RejectReason::WrongAlgorithm => "wrong algorithm",
            RejectReason::UnknownKey => "unknown key",
            RejectReason::WrongIssuer => "wrong issuer",
            RejectReason::WrongAudience => "wrong audience",
        })
    }
}

//! Login tokens as values: an AuthN JWT and the claims it carries.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::info::{BucketAcl, ClusterAcl};
use crate::secret::Secret;

/// An AuthN login token (a JWT) with its claims decoded.
///
/// Decoding does **not** verify the signature: only the server can, and it does on every
/// request. Use the claims to show who a token belongs to and when it expires, not to make
/// access decisions. `Debug` prints the claims, never the token.
///
/// # Example
/// ```
/// use aistore_authn::Token;
///
/// // Header {"alg":"HS256"}, claims {"sub":"alice","exp":4102444800}.
/// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
/// let token = Token::parse(jwt)?;
/// assert_eq!(token.subject(), "alice");
/// assert!(!token.is_admin() && !token.is_expired());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    jwt: Secret,
    algorithm: String,
    key_id: Option<String>,
    claims: TokenClaims,
}

/// What an AuthN token says about its holder.
///
/// Serializes (serde) as the JWT claims it came from: `sub`, `iss`, `admin`, `exp` and `iat`
/// as integer seconds since 1970, `aud`, `clusters`, `buckets`, with `perm` as a decimal
/// string; like AuthN, it leaves out `aud` and `buckets` when empty, and `iat` when unknown.
///
/// # Example
/// ```
/// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
/// let claims = aistore_authn::Token::parse(jwt)?.claims().clone();
/// assert_eq!(claims.subject, "alice");
/// assert!(!claims.admin && claims.clusters.is_empty() && claims.issued_at.is_none());
///
/// let json = serde_json::to_value(&claims).unwrap();
/// assert_eq!((json["sub"].as_str(), json["exp"].as_i64()), (Some("alice"), Some(4102444800)));
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenClaims {
    /// The user ID (`sub`).
    pub subject: String,
    /// The issuing server (`iss`), e.g. `http://localhost:52001`.
    pub issuer: String,
    /// True for administrators (`admin`); their tokens carry no ACLs.
    pub admin: bool,
    /// When the token stops being accepted (`exp`).
    pub expires_at: SystemTime,
    /// When the token was issued (`iat`), if it says.
    pub issued_at: Option<SystemTime>,
    /// The cluster IDs the token is meant for (`aud`).
    pub audience: Vec<String>,
    /// Permissions on clusters: the union of the user's roles at login time.
    pub clusters: Vec<ClusterAcl>,
    /// Permissions on buckets: the union of the user's roles at login time.
    pub buckets: Vec<BucketAcl>,
}

impl Serialize for TokenClaims {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Claims<'a> {
            sub: &'a str,
            iss: &'a str,
            admin: bool,
            exp: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            iat: Option<i64>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            aud: &'a [String],
            clusters: &'a [ClusterAcl],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            buckets: &'a [BucketAcl],
        }
        Claims {
            sub: &self.subject,
            iss: &self.issuer,
            admin: self.admin,
            exp: unix_secs(self.expires_at),
            iat: self.issued_at.map(unix_secs),
            aud: &self.audience,
            clusters: &self.clusters,
            buckets: &self.buckets,
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct WireClaims {
    #[serde(default)]
    sub: String,
    #[serde(default)]
    iss: String,
    #[serde(default)]
    admin: bool,
    exp: Option<i64>,
    iat: Option<i64>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    clusters: Option<Vec<ClusterAcl>>,
    #[serde(default)]
    buckets: Option<Vec<BucketAcl>>,
    /// Not kept in [`Token`]; any value is accepted here (the verifier checks it).
    #[serde(default)]
    nbf: Option<serde_json::Value>,
}

/// `aud` is a list in AuthN tokens; JWT also allows a single string.
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// By hand rather than `#[serde(untagged)]`, which buffers the value and builds an error for
/// the variant that does not match, for every token (the verifier decodes many).
impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Audience, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Audience, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Audience::Many)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Token {
    /// Decodes a JWT's header and claims, without verifying its signature. Surrounding
    /// whitespace is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] when the string is not three parts separated by dots, the header
    /// or the claims are not base64url-encoded JSON, or the claims lack `sub` or `exp` (AuthN
    /// requires both).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Error, Token};
    ///
    /// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// let token = Token::parse(jwt)?;
    /// assert_eq!((token.subject(), token.algorithm()), ("alice", "HS256"));
    /// assert!(matches!(Token::parse("not-a-jwt"), Err(Error::InvalidToken(_))));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn parse(jwt: &str) -> Result<Token, Error> {
        let bad = |why: &str| Error::InvalidToken(why.to_owned());
        let jwt = jwt.trim();
        let mut parts = jwt.split('.');
        let (Some(header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("a JWT has three parts separated by dots"));
        };
        let header: Header = serde_json::from_slice(&base64url(header)?)
            .map_err(|_| bad("the JWT header is not JSON"))?;
        let claims = base64url(payload)?;
        Token::from_decoded(jwt, header.alg, header.kid, &claims).map(|(token, _)| token)
    }

    /// The token `jwt` (already trimmed), whose header said `algorithm` and `key_id` and whose
    /// claims part decodes to `claims_json`: what [`Token::parse`] does after decoding the
    /// header, for a caller that has decoded both parts already (the verifier). Also returns
    /// the `nbf` claim as written, which `Token` does not keep.
    pub(crate) fn from_decoded(
        jwt: &str,
        algorithm: String,
        key_id: Option<String>,
        claims_json: &[u8],
    ) -> Result<(Token, Option<serde_json::Value>), Error> {
        let bad = |why: &str| Error::InvalidToken(why.to_owned());
        let wire: WireClaims = serde_json::from_slice(claims_json)
            .map_err(|e| Error::InvalidToken(format!("the JWT claims do not decode: {e}")))?;
        if wire.sub.is_empty() {
            return Err(bad("the token has no subject (sub)"));
        }
        let expires_at = wire
            .exp
            .map(unix_time)
            .ok_or_else(|| bad("the token has no expiry (exp)"))?;
        let audience = match wire.aud {
            None => Vec::new(),
            Some(Audience::One(a)) => vec![a],
            Some(Audience::Many(a)) => a,
        };
        let token = Token {
            jwt: Secret::new(jwt.to_owned()),
            algorithm,
            key_id,
            claims: TokenClaims {
                subject: wire.sub,
                issuer: wire.iss,
                admin: wire.admin,
                expires_at,
                issued_at: wire.iat.map(unix_time),
                audience,
                clusters: wire.clusters.unwrap_or_default(),
                buckets: wire.buckets.unwrap_or_default(),
            },
        };
        Ok((token, wire.nbf))
    }

    /// The JWT itself, to send or store. Never log it.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert_eq!(token.as_str(), jwt);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        self.jwt.expose()
    }

    /// The decoded claims.
    ///
    /// # Example
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    ///
    /// assert_eq!(token.claims().expires_at, UNIX_EPOCH + Duration::from_secs(4_102_444_800));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn claims(&self) -> &TokenClaims {
        &self.claims
    }

    /// The user the token belongs to.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert_eq!(token.subject(), "alice");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn subject(&self) -> &str {
        &self.claims.subject
    }

    /// True for an administrator's token.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert!(!token.is_admin());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn is_admin(&self) -> bool {
        self.claims.admin
    }

    /// The signing algorithm from the header: `HS256` (HMAC secret) or `RS256` (RSA key).
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert_eq!(token.algorithm(), "HS256");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The signing key's ID from the header (`kid`; RSA mode only), as listed in the JWKS.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert_eq!(token.key_id(), None); // an HMAC token names no key
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// True when the expiry has passed.
    ///
    /// # Example
    /// ```
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    /// assert!(!token.is_expired()); // it expires in 2100
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn is_expired(&self) -> bool {
        self.time_left().is_zero()
    }

    /// Time until expiry; zero once expired.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// # let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
    /// # let token = aistore_authn::Token::parse(jwt)?;
    ///
    /// assert!(token.time_left() > Duration::from_secs(365 * 24 * 3600));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn time_left(&self) -> Duration {
        self.claims
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("jwt", &self.jwt)
            .field("algorithm", &self.algorithm)
            .field("claims", &self.claims)
            .finish()
    }
}

/// Seconds since 1970 as a time; out-of-range values (negative, or past what this platform's
/// clock can hold) are clamped rather than allowed to panic.
fn unix_time(secs: i64) -> SystemTime {
    let secs = u64::try_from(secs).unwrap_or(0);
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
}

/// A time as whole seconds since 1970, negative before it; saturating, never panicking.
fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Decodes base64url, unpadded as JWT parts are written (padding is tolerated).
fn base64url(part: &str) -> Result<Vec<u8>, Error> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
    use base64::Engine as _;
    URL_SAFE_NO_PAD_INDIFFERENT
        .decode(part)
        .map_err(|_| Error::InvalidToken("a JWT part is not base64url".to_owned()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::AccessAttr;

    fn b64(data: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    pub(crate) fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64(br#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
            b64(claims.as_bytes())
        )
    }

    #[test]
    fn decodes_authn_claims() {
        let t = Token::parse(&jwt(
            r#"{"sub":"alice","iss":"http://localhost:52001","exp":4102444800,"iat":1700000000,"aud":["u1"],"admin":false,
                "clusters":[{"id":"u1","perm":"771"},{"id":""}],
                "buckets":[{"bck":{"name":"b","provider":"aws","namespace":{"uuid":"u1","name":""}},"perm":"831"}]}"#,
        ))
        .unwrap();
        assert_eq!(
            (t.subject(), t.is_admin(), t.algorithm(), t.key_id()),
            ("alice", false, "RS256", Some("k1"))
        );
        let c = t.claims();
        assert_eq!(c.expires_at, UNIX_EPOCH + Duration::from_secs(4102444800));
        assert_eq!(
            c.issued_at,
            Some(UNIX_EPOCH + Duration::from_secs(1700000000))
        );
        assert_eq!(c.audience, ["u1"]);
        assert_eq!(c.clusters[0].perm, AccessAttr::ACCESS_RO);
        assert_eq!(c.clusters[1].id, "");
        assert_eq!(c.buckets[0].bucket.provider, "aws");
        assert!(!t.is_expired() && t.time_left() > Duration::from_secs(3600));
        let printed = format!("{t:?}");
        assert!(
            printed.contains("alice") && !printed.contains(t.as_str()),
            "{printed}"
        );
    }

    #[test]
    fn extreme_expiries_are_read_as_far_future_or_long_past() {
        for (exp, expired) in [(i64::MAX, false), (i64::MIN, true), (-1, true), (0, true)] {
            let t = Token::parse(&jwt(&format!(r#"{{"sub":"a","exp":{exp}}}"#))).unwrap();
            assert_eq!(t.is_expired(), expired, "exp {exp}");
            if expired {
                assert_eq!(t.time_left(), Duration::ZERO, "exp {exp}");
            } else {
                // Beyond what the clock can hold: as far ahead as it can, decades at least.
                assert!(t.time_left() > Duration::from_secs(100 * 365 * 24 * 3600));
            }
        }
    }

    #[test]
    fn expiry_and_audience_forms() {
        let t = Token::parse(&jwt(
            r#"{"sub":"a","exp":1000,"aud":"one","admin":true,"clusters":null}"#,
        ))
        .unwrap();
        assert!(t.is_expired() && t.is_admin());
        assert_eq!(t.time_left(), Duration::ZERO);
        assert_eq!(t.claims().audience, ["one"]);
        assert!(t.claims().clusters.is_empty());
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        for bad in [
            "".to_owned(),
            "abc".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            "!!.e30.x".into(),
            jwt("not json"),
            jwt(r#"{"exp":1}"#),
            jwt(r#"{"sub":"a"}"#),
            jwt(r#"{"sub":"a","exp":"soon"}"#),
            // An audience that is neither a string nor a list of strings.
            jwt(r#"{"sub":"a","exp":1,"aud":5}"#),
            jwt(r#"{"sub":"a","exp":1,"aud":["u1",5]}"#),
            jwt(r#"{"sub":"a","exp":1,"aud":{"u1":true}}"#),
        ] {
            assert!(
                matches!(Token::parse(&bad), Err(Error::InvalidToken(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn claims_serialize_as_the_jwt_claims() {
        let claims = r#"{"sub":"alice","iss":"http://localhost:52001","admin":false,"exp":4102444800,"iat":1700000000,"aud":["u1"],
            "clusters":[{"id":"u1","perm":"771"}],
            "buckets":[{"bck":{"name":"b","provider":"aws","namespace":{"uuid":"u1","name":""}},"perm":"831"}]}"#;
        let t = Token::parse(&jwt(claims)).unwrap();
        let json = serde_json::to_value(t.claims()).unwrap();
        assert_eq!(
            json,
            serde_json::from_str::<serde_json::Value>(claims).unwrap()
        );
        // What it writes, Token::parse reads back to the same claims.
        let again = Token::parse(&jwt(&json.to_string())).unwrap();
        assert_eq!(again.claims(), t.claims());

        // An admin token: no ACLs, no audience, no iat (left out as AuthN leaves them out).
        let t = Token::parse(&jwt(
            r#"{"sub":"admin","exp":1000,"admin":true,"clusters":null}"#,
        ))
        .unwrap();
        assert_eq!(
            serde_json::to_value(t.claims()).unwrap(),
            serde_json::json!({"sub": "admin", "iss": "", "admin": true, "exp": 1000, "clusters": []})
        );
    }

    #[test]
    fn identity_serializes_claims_and_user() {
        let t = Token::parse(&jwt(r#"{"sub":"alice","exp":4102444800,"aud":["u1"]}"#)).unwrap();
        let user: crate::UserInfo = serde_json::from_str(
            r#"{"id":"alice","roles":[{"name":"ops","desc":"","clusters":[{"id":"u1","perm":"771"}],"buckets":null,"admin":false}]}"#,
        )
        .unwrap();
        let me = crate::Identity {
            claims: t.claims().clone(),
            user,
        };
        assert_eq!(
            serde_json::to_value(&me).unwrap(),
            serde_json::json!({
                "claims": {"sub": "alice", "iss": "", "admin": false, "exp": 4102444800_i64,
                           "aud": ["u1"], "clusters": []},
                "user": {"id": "alice", "roles": [{"name": "ops", "desc": "",
                         "clusters": [{"id": "u1", "perm": "771"}], "buckets": [], "admin": false}]}
            })
        );
    }

    #[test]
    fn unix_secs_saturates() {
        assert_eq!(unix_secs(UNIX_EPOCH), 0);
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_millis(1999)), 1);
        if let Some(before) = UNIX_EPOCH.checked_sub(Duration::from_secs(5)) {
            assert_eq!(unix_secs(before), -5);
        }
        // Whatever this platform's clock holds: no overflow either way.
        assert!(unix_secs(unix_time(i64::MAX)) >= i64::from(u32::MAX));
    }

    #[test]
    fn base64url_as_jwt_parts_are_written() {
        // The URL-safe alphabet: `-` and `_` where standard base64 has `+` and `/`.
        assert_eq!(base64url("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(base64url("Pz4_").unwrap(), b"?>?");
        assert_eq!(base64url("e30").unwrap(), b"{}");
        assert_eq!(base64url("e30=").unwrap(), b"{}", "padding is tolerated");
        assert_eq!(base64url("").unwrap(), b"");
        for bad in ["+/+/", "Pz4/", "e30!", "a", "e30.e30"] {
            assert!(
                matches!(base64url(bad), Err(Error::InvalidToken(_))),
                "{bad}"
            );
        }
    }
}

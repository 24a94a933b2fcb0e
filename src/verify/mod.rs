//! Offline verification of AuthN tokens (feature `verify`): the signature with the server's
//! HMAC secret or RSA public key, the algorithm, the times, optionally issuer and audience;
//! then permission checks as an AIStore cluster makes them ([`crate::access`]).
//!
//! The reference for users (the checks in order and the refusal each gives, the permission
//! rules, what is not covered) is the crate docs' section "Verifying tokens offline" in
//! `src/lib.rs`: this module is private, so its own docs never reach them. Keep the two true
//! together.
//!
//! What AIStore v1.5.0 checks, and where: `cmd/authn/tok/token.go` (`ValidateToken`,
//! `buildParseOptions`: RS256/384/512 and HS256 only, strict base64url, `exp` required, a
//! `sub` required by `AISClaims.Validate`) and `cmd/authn/tok/key_mgr.go` (a key set refetched
//! when a key ID is unknown, at most every 30 s; key IDs of at most 256 characters without
//! shell or path characters, `GetKeyID` in `token.go`).
//!
//! Here the [`Verifier`]: how it is made, its settings, and [`Verifier::verify`], which runs
//! the checks in order. In their own files: the keys and the key set it refetches ([`keys`]),
//! the checks of the token's parts, signature and claims ([`jwt`]), the [`VerifiedToken`]
//! ([`verified`]), and RSA public keys from PEM ([`der`]).

pub(crate) mod der;
pub(crate) mod jwt;
pub(crate) mod keys;
pub(crate) mod verified;

use std::fmt;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use crate::api::server::ServerManager;
#[cfg(doc)]
use crate::error::reject::RejectReason;
use crate::error::Error;
use crate::model::server::Jwks;
use crate::verify::der::rsa_key_from_pem;
use crate::verify::jwt::Parts;
use crate::verify::keys::{fetch_key_set, key_set, KeySet, Keys};

// Re-exported by lib.rs from here, with the verifier.
pub use crate::verify::verified::VerifiedToken;

/// Verifies AuthN tokens without asking the server: signature, algorithm, expiry, issue time,
/// and optionally issuer and audience. Feature `verify`.
///
/// Make one from what the server signs with: its HMAC secret ([`Verifier::hmac`], e.g.
/// [`ServerConfig::secret`](crate::ServerConfig::secret)), its RSA public key
/// ([`Verifier::rsa_public_key_pem`] with
/// [`ServerManager::public_key`](crate::ServerManager::public_key)), its key set
/// ([`Verifier::from_jwks`]), or the server itself ([`Verifier::from_server`], which refetches
/// the key set when a token names a new key, as after
/// [`rotate_key`](crate::ServerManager::rotate_key)). Then [`verify`](Verifier::verify) each
/// token, and ask the [`VerifiedToken`] what it allows.
///
/// The key pins the algorithm: an HMAC secret accepts `HS256` only, an RSA key `RS256`,
/// `RS384` and `RS512` (or only the `alg` its JWK names); `alg: none`, and a token signed
/// with HMAC using the RSA public key as the secret, are refused. HMAC signatures are compared
/// in constant time (ring's `hmac::verify`).
///
/// Times are checked as AIStore v1.5.0 checks them (golang-jwt's defaults): a token is
/// expired once `exp` has passed, refused as not yet valid while an `nbf` is still to come,
/// and its `iat` is not checked. The default leeway is zero
/// ([`Verifier::DEFAULT_LEEWAY`]) so that a token this verifier accepts is one a cluster
/// accepts too: with a leeway, [`VerifiedToken::allows`] could say yes for up to that long
/// after a cluster refuses the token. [`leeway`](Verifier::leeway) allows for clock
/// differences where that matters more.
///
/// It does not know about revocation: a token revoked with
/// [`TokenManager::revoke`](crate::TokenManager::revoke) verifies until it expires, as it
/// does on a cluster that has not received the revocation.
///
/// `Send + Sync`; clones share the key set. `Debug` never prints the secret.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, Bucket, Error, RejectReason, Verifier};
/// # fn sign(claims: &str, secret: &str) -> String {
/// #     use base64::Engine as _;
/// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
/// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
/// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
/// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
/// # }
///
/// // A token as AuthN signs it with the HMAC secret "s3cret": read-write on cluster c1.
/// let jwt = sign(r#"{"sub":"alice","exp":4102444800,"clusters":[{"id":"c1","perm":"831"}]}"#, "s3cret");
///
/// let verifier = Verifier::hmac("s3cret")?;
/// let token = verifier.verify(&jwt)?;
/// assert_eq!(token.subject(), "alice");
/// assert!(token.allows("c1", Some(&Bucket::new("ais", "raw")), AccessAttr::PUT));
/// assert!(!token.allows("c2", Some(&Bucket::new("ais", "raw")), AccessAttr::GET));
///
/// // Another secret: refused, and the error says why.
/// match Verifier::hmac("guess")?.verify(&jwt) {
///     Err(Error::TokenRejected { reason: RejectReason::BadSignature, .. }) => {}
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Keys>,
    leeway: Duration,
    issuer: Option<String>,
    audience: Vec<String>,
    min_refetch_interval: Duration,
}

impl Verifier {
    /// The default leeway for clock differences: none, as AIStore allows none.
    pub const DEFAULT_LEEWAY: Duration = Duration::ZERO;
    /// The default shortest time between two refetches of a server's key set: 30 s, as
    /// AIStore's `defaultMinRotationRefresh`.
    pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

    fn with_keys(keys: Keys) -> Verifier {
        Verifier {
            keys: Arc::new(keys),
            leeway: Verifier::DEFAULT_LEEWAY,
            issuer: None,
            audience: Vec::new(),
            min_refetch_interval: Verifier::DEFAULT_MIN_REFETCH_INTERVAL,
        }
    }

    /// A verifier for a server that signs with an HMAC secret (`auth.secret`, or
    /// `AIS_AUTHN_SECRET_KEY`; an admin reads it with
    /// [`ServerManager::config`](crate::ServerManager::config)). Accepts `HS256` only.
    ///
    /// What it keeps is ring's HMAC key, made from the secret once rather than for each token;
    /// `Debug` prints `[redacted]` in its place.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty secret.
    ///
    /// # Example
    /// ```
    /// let verifier = aistore_authn::Verifier::hmac("the-servers-secret")?;
    /// assert!(!format!("{verifier:?}").contains("the-servers-secret"));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn hmac(secret: &str) -> Result<Verifier, Error> {
        if secret.is_empty() {
            return Err(Error::InvalidArgument("the HMAC secret is empty".into()));
        }
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        Ok(Verifier::with_keys(Keys::Hmac(key)))
    }

    /// A verifier for one RSA public key in PEM: a PKIX `PUBLIC KEY` block, as AuthN's
    /// `GET /v1/public-key` serves it ([`ServerManager::public_key`](crate::ServerManager::public_key)),
    /// or a PKCS#1 `RSA PUBLIC KEY` block. Text around the block is ignored. Accepts `RS256`,
    /// `RS384` and `RS512`, whatever key ID a token names.
    ///
    /// The server's current key only: after a [key rotation](crate::ServerManager::rotate_key),
    /// tokens with the new key fail with [`RejectReason::BadSignature`]. Use
    /// [`Verifier::from_server`] to follow rotations.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the text holds no such block, the DER inside does not
    /// decode, the key is not RSA, or its modulus is not 2048 to 8192 bits.
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{Client, Verifier};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let verifier = Verifier::rsa_public_key_pem(&client.server_manager().public_key()?)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn rsa_public_key_pem(pem: &str) -> Result<Verifier, Error> {
        let key = rsa_key_from_pem(pem)
            .map_err(|why| Error::InvalidArgument(format!("the RSA public key: {why}")))?;
        Ok(Verifier::with_keys(Keys::Rsa(Arc::new(key))))
    }

    /// A verifier for the RSA keys of a key set, as AuthN's `GET /.well-known/jwks.json`
    /// serves it ([`ServerManager::jwks`](crate::ServerManager::jwks)). A token must name one
    /// of them by key ID (`kid`); a key whose JWK names an algorithm accepts only that one.
    /// Keys that are not RSA, have no key ID or do not decode are left out. The set is fixed:
    /// use [`Verifier::from_server`] to follow rotations.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when no key in the set is usable (the message says why for
    /// each).
    ///
    /// # Example
    /// ```no_run
    /// use aistore_authn::{Client, Verifier};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let verifier = Verifier::from_jwks(&client.server_manager().jwks()?)?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn from_jwks(jwks: &Jwks) -> Result<Verifier, Error> {
        let keys = key_set(jwks).map_err(Error::InvalidArgument)?;
        Ok(Verifier::with_keys(Keys::Set(KeySet::fixed(keys))))
    }

    /// A verifier for a server that signs with RSA keys: fetches its key set now
    /// (`GET /.well-known/jwks.json`, no token needed) and keeps it. When a token names a key
    /// ID the set does not hold (the server [rotated its key](crate::ServerManager::rotate_key)),
    /// [`verify`](Verifier::verify) fetches the set again: at most once for each unknown key
    /// ID, and never sooner than [`min_refetch_interval`](Verifier::min_refetch_interval)
    /// (default 30 s) after the previous refetch; otherwise the token is refused with
    /// [`RejectReason::UnknownKey`]. The refetched set replaces the old one.
    ///
    /// It keeps a copy of the manager's client (sharing its connection pool and settings)
    /// without its token or credentials. For a server that signs with an HMAC secret, use [`Verifier::hmac`].
    ///
    /// # Errors
    /// [`Error::Api`] with status 400 when the server signs with an HMAC secret (it has no key
    /// set); [`Error::Decode`] when the set has no usable RSA key; [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    /// use aistore_authn::{Client, Verifier};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let verifier = Verifier::from_server(&client.server_manager())?
    ///     .min_refetch_interval(Duration::from_secs(60));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn from_server(server: &ServerManager<'_>) -> Result<Verifier, Error> {
        let client = server.client.without_identity();
        let keys = fetch_key_set(&client)?;
        Ok(Verifier::with_keys(Keys::Set(KeySet::refetched(
            keys, client,
        ))))
    }

    /// Allows this much clock difference between this host and the server when checking
    /// `exp` and `nbf`. Default [`Verifier::DEFAULT_LEEWAY`] (none), as AIStore; a leeway makes
    /// this verifier accept a token for that long after a cluster refuses it.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let lenient = aistore_authn::Verifier::hmac("s3cret")?.leeway(Duration::from_secs(5));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Verifier {
        self.leeway = leeway;
        self
    }

    /// Requires this issuer (`iss`), exactly. AuthN writes its external URL there
    /// (`net.external_url`, default `http://localhost:<port>`; see
    /// [`OidcConfiguration::issuer`](crate::OidcConfiguration::issuer)). By default any
    /// issuer is accepted, as AIStore does for a configured key.
    ///
    /// # Example
    /// ```
    /// let verifier = aistore_authn::Verifier::hmac("s3cret")?.issuer("https://authn.example.com");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Verifier {
        self.issuer = Some(issuer.to_owned());
        self
    }

    /// Requires the token's audience (`aud`) to hold this value; call it again to accept any
    /// of several, as AIStore's `auth.required_claims.aud` does. AuthN puts the IDs of the
    /// clusters a token is for there (every registered cluster for an admin). By default the
    /// audience is not checked.
    ///
    /// # Example
    /// ```
    /// let verifier = aistore_authn::Verifier::hmac("s3cret")?
    ///     .audience("cluster-uuid-1")
    ///     .audience("cluster-uuid-2");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Verifier {
        self.audience.push(audience.to_owned());
        self
    }

    /// The shortest time between two refetches of the key set by a verifier from
    /// [`Verifier::from_server`]. Default [`Verifier::DEFAULT_MIN_REFETCH_INTERVAL`] (30 s).
    /// Other verifiers never fetch, and ignore it.
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let verifier = aistore_authn::Verifier::from_server(&client.server_manager())?
    ///     .min_refetch_interval(Duration::from_secs(5));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    #[must_use]
    pub fn min_refetch_interval(mut self, interval: Duration) -> Verifier {
        self.min_refetch_interval = interval;
        self
    }

    /// Verifies a token and decodes its claims. Surrounding whitespace is ignored. In order:
    ///
    /// 1. Three parts of strict base64url (unpadded), a JSON header with a string `alg` and no
    ///    `crit`, at most 1 MiB in all ([`RejectReason::Malformed`]).
    /// 2. `alg` is one the key signs with ([`RejectReason::WrongAlgorithm`]).
    /// 3. For a key set: the `kid` names a key in it, refetched as
    ///    [`Verifier::from_server`] says ([`RejectReason::UnknownKey`]; a `kid` over 256
    ///    characters, or with one of ``/\|;&$<>`"'()``, is [`RejectReason::Malformed`], as
    ///    in AIStore).
    /// 4. The signature ([`RejectReason::BadSignature`]).
    /// 5. The claims decode as AuthN writes them, with a non-empty `sub` and an integer `exp`
    ///    ([`RejectReason::Malformed`]).
    /// 6. `exp` + leeway has not passed ([`RejectReason::Expired`]); `iat` and `nbf`, if
    ///    present, are not after now + leeway ([`RejectReason::NotYetValid`]).
    /// 7. The issuer and audience, when required ([`RejectReason::WrongIssuer`],
    ///    [`RejectReason::WrongAudience`]).
    ///
    /// # Errors
    /// [`Error::TokenRejected`] with the reason above and a message (which never holds the
    /// token). A verifier from [`Verifier::from_server`] that refetches its key set may also
    /// return that request's error ([`Error::Transport`], [`Error::Api`], [`Error::Decode`]):
    /// the token could not be checked, rather than being wrong.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Error, RejectReason, Verifier};
    ///
    /// let verifier = Verifier::hmac("s3cret")?;
    /// // {"alg":"none"}: no signature to check, so never accepted.
    /// let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.";
    /// match verifier.verify(unsigned) {
    ///     Err(Error::TokenRejected { reason, message, .. }) => {
    ///         assert_eq!(reason, RejectReason::WrongAlgorithm);
    ///         println!("refused: {message}");
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(matches!(
    ///     verifier.verify("not a token"),
    ///     Err(Error::TokenRejected { reason: RejectReason::Malformed, .. })
    /// ));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn verify(&self, jwt: &str) -> Result<VerifiedToken, Error> {
        let parts = Parts::split(jwt.trim())?; // 1
        let (alg, key) = self.key_for(&parts.header)?; // 2 and 3
        parts.check_signature(alg, &key)?; // 4
        let (token, not_before) = parts.claims()?; // 5
        self.check_claims(token.claims(), not_before)?; // 6 and 7
        Ok(VerifiedToken::new(token))
    }
}

/// The key material is never printed: `[redacted]` for a secret, the size of RSA keys, the
/// key IDs of a key set.
impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Verifier");
        match &*self.keys {
            Keys::Hmac(_) => {
                d.field("hmac_secret", &format_args!("[redacted]"));
            }
            Keys::Rsa(key) => {
                d.field("rsa_key", key);
            }
            Keys::Set(set) => {
                let keys = Arc::clone(&set.keys.read().unwrap_or_else(PoisonError::into_inner));
                let mut kids: Vec<&String> = keys.keys().collect();
                kids.sort();
                d.field("key_ids", &kids);
                if let Some(refetch) = &set.refetch {
                    d.field("refetch_from", &refetch.client.base_url());
                    d.field("min_refetch_interval", &self.min_refetch_interval);
                }
            }
        }
        d.field("leeway", &self.leeway)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use base64::Engine as _;

    use super::*;
    use crate::error::reject::RejectReason;

    pub(crate) fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    /// A token with this header and these claims, HMAC-SHA256-signed with `secret`.
    pub(crate) fn sign_hs256(header: &str, claims: &str, secret: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64(tag.as_ref()))
    }

    pub(crate) const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
    pub(crate) const ALICE: &str = r#"{"sub":"alice","iss":"http://localhost:52001","exp":4102444800,"iat":1700000000,"aud":["c1"],"admin":false,"clusters":[{"id":"c1","perm":"771"}]}"#;

    pub(crate) fn reason(r: Result<VerifiedToken, Error>) -> RejectReason {
        match r {
            Err(Error::TokenRejected {
                reason, message, ..
            }) => {
                assert!(!message.is_empty());
                reason
            }
            other => panic!("{other:?}"),
        }
    }

    pub(crate) fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    #[test]
    fn a_signed_token_verifies_and_keeps_its_claims() {
        let jwt = sign_hs256(HS, ALICE, "s3cret");
        let v = Verifier::hmac("s3cret").unwrap();
        let t = v.verify(&format!("  {jwt}\n")).unwrap();
        assert_eq!((t.subject(), t.is_admin()), ("alice", false));
        assert_eq!(t.token().as_str(), jwt);
        assert_eq!(t.claims().audience, ["c1"]);
        assert_eq!(t.expires_at(), UNIX_EPOCH + Duration::from_secs(4102444800));
        let shown = format!("{t:?} {v:?}");
        assert!(
            !shown.contains(&jwt) && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn messages_never_hold_the_token() {
        let v = Verifier::hmac("s3cret").unwrap().issuer("x").audience("y");
        let t = now();
        for claims in [
            ALICE.to_owned(),
            format!(r#"{{"sub":"a","exp":{}}}"#, t - 100),
            format!(r#"{{"sub":"a","exp":{},"iat":{}}}"#, t + 100, t + 50),
        ] {
            for secret in ["s3cret", "other"] {
                let jwt = sign_hs256(HS, &claims, secret);
                let e = v.verify(&jwt).unwrap_err();
                let shown = format!("{e} {e:?}");
                for part in jwt.split('.') {
                    assert!(!shown.contains(part), "{shown}");
                }
            }
        }
    }
}

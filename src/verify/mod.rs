//! Offline verification of AuthN tokens (feature `verify`): the signature with the server's
//! HMAC secret or RSA public key, the algorithm, the times, optionally issuer and audience;
//! then permission checks as an AIStore cluster makes them ([`crate::acl`]).
//!
//! What AIStore v1.5.0 checks, and where: `cmd/authn/tok/token.go` (`ValidateToken`,
//! `buildParseOptions`: RS256/384/512 and HS256 only, strict base64url, `exp` required, a
//! `sub` required by `AISClaims.Validate`) and `cmd/authn/tok/key_mgr.go` (a key set refetched
//! when a key ID is unknown, at most every 30 s; key IDs of at most 256 characters without
//! shell or path characters, `GetKeyID` in `token.go`).

pub(crate) mod der;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde::Deserialize;

#[cfg(doc)]
use crate::access::DenyReason;
use crate::access::{check, Denied};
use crate::api::server::{Jwks, ServerManager};
use crate::client::Client;
use crate::error::reject::RejectReason;
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::token::{Token, TokenClaims};
use crate::secret::Secret;
use crate::verify::der::{rsa_key_from_pem, RsaKey};

/// The longest token `verify` reads; AuthN's are a few kilobytes even with many ACLs.
const MAX_TOKEN_BYTES: usize = 1 << 20;
/// The longest key ID accepted, as AIStore's `maxKidLength`.
const MAX_KID_LEN: usize = 256;
/// How many unknown key IDs the verifier remembers having refetched for, before it forgets
/// them all (each refetch is also rate-limited, so this bounds memory, not requests).
const MAX_TRIED_KIDS: usize = 1024;

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
/// Times are checked with a leeway for clock differences ([`leeway`](Verifier::leeway),
/// default [`Verifier::DEFAULT_LEEWAY`] = 5 s; AIStore itself allows none): a token is
/// expired once `exp + leeway` has passed, and refused as not yet valid when its `iat` (or an
/// `nbf`) is after `now + leeway`.
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
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Keys>,
    leeway: Duration,
    issuer: Option<String>,
    audience: Vec<String>,
    min_refetch_interval: Duration,
}

/// What a verifier checks signatures with.
enum Keys {
    /// AuthN's HMAC secret: HS256.
    Hmac(Secret),
    /// One RSA public key, whatever key ID a token names.
    Rsa(RsaKey),
    /// RSA keys by key ID, from a JWKS; refetched from the server when it came from one.
    Set(KeySet),
}

struct KeySet {
    keys: RwLock<Arc<HashMap<String, SetKey>>>,
    /// Where to refetch the set from; `None` for a set given by the caller.
    refetch: Option<Refetch>,
}

#[derive(Clone)]
struct SetKey {
    key: RsaKey,
    /// The algorithm the JWK names, if it names one: then it is the only one accepted.
    alg: Option<Alg>,
}

struct Refetch {
    /// The caller's client (same connection pool) without its token or credentials.
    client: Client,
    state: Mutex<RefetchState>,
}

#[derive(Default)]
struct RefetchState {
    /// When the set was last refetched for an unknown key ID (not the first fetch).
    last: Option<Instant>,
    /// The unknown key IDs a refetch has been made for.
    tried: HashSet<String>,
}

/// The JWT algorithms this verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Hs256,
    Rs256,
    Rs384,
    Rs512,
}

impl Alg {
    fn parse(name: &str) -> Option<Alg> {
        match name {
            "HS256" => Some(Alg::Hs256),
            "RS256" => Some(Alg::Rs256),
            "RS384" => Some(Alg::Rs384),
            "RS512" => Some(Alg::Rs512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
        }
    }

    fn rsa_parameters(self) -> Option<&'static ring::signature::RsaParameters> {
        match self {
            Alg::Hs256 => None,
            Alg::Rs256 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA256),
            Alg::Rs384 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA384),
            Alg::Rs512 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA512),
        }
    }
}

/// The key a token's signature is checked with.
enum KeyRef<'a> {
    Hmac(&'a Secret),
    Rsa(RsaKey),
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// The claims [`Token`] does not keep.
#[derive(Deserialize)]
struct TimeClaims {
    #[serde(default)]
    nbf: Option<i64>,
}

fn reject<T>(reason: RejectReason, message: impl Into<String>) -> Result<T, Error> {
    Err(Error::TokenRejected {
        reason,
        message: message.into(),
    })
}

/// A value from a token, for a message: quoted, escaped, at most 64 characters.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(64).collect();
    if cut.len() < value.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

/// Strict base64url, as AIStore decodes JWT parts: no padding, no stray trailing bits.
fn base64url(part: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()
}

fn unix_time(secs: i64) -> SystemTime {
    let secs = u64::try_from(secs).unwrap_or(0);
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
}

/// The usable RSA keys of a JWKS by key ID, or why there are none. Keys that are not RSA,
/// have no key ID, name an algorithm other than RS256/384/512, or do not decode are left
/// out; the first key with a given ID counts.
fn key_set(jwks: &Jwks) -> Result<HashMap<String, SetKey>, String> {
    let mut keys = HashMap::new();
    let mut skipped = Vec::new();
    for jwk in &jwks.keys {
        let alg = match jwk.alg.as_deref() {
            None => Ok(None),
            Some(name) => match Alg::parse(name) {
                Some(Alg::Hs256) | None => Err(format!("algorithm {}", shown(name))),
                rsa => Ok(rsa),
            },
        };
        let decode = |v: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT
                .decode(v)
                .map_err(|_| "n or e is not base64url".to_owned())
        };
        let key = alg.and_then(|alg| {
            if jwk.kty != "RSA" {
                return Err(format!("key type {}", shown(&jwk.kty)));
            }
            if jwk.kid.is_empty() {
                return Err("no key ID".to_owned());
            }
            let key = RsaKey::new(&decode(&jwk.n)?, &decode(&jwk.e)?)?;
            Ok(SetKey { key, alg })
        });
        match key {
            Ok(key) => {
                keys.entry(jwk.kid.clone()).or_insert(key);
            }
            Err(why) => {
                log::debug!("JWKS key {}: left out: {why}", shown(&jwk.kid));
                skipped.push(format!("{}: {why}", shown(&jwk.kid)));
            }
        }
    }
    if keys.is_empty() {
        return Err(format!(
            "the key set has no usable RSA key ({} keys{}{})",
            jwks.keys.len(),
            if skipped.is_empty() { "" } else { "; " },
            skipped.join(", ")
        ));
    }
    Ok(keys)
}

impl Verifier {
    /// The default leeway for clock differences: 5 s.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
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
    /// The secret is kept in a type whose `Debug` prints `[redacted]`.
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
        Ok(Verifier::with_keys(Keys::Hmac(Secret::new(
            secret.to_owned(),
        ))))
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
        Ok(Verifier::with_keys(Keys::Rsa(key)))
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
        Ok(Verifier::with_keys(Keys::Set(KeySet {
            keys: RwLock::new(Arc::new(keys)),
            refetch: None,
        })))
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
        Ok(Verifier::with_keys(Keys::Set(KeySet {
            keys: RwLock::new(Arc::new(keys)),
            refetch: Some(Refetch {
                client,
                state: Mutex::new(RefetchState::default()),
            }),
        })))
    }

    /// Allows this much clock difference between this host and the server when checking
    /// `exp`, `iat` and `nbf`. Default [`Verifier::DEFAULT_LEEWAY`] (5 s); AIStore allows none.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let strict = aistore_authn::Verifier::hmac("s3cret")?.leeway(Duration::ZERO);
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
        use RejectReason::*;
        let jwt = jwt.trim();
        if jwt.len() > MAX_TOKEN_BYTES {
            return reject(Malformed, "the token is longer than 1 MiB");
        }
        let mut parts = jwt.split('.');
        let (Some(header_part), Some(claims_part), Some(signature_part), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return reject(Malformed, "a JWT has three parts separated by dots");
        };
        let header = base64url(header_part)
            .ok_or("the header is not base64url (unpadded)")
            .and_then(|json| {
                serde_json::from_slice::<Header>(&json)
                    .map_err(|_| "the header is not a JSON object with a string \"alg\"")
            });
        let header = match header {
            Ok(header) => header,
            Err(why) => return reject(Malformed, why),
        };
        if header.crit.is_some() {
            return reject(
                Malformed,
                "the header lists critical extensions (crit), which this verifier does not implement",
            );
        }
        let Some(claims_json) = base64url(claims_part) else {
            return reject(Malformed, "the claims are not base64url (unpadded)");
        };
        let Some(signature) = base64url(signature_part) else {
            return reject(Malformed, "the signature is not base64url (unpadded)");
        };

        let (alg, key) = self.key_for(&header)?;
        let signed = &jwt.as_bytes()[..header_part.len() + 1 + claims_part.len()];
        let valid = match (&key, alg.rsa_parameters()) {
            (KeyRef::Hmac(secret), None) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose().as_bytes());
                ring::hmac::verify(&key, signed, &signature).is_ok()
            }
            (KeyRef::Rsa(key), Some(parameters)) => ring::signature::RsaPublicKeyComponents {
                n: &key.n,
                e: &key.e,
            }
            .verify(parameters, signed, &signature)
            .is_ok(),
            // key_for pairs HMAC secrets with HS256 and RSA keys with RS*.
            _ => false,
        };
        if !valid {
            return reject(
                BadSignature,
                format!(
                    "the {} signature does not match the header and claims under this key",
                    alg.name()
                ),
            );
        }

        let token = Token::parse(jwt).map_err(|e| Error::TokenRejected {
            reason: Malformed,
            message: match e {
                Error::InvalidToken(why) => why,
                other => other.to_string(),
            },
        })?;
        let times: TimeClaims =
            serde_json::from_slice(&claims_json).map_err(|_| Error::TokenRejected {
                reason: Malformed,
                message: "the claims' nbf is not an integer".into(),
            })?;
        self.check_claims(token.claims(), times.nbf.map(unix_time))?;
        Ok(VerifiedToken { token })
    }

    /// The algorithm and key for a token with this header, or why there is none.
    fn key_for(&self, header: &Header) -> Result<(Alg, KeyRef<'_>), Error> {
        use RejectReason::*;
        let alg = Alg::parse(&header.alg);
        let wrong = |accepted: &str| {
            reject(
                WrongAlgorithm,
                format!(
                    "the token's algorithm is {}; this key accepts {accepted}",
                    shown(&header.alg)
                ),
            )
        };
        match &*self.keys {
            Keys::Hmac(secret) => match alg {
                Some(Alg::Hs256) => Ok((Alg::Hs256, KeyRef::Hmac(secret))),
                _ => wrong("HS256 only (an HMAC secret)"),
            },
            Keys::Rsa(key) => match alg {
                Some(alg) if alg != Alg::Hs256 => Ok((alg, KeyRef::Rsa(key.clone()))),
                _ => wrong("RS256, RS384 or RS512 (an RSA key)"),
            },
            Keys::Set(set) => {
                let Some(alg) = alg.filter(|a| *a != Alg::Hs256) else {
                    return wrong("RS256, RS384 or RS512 (RSA keys)");
                };
                let Some(kid) = header.kid.as_deref().filter(|k| !k.is_empty()) else {
                    return reject(
                        UnknownKey,
                        "the token names no key (kid), and the verifier holds a key set",
                    );
                };
                if kid.len() > MAX_KID_LEN || kid.contains(|c| "/\\|;&$<>`\"'()".contains(c)) {
                    return reject(
                        Malformed,
                        "the key ID (kid) is over 256 characters or has characters AIStore refuses",
                    );
                }
                let key = self.set_key(set, kid)?;
                match key.alg {
                    Some(pinned) if pinned != alg => {
                        wrong(&format!("{} only (its JWK says so)", pinned.name()))
                    }
                    _ => Ok((alg, KeyRef::Rsa(key.key))),
                }
            }
        }
    }

    /// The key with this ID, refetching the set once if the verifier may.
    fn set_key(&self, set: &KeySet, kid: &str) -> Result<SetKey, Error> {
        let current = || {
            set.keys
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(kid)
                .cloned()
        };
        if let Some(key) = current() {
            return Ok(key);
        }
        let unknown = |why: &str| {
            reject(
                RejectReason::UnknownKey,
                format!("no key {} in the key set{why}", shown(kid)),
            )
        };
        let Some(refetch) = &set.refetch else {
            return unknown("");
        };
        // One refetch at a time; verifications of known keys go on meanwhile.
        let mut state = refetch.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = current() {
            return Ok(key); // another thread's refetch brought it
        }
        if state.tried.contains(kid) {
            return unknown(", which was refetched once already for this key ID");
        }
        if let Some(last) = state.last {
            let since = last.elapsed();
            if since < self.min_refetch_interval {
                return unknown(&format!(
                    " (the set was refetched {:.1} s ago; the next refetch may be {:?} after that)",
                    since.as_secs_f64(),
                    self.min_refetch_interval
                ));
            }
        }
        state.last = Some(Instant::now());
        log::debug!("key ID {} is unknown: refetching the JWKS", shown(kid));
        let keys = fetch_key_set(&refetch.client)?;
        if state.tried.len() >= MAX_TRIED_KIDS {
            state.tried.clear();
        }
        state.tried.insert(kid.to_owned());
        *set.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        match current() {
            Some(key) => Ok(key),
            None => unknown(", even refetched from the server"),
        }
    }

    /// Steps 6 and 7 of [`Verifier::verify`].
    fn check_claims(
        &self,
        claims: &TokenClaims,
        not_before: Option<SystemTime>,
    ) -> Result<(), Error> {
        use RejectReason::*;
        let now = SystemTime::now();
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if claims
            .expires_at
            .checked_add(self.leeway)
            .is_some_and(|deadline| now >= deadline)
        {
            return reject(
                Expired,
                format!(
                    "the token expired at {} (Unix time), {} s ago (leeway {:?})",
                    secs(claims.expires_at),
                    now.duration_since(claims.expires_at)
                        .map_or(0, |d| d.as_secs()),
                    self.leeway
                ),
            );
        }
        if let Some(latest) = now.checked_add(self.leeway) {
            for (name, at) in [
                ("issued (iat)", claims.issued_at),
                ("valid from (nbf)", not_before),
            ] {
                if let Some(at) = at.filter(|at| *at > latest) {
                    return reject(
                        NotYetValid,
                        format!(
                            "the token says it is {name} {} (Unix time), {} s from now (leeway {:?})",
                            secs(at),
                            at.duration_since(now).map_or(0, |d| d.as_secs()),
                            self.leeway
                        ),
                    );
                }
            }
        }
        if let Some(issuer) = &self.issuer {
            if claims.issuer != *issuer {
                return reject(
                    WrongIssuer,
                    format!(
                        "the token's issuer is {}, not {}",
                        shown(&claims.issuer),
                        shown(issuer)
                    ),
                );
            }
        }
        if !self.audience.is_empty() && !claims.audience.iter().any(|a| self.audience.contains(a)) {
            let theirs: Vec<String> = claims.audience.iter().take(8).map(|a| shown(a)).collect();
            return reject(
                WrongAudience,
                format!(
                    "the token's audience [{}] holds none of the required [{}]",
                    theirs.join(", "),
                    self.audience
                        .iter()
                        .map(|a| shown(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Ok(())
    }
}

/// `GET /.well-known/jwks.json` and its usable keys.
fn fetch_key_set(client: &Client) -> Result<HashMap<String, SetKey>, Error> {
    let jwks = ServerManager::new(client).jwks()?;
    key_set(&jwks).map_err(|message| Error::Decode {
        message,
        method: "GET",
        path: "/.well-known/jwks.json".to_owned(),
        source: None,
    })
}

/// The key material is never printed: `[redacted]` for a secret, the size of RSA keys, the
/// key IDs of a key set.
impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Verifier");
        match &*self.keys {
            Keys::Hmac(secret) => {
                d.field("hmac_secret", secret);
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

/// A token whose signature and times [`Verifier::verify`] checked, with its claims: ask it
/// what it allows on a cluster or bucket, with AIStore's rules. Feature `verify`.
///
/// `Debug` prints the claims, never the token.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, Bucket, Verifier};
/// # fn sign(claims: &str, secret: &str) -> String {
/// #     use base64::Engine as _;
/// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
/// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
/// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
/// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
/// # }
///
/// // Read-only on every cluster, read-write on s3://logs of cluster c1.
/// let jwt = sign(r#"{"sub":"bob","exp":4102444800,"clusters":[{"id":"","perm":"771"}],
///     "buckets":[{"bck":{"name":"logs","provider":"aws","namespace":{"uuid":"c1","name":""}},"perm":"831"}]}"#, "s3cret");
/// let token = Verifier::hmac("s3cret")?.verify(&jwt)?;
///
/// let logs = Bucket::parse("s3://logs")?;
/// assert!(token.allows("c1", Some(&logs), AccessAttr::PUT));
/// assert!(!token.allows("c2", Some(&logs), AccessAttr::PUT)); // the default ACL: read-only
/// assert!(token.allows("c2", Some(&logs), AccessAttr::GET));
/// assert!(!format!("{token:?}").contains(&jwt));
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    token: Token,
}

impl VerifiedToken {
    /// The token: its JWT ([`Token::as_str`]; `Debug` prints `[redacted]`), algorithm, key ID
    /// and claims.
    ///
    /// # Example
    /// ```
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    /// assert_eq!(token.token().as_str(), jwt);
    /// assert_eq!(token.token().algorithm(), "HS256");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The token, to keep or send on.
    ///
    /// # Example
    /// ```
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800}"#, "s3cret");
    /// let token: aistore_authn::Token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?.into_token();
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn into_token(self) -> Token {
        self.token
    }

    /// The verified claims: subject, issuer, admin flag, times, audience, ACLs.
    ///
    /// # Example
    /// ```
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800,"aud":["c1"]}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    /// assert_eq!(token.claims().audience, ["c1"]);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn claims(&self) -> &TokenClaims {
        self.token.claims()
    }

    /// The user the token was issued to (`sub`).
    ///
    /// # Example
    /// ```
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800}"#, "s3cret");
    /// assert_eq!(aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?.subject(), "alice");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn subject(&self) -> &str {
        self.token.subject()
    }

    /// True for an administrator's token, which AIStore allows everything.
    ///
    /// # Example
    /// ```
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"admin","exp":4102444800,"admin":true,"clusters":null}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    /// assert!(token.is_admin() && token.allows("any", None, aistore_authn::AccessAttr::ADMIN));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn is_admin(&self) -> bool {
        self.token.is_admin()
    }

    /// When the token expires (`exp`).
    ///
    /// # Example
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    /// assert_eq!(token.expires_at(), UNIX_EPOCH + Duration::from_secs(4102444800));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn expires_at(&self) -> SystemTime {
        self.token.claims().expires_at
    }

    /// True when an AIStore cluster with ID `cluster_id` would let this token do `perms`,
    /// on `bucket` for bucket and object permissions: [`check`](VerifiedToken::check) is
    /// `Ok`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, Bucket};
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800,"clusters":[{"id":"c1","perm":"13059"}]}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    /// assert!(token.allows("c1", None, AccessAttr::LIST_BUCKETS));
    /// assert!(token.allows("c1", Some(&Bucket::new("ais", "raw")), AccessAttr::ACCESS_RO));
    /// assert!(!token.allows("c1", None, AccessAttr::CREATE_BUCKET));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn allows(&self, cluster_id: &str, bucket: Option<&Bucket>, perms: AccessAttr) -> bool {
        self.check(cluster_id, bucket, perms).is_ok()
    }

    /// Checks `perms` on the cluster with ID `cluster_id` (and on `bucket`, for bucket and
    /// object permissions) exactly as an AIStore proxy does, in `AISClaims.CheckPermissions`
    /// (`cmd/authn/tok/token.go`, AIStore v1.5.0):
    ///
    /// 1. An admin token may do anything, even an empty request.
    /// 2. An empty request is refused ([`DenyReason::EmptyRequest`]).
    /// 3. `perms` splits into cluster bits (`CLUSTER_ACCESS_RW | ADMIN`) and bucket bits
    ///    (`ACCESS_RW | BUCKET_ADMIN | PROMOTE`); any other bit is refused
    ///    ([`DenyReason::UnknownBits`]).
    /// 4. The cluster ACL is the first with exactly `cluster_id`, else the (last) default ACL,
    ///    the one with an empty ID. Cluster bits need that ACL ([`DenyReason::NoClusterAcl`]),
    ///    a non-empty `cluster_id` ([`DenyReason::NoClusterId`]), and all the bits
    ///    ([`DenyReason::ClusterAclLacks`]).
    /// 5. Bucket bits need a bucket ([`DenyReason::NoBucket`]). The first bucket ACL for this
    ///    bucket decides alone, overriding the cluster ACL either way
    ///    ([`DenyReason::BucketAclLacks`]). A bucket ACL is for this bucket when its namespace
    ///    UUID is `cluster_id` and its name and provider equal the bucket's, and the bucket is
    ///    in the global namespace (AIStore compares the token's bucket, rebuilt without
    ///    namespace, with `Bck.Equal`, `cmn/bck.go`). The bucket's provider is normalized first
    ///    as the proxy does (`""` → `ais`, `s3` → `aws`, `gs` → `gcp`, `az` → `azure`,
    ///    `oc` → `oci`). Without a matching bucket ACL, the cluster ACL must hold all the
    ///    bucket bits ([`DenyReason::NoClusterAcl`], [`DenyReason::ClusterAclLacks`]).
    ///
    /// A proxy adds [`AccessAttr::ADMIN`] itself for requests on system buckets; this check
    /// does not know which buckets those are.
    ///
    /// # Errors
    /// [`Denied`]: the reason, the requested bits that are missing, and what the deciding ACL
    /// grants.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, Bucket, DenyReason};
    /// # fn sign(claims: &str, secret: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
    /// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    /// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
    /// # }
    /// let jwt = sign(r#"{"sub":"alice","exp":4102444800,"clusters":[{"id":"c1","perm":"771"}]}"#, "s3cret");
    /// let token = aistore_authn::Verifier::hmac("s3cret")?.verify(&jwt)?;
    ///
    /// let denied = token.check("c1", None, AccessAttr::GET).unwrap_err();
    /// assert_eq!((denied.reason, denied.missing), (DenyReason::NoBucket, AccessAttr::GET));
    /// let denied = token.check("c2", Some(&Bucket::new("ais", "raw")), AccessAttr::GET).unwrap_err();
    /// assert_eq!(denied.reason, DenyReason::NoClusterAcl);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn check(
        &self,
        cluster_id: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> Result<(), Denied> {
        check(self.token.claims(), cluster_id, bucket, perms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    /// A token with this header and these claims, HMAC-SHA256-signed with `secret`.
    pub(crate) fn sign_hs256(header: &str, claims: &str, secret: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64(tag.as_ref()))
    }

    const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
    const ALICE: &str = r#"{"sub":"alice","iss":"http://localhost:52001","exp":4102444800,"iat":1700000000,"aud":["c1"],"admin":false,"clusters":[{"id":"c1","perm":"771"}]}"#;

    fn reason(r: Result<VerifiedToken, Error>) -> RejectReason {
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

    fn now() -> i64 {
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
    fn a_changed_payload_or_another_secret_is_a_bad_signature() {
        let jwt = sign_hs256(HS, ALICE, "s3cret");
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(ALICE
                .replace(r#""admin":false"#, r#""admin":true"#)
                .as_bytes()),
            parts[2]
        );
        let v = Verifier::hmac("s3cret").unwrap();
        assert_eq!(reason(v.verify(&forged)), RejectReason::BadSignature);
        let other = Verifier::hmac("other").unwrap();
        assert_eq!(reason(other.verify(&jwt)), RejectReason::BadSignature);
        // A signature cut short, or empty.
        let short = &jwt[..jwt.len() - 3]; // 40 base64 characters, 30 bytes
        assert_eq!(reason(v.verify(short)), RejectReason::BadSignature);
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(reason(v.verify(&unsigned)), RejectReason::BadSignature);
    }

    #[test]
    fn only_hs256_for_a_secret_and_only_rs_for_a_key() {
        let v = Verifier::hmac("s3cret").unwrap();
        for header in [
            r#"{"alg":"none"}"#,
            r#"{"alg":"None"}"#,
            r#"{"alg":"HS384"}"#,
            r#"{"alg":"HS512"}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"hs256"}"#,
            r#"{"alg":""}"#,
        ] {
            let jwt = sign_hs256(header, ALICE, "s3cret");
            assert_eq!(
                reason(v.verify(&jwt)),
                RejectReason::WrongAlgorithm,
                "{header}"
            );
        }
        for header in [r#"{"typ":"JWT"}"#, r#"{"alg":5}"#, "[]", "null", "{"] {
            let jwt = sign_hs256(header, ALICE, "s3cret");
            assert_eq!(reason(v.verify(&jwt)), RejectReason::Malformed, "{header}");
        }
        let crit = sign_hs256(r#"{"alg":"HS256","crit":["exp"]}"#, ALICE, "s3cret");
        assert_eq!(reason(v.verify(&crit)), RejectReason::Malformed);
    }

    #[test]
    fn malformed_tokens() {
        let v = Verifier::hmac("s3cret").unwrap();
        let jwt = sign_hs256(HS, ALICE, "s3cret");
        let parts: Vec<&str> = jwt.split('.').collect();
        for bad in [
            String::new(),
            "abc".into(),
            "a.b".into(),
            format!("{jwt}.x"),
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            format!("{}.{}=.{}", parts[0], parts[1], parts[2]),
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            // Standard base64's alphabet, and stray bits ("e31" is "{}" plus a 1 bit).
            format!("{}.{}./{}", parts[0], parts[1], &parts[2][1..]),
            format!("e31.{}.{}", parts[1], parts[2]),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert_eq!(reason(v.verify(&bad)), RejectReason::Malformed, "{bad:.40}");
        }
        // Signed, but the claims are not AuthN's: no sub, no exp, not JSON, a float exp.
        for claims in [
            r#"{"exp":4102444800}"#,
            r#"{"sub":"a"}"#,
            r#"{"sub":"","exp":4102444800}"#,
            "not json",
            r#"{"sub":"a","exp":4102444800.5}"#,
            r#"{"sub":"a","exp":4102444800,"nbf":"soon"}"#,
            r#"{"sub":"a","exp":4102444800,"admin":"yes"}"#,
        ] {
            let jwt = sign_hs256(HS, claims, "s3cret");
            assert_eq!(reason(v.verify(&jwt)), RejectReason::Malformed, "{claims}");
        }
    }

    #[test]
    fn times_are_checked_with_the_leeway() {
        let v = Verifier::hmac("s3cret").unwrap();
        let claims = |exp: i64, iat: i64| {
            sign_hs256(
                HS,
                &format!(r#"{{"sub":"a","exp":{exp},"iat":{iat}}}"#),
                "s3cret",
            )
        };
        let t = now();
        assert_eq!(
            reason(v.verify(&claims(t - 60, t - 120))),
            RejectReason::Expired
        );
        assert_eq!(reason(v.verify(&claims(0, 0))), RejectReason::Expired);
        assert_eq!(reason(v.verify(&claims(-5, 0))), RejectReason::Expired);
        // Within the leeway: still accepted; without it, expired.
        v.verify(&claims(t - 2, t - 60)).unwrap();
        let strict = v.clone().leeway(Duration::ZERO);
        assert_eq!(
            reason(strict.verify(&claims(t - 2, t - 60))),
            RejectReason::Expired
        );
        // Issued in the future.
        assert_eq!(
            reason(v.verify(&claims(t + 3600, t + 60))),
            RejectReason::NotYetValid
        );
        v.verify(&claims(t + 3600, t + 2)).unwrap();
        let nbf = sign_hs256(
            HS,
            &format!(r#"{{"sub":"a","exp":{},"nbf":{}}}"#, t + 3600, t + 60),
            "s3cret",
        );
        assert_eq!(reason(v.verify(&nbf)), RejectReason::NotYetValid);
        // Extreme values neither panic nor pass as expired.
        v.verify(&claims(i64::MAX, 0)).unwrap();
        let huge = v.clone().leeway(Duration::MAX);
        huge.verify(&claims(t - 60, i64::MAX)).unwrap();
    }

    #[test]
    fn issuer_and_audience_when_required() {
        let jwt = sign_hs256(HS, ALICE, "s3cret");
        let v = Verifier::hmac("s3cret").unwrap();
        v.clone()
            .issuer("http://localhost:52001")
            .verify(&jwt)
            .unwrap();
        assert_eq!(
            reason(v.clone().issuer("http://localhost:52002").verify(&jwt)),
            RejectReason::WrongIssuer
        );
        v.clone()
            .audience("c0")
            .audience("c1")
            .verify(&jwt)
            .unwrap();
        assert_eq!(
            reason(v.clone().audience("c2").verify(&jwt)),
            RejectReason::WrongAudience
        );
        let no_aud = sign_hs256(HS, r#"{"sub":"a","exp":4102444800}"#, "s3cret");
        assert_eq!(
            reason(v.clone().audience("c1").verify(&no_aud)),
            RejectReason::WrongAudience
        );
    }

    #[test]
    fn bad_keys_are_refused_when_made() {
        assert!(matches!(Verifier::hmac(""), Err(Error::InvalidArgument(_))));
        assert!(matches!(
            Verifier::rsa_public_key_pem("-----BEGIN CERTIFICATE-----"),
            Err(Error::InvalidArgument(_))
        ));
        let jwks: Jwks = serde_json::from_str(
            r#"{"keys":[{"kid":"k1","kty":"EC","n":"","e":""},{"kid":"k2","kty":"RSA","n":"AQAB","e":"AQAB"},
                        {"kid":"k3","kty":"RSA","alg":"HS256","n":"AQAB","e":"AQAB"}]}"#,
        )
        .unwrap();
        match Verifier::from_jwks(&jwks) {
            Err(Error::InvalidArgument(m)) => {
                assert!(m.contains("\"k1\": key type \"EC\""), "{m}");
                assert!(m.contains("\"k2\": the RSA modulus has 17 bits"), "{m}");
                assert!(m.contains("\"k3\": algorithm \"HS256\""), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(Verifier::from_jwks(&Jwks { keys: vec![] }).is_err());
    }

    #[test]
    fn a_key_set_needs_a_valid_known_kid() {
        let n = b64(&[0xc5; 256]);
        let jwks: Jwks = serde_json::from_value(serde_json::json!(
            {"keys": [{"kid": "k1", "kty": "RSA", "alg": "RS256", "n": n, "e": "AQAB"}]}
        ))
        .unwrap();
        let v = Verifier::from_jwks(&jwks).unwrap();
        assert!(format!("{v:?}").contains("[\"k1\"]"));
        let token = |header: &str| sign_hs256(header, ALICE, "x");
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"RS256"}"#))),
            RejectReason::UnknownKey
        );
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"RS256","kid":"k2"}"#))),
            RejectReason::UnknownKey
        );
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"RS256","kid":"../k1"}"#))),
            RejectReason::Malformed
        );
        let long = format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(257));
        assert_eq!(reason(v.verify(&token(&long))), RejectReason::Malformed);
        // The JWK says RS256: RS512 is refused; HS256 always is.
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"RS512","kid":"k1"}"#))),
            RejectReason::WrongAlgorithm
        );
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"HS256","kid":"k1"}"#))),
            RejectReason::WrongAlgorithm
        );
        // The right kid and algorithm, and a signature that is not RSA's.
        assert_eq!(
            reason(v.verify(&token(r#"{"alg":"RS256","kid":"k1"}"#))),
            RejectReason::BadSignature
        );
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

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::tests::sign_hs256;
    use super::*;

    const CLAIMS: &str =
        r#"{"sub":"alice","exp":4102444800,"clusters":[{"id":"c1","perm":"771"}]}"#;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn arbitrary_strings_never_panic_or_pass(text in ".{0,300}") {
            let v = Verifier::hmac("s3cret").unwrap();
            prop_assert!(v.verify(&text).is_err());
        }

        #[test]
        fn jwt_shaped_garbage_never_panics_or_passes(
            header in "[A-Za-z0-9_-]{0,60}",
            claims in "[A-Za-z0-9_-]{0,120}",
            signature in "[A-Za-z0-9_=+/-]{0,90}",
        ) {
            let v = Verifier::hmac("s3cret").unwrap();
            let jwt = format!("eyJ{header}.eyJ{claims}.{signature}");
            prop_assert!(v.verify(&jwt).is_err());
        }

        #[test]
        fn any_change_to_a_signed_token_is_refused(at in any::<usize>(), c in "[A-Za-z0-9_.=-]") {
            let jwt = sign_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, CLAIMS, "s3cret");
            let v = Verifier::hmac("s3cret").unwrap();
            prop_assert!(v.verify(&jwt).is_ok());
            let at = at % jwt.len();
            let mut changed = jwt.clone();
            changed.replace_range(at..=at, &c);
            if changed != jwt {
                prop_assert!(v.verify(&changed).is_err(), "{changed}");
            }
        }

        #[test]
        fn signed_odd_headers_and_claims_never_panic(
            header in "\\{[\"a-z0-9:,\\[\\] ]{0,40}\\}",
            claims in "\\{[\"a-z0-9:,\\[\\]{} .-]{0,120}\\}",
        ) {
            let v = Verifier::hmac("s3cret").unwrap().issuer("i").audience("a");
            let _ = v.verify(&sign_hs256(&header, &claims, "s3cret"));
            let _ = v.verify(&sign_hs256(r#"{"alg":"HS256"}"#, &claims, "s3cret"));
        }
    }
}

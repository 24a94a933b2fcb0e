//! What a verifier checks signatures with: an HMAC secret, one RSA key, or RSA keys by key
//! ID from a key set, refetched from the server when a token names a key it does not hold.
//! Steps 2 and 3 of [`Verifier::verify`]: the key a token's header asks for, and the
//! algorithms that key accepts (the key pins the algorithm).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use base64::Engine as _;

use crate::api::server::ServerManager;
use crate::client::Client;
use crate::error::reject::RejectReason;
use crate::error::Error;
use crate::model::server::Jwks;
use crate::verify::der::RsaKey;
use crate::verify::jwt::{reject, shown, Alg, Header};
use crate::verify::Verifier;

/// The longest key ID accepted, as AIStore's `maxKidLength`.
const MAX_KID_LEN: usize = 256;
/// How many unknown key IDs the verifier remembers having refetched for, before it forgets
/// them all (each refetch is also rate-limited, so this bounds memory, not requests).
const MAX_TRIED_KIDS: usize = 1024;

/// What a verifier checks signatures with.
pub(crate) enum Keys {
    /// AuthN's HMAC secret, as ring's key made from it once (not for each token): HS256.
    Hmac(ring::hmac::Key),
    /// One RSA public key, whatever key ID a token names.
    Rsa(Arc<RsaKey>),
    /// RSA keys by key ID, from a JWKS; refetched from the server when it came from one.
    Set(KeySet),
}

pub(crate) struct KeySet {
    pub(crate) keys: RwLock<Arc<HashMap<String, SetKey>>>,
    /// Where to refetch the set from; `None` for a set given by the caller.
    pub(crate) refetch: Option<Refetch>,
}

#[derive(Clone)]
pub(crate) struct SetKey {
    /// Shared with the token being checked, rather than copied for it.
    key: Arc<RsaKey>,
    /// The algorithm the JWK names, if it names one: then it is the only one accepted.
    alg: Option<Alg>,
}

pub(crate) struct Refetch {
    /// The caller's client (same connection pool) without its token or credentials.
    pub(crate) client: Client,
    state: Mutex<RefetchState>,
}

#[derive(Default)]
struct RefetchState {
    /// When the set was last refetched for an unknown key ID (not the first fetch).
    last: Option<Instant>,
    /// The unknown key IDs a refetch has been made for.
    tried: HashSet<String>,
}

impl KeySet {
    /// A set given by the caller, never refetched.
    pub(crate) fn fixed(keys: HashMap<String, SetKey>) -> KeySet {
        KeySet {
            keys: RwLock::new(Arc::new(keys)),
            refetch: None,
        }
    }

    /// A set fetched with `client`, and refetched with it for unknown key IDs.
    pub(crate) fn refetched(keys: HashMap<String, SetKey>, client: Client) -> KeySet {
        KeySet {
            keys: RwLock::new(Arc::new(keys)),
            refetch: Some(Refetch {
                client,
                state: Mutex::new(RefetchState::default()),
            }),
        }
    }
}

/// The key a token's signature is checked with.
pub(crate) enum KeyRef<'a> {
    Hmac(&'a ring::hmac::Key),
    Rsa(Arc<RsaKey>),
}

/// The usable RSA keys of a JWKS by key ID, or why there are none. Keys that are not RSA,
/// have no key ID, name an algorithm other than RS256/384/512, or do not decode are left
/// out; the first key with a given ID counts.
pub(crate) fn key_set(jwks: &Jwks) -> Result<HashMap<String, SetKey>, String> {
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
            let key = Arc::new(RsaKey::new(&decode(&jwk.n)?, &decode(&jwk.e)?)?);
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

/// `GET /.well-known/jwks.json` and its usable keys.
pub(crate) fn fetch_key_set(client: &Client) -> Result<HashMap<String, SetKey>, Error> {
    let jwks = ServerManager::new(client).jwks()?;
    key_set(&jwks).map_err(|message| Error::Decode {
        message,
        method: "GET",
        path: "/.well-known/jwks.json".to_owned(),
        source: None,
    })
}

impl Verifier {
    /// The algorithm and key for a token with this header, or why there is none.
    pub(crate) fn key_for(&self, header: &Header) -> Result<(Alg, KeyRef<'_>), Error> {
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
            Keys::Hmac(key) => match alg {
                Some(Alg::Hs256) => Ok((Alg::Hs256, KeyRef::Hmac(key))),
                _ => wrong("HS256 only (an HMAC secret)"),
            },
            Keys::Rsa(key) => match alg {
                Some(alg) if alg != Alg::Hs256 => Ok((alg, KeyRef::Rsa(Arc::clone(key)))),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::tests::{b64, reason, sign_hs256, ALICE};

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

    // A 2048-bit test key made with openssl for these tests alone, and tokens it signed
    // (`{"sub":"alice","exp":4102444800}`, key ID k1); OTHER is signed by another key.
    const RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAshmVAYJ/5e0/11R34t6X\nrT9UdNmOC4XfBJ8vE+jkh9T8zd0fc1mPToWot+ywL9u2hS41sG32pkfPHM9toiB4\n9cpXPbyk895h7LLE8ZQZurAsQYvXCPzKRT21NgpJ7maFNS6Eu/ZwbNGOp2eO9FWH\nAEe+2/+Ng15K3ANdoQY4VUZgx05K6Sej02iOYqkYq4AS7vhfHw2mrSkzgpzKBS/f\nB8mjbSHl29PZhNZaAVKPvB8sbnZ16xMF2Uf13Ze6AZIpeIhFHIRfn0HckPhFgC3G\nCZAKBTCQ8uCgGT5QCYnR0AXgXToryskjv1Vepou7Hf6vpayF8VL//0Ndm/FSFD7b\n1QIDAQAB\n-----END PUBLIC KEY-----\n";
    const RS_RS256: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.SWcgq6bAvrXcbzapbh2Z3P3eV32L3OegWHZT1LNHDXGLFYzv7aplfjSsEV4qMeZiVS_HMGR0E-W-v7WZ7R720QQWPICLgKWG1m1MleXwFKZOgF4xRBk1O2tO2-_VuOz53DpkX5cxhw3z3IUhNXzb7_SRFnYot-Ikha_sja91h8JL4EGpJrzDNeZzpiPtgZpVyIwZY73aIRlzvaiRSFDZlbSeuLnmyDYjaGi8-gIVJnMPMefXrzom_7kmBmHCNpX6xFIdWsGWAY_3KXw4sRvk-FH-JQL79_VeYLxEO1_wvH-DH1FP3a4JNTWynGVd__sXvhvNX1tncHp7TleKrF2ddA";
    const RS_RS384: &str = "eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.Dy2uHcYBw9zxouPzLLTX2SXawYhndIRfqOMPTiKR9bEpDqbpEzDI8ZW2kEGwLqQiD2gavT0KXL3zE7DGJmfamcFTyCMgdEU4tVlN7udYRk5UNdVg4ax_mcokIjUWA7uXzsCVGbwcXyXXFuaL35dwctDpLZhhITD6leeoXq1Nks6bH_EKMHIZkePG6-SagVFVQfwgwgFAhj42npIj0ZpgHgeRpq8b4VIcdavAxXyh3MdvSVGPKGWISQhLDwrxx0w4H__8q6q-MWXU39L8ovahA8aaFv7OigXxWN5cg7kyHiRXnXADSOvgTcz-3wXeo_3sOxtfV8_HKAZ7Vc8L-uchUg";
    const RS_RS512: &str = "eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.RNEldUT_dF_PaO_06ZZyJUbtVwPHvr8eQHeRoNdT6XieIeH_aNQhF5alGIq3WQaZZP6KPK49LcSg0zG2cmH0UBogglfM3Mg1Wp8ORJMXEDBFIVhMhc3nKP2QoIDCdCeKsJEe2q6hhPEL_VfXuGAQt4sbUXnXAtGy75SrnGlqz2Y7VhjQ510Rwbc-fWF2hFJti2Xc0ISlF27-TTuoBEhD6knqHuCPmsZ7mq6lhEiAi4Oa_nVb6n55KJ72fwli7nhryeeBhuk2Cb0mWlxrzZ_GcTGfaIcnI-yJe73kgp1HmZ8V8BRb9dEIGnnxoILzE25MEKuWEhlROogbYeasPt5liA";
    const OTHER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.MKG4FbPwobCPTA11yUBp-UqKrBMk4_amt0DOH2e-3_11smMj99fRXEIDMSzNPp7GePR5Gh5QSilbyzkCX1w6_pV10ZrjgcCVqe4uY9ep2O_X6MggfSQHLK4b3h3IO32ISTT9n6uFNRaSt5rRcRtHyWipETEvdoobRooZ46XbmKl4R9PT0w97wFXU8HvjYzsINQdMBr3i4jX3eiIF0vht0cCnUPic_19ASYank-LZ7TIFXRcx4i_vVTAMTwgEq2gJAJa6mak8WZVnq0HSGWGOjHIroyUjU3E4zTG2zDvMXufOh25X1R0PXOj48bR7PPBfHVVQBK4vSeZxue8e6n4eog";
    const RSA_N: &str = "shmVAYJ_5e0_11R34t6XrT9UdNmOC4XfBJ8vE-jkh9T8zd0fc1mPToWot-ywL9u2hS41sG32pkfPHM9toiB49cpXPbyk895h7LLE8ZQZurAsQYvXCPzKRT21NgpJ7maFNS6Eu_ZwbNGOp2eO9FWHAEe-2_-Ng15K3ANdoQY4VUZgx05K6Sej02iOYqkYq4AS7vhfHw2mrSkzgpzKBS_fB8mjbSHl29PZhNZaAVKPvB8sbnZ16xMF2Uf13Ze6AZIpeIhFHIRfn0HckPhFgC3GCZAKBTCQ8uCgGT5QCYnR0AXgXToryskjv1Vepou7Hf6vpayF8VL__0Ndm_FSFD7b1Q";

    fn rsa_jwk(alg: Option<&str>) -> Jwks {
        let alg = alg.map_or(String::new(), |a| format!(r#","alg":"{a}""#));
        serde_json::from_str(&format!(
            r#"{{"keys":[{{"kid":"k1","kty":"RSA","n":"{RSA_N}","e":"AQAB"{alg}}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn an_rsa_key_takes_rs256_384_512_and_refuses_hmac_none_and_other_keys() {
        let pem = Verifier::rsa_public_key_pem(RSA_PUBLIC_PEM).unwrap();
        let jwk = Verifier::from_jwks(&rsa_jwk(None)).unwrap();
        for v in [&pem, &jwk] {
            for jwt in [RS_RS256, RS_RS384, RS_RS512] {
                assert_eq!(v.verify(jwt).unwrap().subject(), "alice", "{jwt}");
            }
            // The confusion attack: HS256 keyed with the public key's text.
            for secret in [RSA_PUBLIC_PEM, RSA_N] {
                let forged = sign_hs256(r#"{"alg":"HS256","kid":"k1"}"#, ALICE, secret);
                assert_eq!(reason(v.verify(&forged)), RejectReason::WrongAlgorithm);
            }
            for header in [
                r#"{"alg":"none","kid":"k1"}"#,
                r#"{"alg":"rs256","kid":"k1"}"#,
            ] {
                let jwt = sign_hs256(header, ALICE, "x");
                assert_eq!(
                    reason(v.verify(&jwt)),
                    RejectReason::WrongAlgorithm,
                    "{header}"
                );
            }
            assert_eq!(reason(v.verify(OTHER)), RejectReason::BadSignature);
            // A signature of one algorithm under another's name.
            let [head, _, _] = parts(RS_RS384);
            let [_, body, sig] = parts(RS_RS256);
            let swapped = format!("{head}.{body}.{sig}");
            assert_eq!(reason(v.verify(&swapped)), RejectReason::BadSignature);
        }
        // A JWK that names its algorithm takes only that one.
        let rs256_only = Verifier::from_jwks(&rsa_jwk(Some("RS256"))).unwrap();
        rs256_only.verify(RS_RS256).unwrap();
        for jwt in [RS_RS384, RS_RS512] {
            assert_eq!(reason(rs256_only.verify(jwt)), RejectReason::WrongAlgorithm);
        }
        // And an HMAC secret refuses every RSA token.
        let hmac = Verifier::hmac(RSA_PUBLIC_PEM).unwrap();
        assert_eq!(reason(hmac.verify(RS_RS256)), RejectReason::WrongAlgorithm);
    }

    fn parts(jwt: &str) -> [&str; 3] {
        let mut it = jwt.splitn(3, '.');
        [(); 3].map(|_| it.next().unwrap())
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
    /// The error's message, for a token refused.
    fn message(r: Result<crate::verify::VerifiedToken, Error>) -> String {
        match r {
            Err(Error::TokenRejected { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_ids_of_256_characters_are_looked_up_and_refusals_name_the_pinned_algorithm() {
        let v = Verifier::from_jwks(&rsa_jwk(Some("RS256"))).unwrap();
        let token = |header: &str| sign_hs256(header, ALICE, "x");
        // 256 characters is AIStore's maxKidLength: allowed, and then not in the set.
        let longest = format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(256));
        assert_eq!(reason(v.verify(&token(&longest))), RejectReason::UnknownKey);
        assert_eq!(
            message(v.verify(&token(r#"{"alg":"RS512","kid":"k1"}"#))),
            r#"the token's algorithm is "RS512"; this key accepts RS256 only (its JWK says so)"#
        );
    }

    /// A refetch that fails still counts for the rate limit: a second unknown key ID within
    /// the interval is refused without a request, and with no interval it refetches again.
    /// Nothing listens on the port, so each refetch fails at once (no server is needed for
    /// that).
    #[test]
    fn refetches_are_rate_limited() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = Client::builder(&format!("http://127.0.0.1:{port}"))
            .retry(crate::transport::retry::RetryPolicy::none())
            .build()
            .unwrap();
        let keys = key_set(&rsa_jwk(None)).unwrap();
        let v = Verifier::with_keys(Keys::Set(KeySet::refetched(keys, client)));
        let token =
            |kid: &str| sign_hs256(&format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#), ALICE, "x");
        assert!(
            matches!(v.verify(&token("k2")), Err(Error::Transport { .. })),
            "the refetch was tried"
        );
        let limited = message(v.verify(&token("k3")));
        assert!(
            limited.starts_with(r#"no key "k3" in the key set (the set was refetched "#),
            "{limited}"
        );
        // Clones share the set and its refetch state.
        let eager = v.clone().min_refetch_interval(std::time::Duration::ZERO);
        assert!(matches!(
            eager.verify(&token("k3")),
            Err(Error::Transport { .. })
        ));
    }
}

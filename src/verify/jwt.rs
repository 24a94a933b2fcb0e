//! The checks of the token itself, steps 1, 4, 5, 6 and 7 of [`Verifier::verify`]: its three
//! parts and header, its signature, and its claims (`exp`, `iat`, `nbf`, issuer, audience).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::reject::RejectReason;
use crate::error::Error;
use crate::model::token::{Token, TokenClaims};
use crate::verify::keys::KeyRef;
use crate::verify::Verifier;

/// The longest token `verify` reads; AuthN's are a few kilobytes even with many ACLs.
const MAX_TOKEN_BYTES: usize = 1 << 20;

/// The JWT algorithms this verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Hs256,
    Rs256,
    Rs384,
    Rs512,
}

impl Alg {
    pub(crate) fn parse(name: &str) -> Option<Alg> {
        match name {
            "HS256" => Some(Alg::Hs256),
            "RS256" => Some(Alg::Rs256),
            "RS384" => Some(Alg::Rs384),
            "RS512" => Some(Alg::Rs512),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
        }
    }

    pub(crate) fn rsa_parameters(self) -> Option<&'static ring::signature::RsaParameters> {
        match self {
            Alg::Hs256 => None,
            Alg::Rs256 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA256),
            Alg::Rs384 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA384),
            Alg::Rs512 => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA512),
        }
    }
}

/// A token's header: what this verifier reads of it.
#[derive(Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

pub(crate) fn reject<T>(reason: RejectReason, message: impl Into<String>) -> Result<T, Error> {
    Err(Error::TokenRejected {
        reason,
        message: message.into(),
    })
}

/// A value from a token, for a message: quoted, escaped, at most 64 characters.
pub(crate) fn shown(value: &str) -> String {
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

/// A token split into its parts, step 1 of [`Verifier::verify`].
pub(crate) struct Parts<'a> {
    pub(crate) header: Header,
    claims_json: Vec<u8>,
    signature: Vec<u8>,
    /// The whole token, trimmed.
    jwt: &'a str,
    /// The length of what the signature signs: the header and claims parts and the dot
    /// between them.
    signed_len: usize,
}

impl Parts<'_> {
    /// Three parts of strict base64url, a JSON header with a string `alg` and no `crit`, at
    /// most 1 MiB in all; `jwt` is already trimmed.
    pub(crate) fn split(jwt: &str) -> Result<Parts<'_>, Error> {
        use RejectReason::*;
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
        Ok(Parts {
            header,
            claims_json,
            signature,
            jwt,
            signed_len: header_part.len() + 1 + claims_part.len(),
        })
    }

    /// Step 4: the signature, under `key` with `alg`.
    pub(crate) fn check_signature(&self, alg: Alg, key: &KeyRef<'_>) -> Result<(), Error> {
        let (signed, signature) = (
            &self.jwt.as_bytes()[..self.signed_len],
            self.signature.as_slice(),
        );
        let valid = match (key, alg.rsa_parameters()) {
            (KeyRef::Hmac(key), None) => ring::hmac::verify(key, signed, signature).is_ok(),
            (KeyRef::Rsa(key), Some(parameters)) => ring::signature::RsaPublicKeyComponents {
                n: &key.n,
                e: &key.e,
            }
            .verify(parameters, signed, signature)
            .is_ok(),
            // key_for pairs HMAC secrets with HS256 and RSA keys with RS*.
            _ => false,
        };
        if !valid {
            return reject(
                RejectReason::BadSignature,
                format!(
                    "the {} signature does not match the header and claims under this key",
                    alg.name()
                ),
            );
        }
        Ok(())
    }

    /// Step 5: the token with its claims decoded as AuthN writes them (once: the header was
    /// decoded by [`Parts::split`]), and the `nbf` [`Token`] does not keep.
    pub(crate) fn claims(self) -> Result<(Token, Option<SystemTime>), Error> {
        use RejectReason::*;
        let Header { alg, kid, .. } = self.header;
        let (token, nbf) =
            Token::from_decoded(self.jwt, alg, kid, &self.claims_json).map_err(|e| {
                Error::TokenRejected {
                    reason: Malformed,
                    message: match e {
                        Error::InvalidToken(why) => why,
                        other => other.to_string(),
                    },
                }
            })?;
        let not_before = match nbf {
            None | Some(serde_json::Value::Null) => None,
            Some(nbf) => match nbf.as_i64() {
                Some(secs) => Some(unix_time(secs)),
                None => return reject(Malformed, "the claims' nbf is not an integer"),
            },
        };
        Ok((token, not_before))
    }
}

impl Verifier {
    /// Steps 6 and 7 of [`Verifier::verify`].
    pub(crate) fn check_claims(
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
        // `iat` is not checked: AIStore does not check it either (golang-jwt's default).
        if let Some(latest) = now.checked_add(self.leeway) {
            if let Some(at) = not_before.filter(|at| *at > latest) {
                return reject(
                    NotYetValid,
                    format!(
                        "the token says it is valid from (nbf) {} (Unix time), {} s from now \
                         (leeway {:?})",
                        secs(at),
                        at.duration_since(now).map_or(0, |d| d.as_secs()),
                        self.leeway
                    ),
                );
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::verify::tests::{b64, now, reason, sign_hs256, ALICE, HS};

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
            r#"{"sub":"a","exp":4102444800,"nbf":1.5}"#,
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
        // No leeway by default, as AIStore: expired from `exp` on. With one, accepted within it.
        assert_eq!(Verifier::DEFAULT_LEEWAY, Duration::ZERO);
        assert_eq!(
            reason(v.verify(&claims(t - 2, t - 60))),
            RejectReason::Expired
        );
        let lenient = v.clone().leeway(Duration::from_secs(5));
        lenient.verify(&claims(t - 2, t - 60)).unwrap();
        v.verify(&claims(t + 2, t - 60)).unwrap();
        // Issued in the future: not checked, as AIStore does not check `iat`.
        v.verify(&claims(t + 3600, t + 60)).unwrap();
        // Not valid before a time to come (`nbf`): refused, within the leeway accepted.
        let nbf = |at: i64| {
            sign_hs256(
                HS,
                &format!(r#"{{"sub":"a","exp":{},"nbf":{at}}}"#, t + 3600),
                "s3cret",
            )
        };
        assert_eq!(reason(v.verify(&nbf(t + 60))), RejectReason::NotYetValid);
        assert_eq!(reason(v.verify(&nbf(t + 2))), RejectReason::NotYetValid);
        lenient.verify(&nbf(t + 2)).unwrap();
        v.verify(&nbf(t - 2)).unwrap();
        let null_nbf = sign_hs256(HS, r#"{"sub":"a","exp":4102444800,"nbf":null}"#, "s3cret");
        v.verify(&null_nbf).unwrap();
        // Extreme values neither panic nor pass as expired.
        v.verify(&claims(i64::MAX, 0)).unwrap();
        let huge = v.clone().leeway(Duration::MAX);
        huge.verify(&claims(t - 60, i64::MAX)).unwrap();
    }

    /// The error's message, for a token refused.
    fn message(r: Result<crate::verify::VerifiedToken, Error>) -> String {
        match r {
            Err(Error::TokenRejected { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messages_say_which_check_refused() {
        let v = Verifier::hmac("s3cret").unwrap();
        // 1 MiB is allowed (and then not a JWT); one byte more is not read at all.
        let at_most = "x".repeat(MAX_TOKEN_BYTES);
        assert_eq!(
            message(v.verify(&at_most)),
            "a JWT has three parts separated by dots"
        );
        assert_eq!(
            message(v.verify(&format!("{at_most}x"))),
            "the token is longer than 1 MiB"
        );
        let other = Verifier::hmac("other").unwrap();
        assert_eq!(
            message(other.verify(&sign_hs256(HS, ALICE, "s3cret"))),
            "the HS256 signature does not match the header and claims under this key"
        );
    }

    #[test]
    fn shown_values_are_quoted_and_cut_at_64_characters() {
        let exactly = "é".repeat(64);
        assert_eq!(shown(&exactly), format!("\"{exactly}\""));
        assert_eq!(shown(&format!("{exactly}x")), format!("\"{exactly}\"…"));
        assert_eq!(shown("a\"b\n"), r#""a\"b\n""#);
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
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::verify::tests::sign_hs256;

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

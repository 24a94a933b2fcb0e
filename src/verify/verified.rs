//! A verified token: its claims, and what it allows on a cluster or bucket by AIStore's rules
//! ([`crate::access`]).

use std::time::SystemTime;

#[cfg(doc)]
use crate::access::DenyReason;
use crate::access::{check, Denied};
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::token::{Token, TokenClaims};
#[cfg(doc)]
use crate::verify::Verifier;

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
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub struct VerifiedToken {
    token: Token,
}

impl VerifiedToken {
    /// A token [`Verifier::verify`] has checked.
    pub(crate) fn new(token: Token) -> VerifiedToken {
        VerifiedToken { token }
    }

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
    use crate::access::DenyReason;
    use crate::model::access_attr::AccessAttr;
    use crate::model::bucket::Bucket;
    use crate::verify::tests::{sign_hs256, ALICE, HS};
    use crate::verify::Verifier;

    #[test]
    fn the_token_answers_with_its_claims() {
        let v = Verifier::hmac("s3cret").unwrap();
        let jwt = sign_hs256(HS, ALICE, "s3cret");
        let alice = v.verify(&jwt).unwrap();
        assert!(!alice.is_admin());
        // ALICE is read-only (771) on c1.
        let raw = Bucket::new("ais", "raw");
        assert!(alice.allows("c1", Some(&raw), AccessAttr::GET));
        assert!(!alice.allows("c1", Some(&raw), AccessAttr::PUT));
        alice
            .check("c1", Some(&raw), AccessAttr::ACCESS_RO)
            .unwrap();
        let denied = alice.check("c1", Some(&raw), AccessAttr::PUT).unwrap_err();
        assert_eq!(
            (denied.reason, denied.missing),
            (DenyReason::ClusterAclLacks, AccessAttr::PUT)
        );
        assert_eq!(alice.clone().into_token().as_str(), jwt);
        let admin = sign_hs256(
            HS,
            r#"{"sub":"root","exp":4102444800,"admin":true}"#,
            "s3cret",
        );
        let admin = v.verify(&admin).unwrap();
        assert!(admin.is_admin());
        assert!(admin.allows("any", None, AccessAttr::ADMIN));
    }
}

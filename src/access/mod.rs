//! AIStore's permission check on a token's claims, rule for rule as an AIS proxy makes it:
//! `AISClaims.CheckPermissions`, `aclForCluster` and `aclForBucket` in
//! `cmd/authn/tok/token.go`, with buckets compared as `Bck.Equal` in `cmn/bck.go` does
//! (AIStore v1.5.0). Used by `VerifiedToken` (feature `verify`) and by the answers of [`answer`] for tokens, users
//! and roles. No cryptography here: it
//! builds without `ring`, so that other layers can ask the same rules of unverified claims.

use std::fmt;

use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::token::TokenClaims;

pub(crate) mod answer;
pub(crate) mod login;

/// Cluster-wide bits: AIStore's `apc.ClusterAccessRW | apc.AceAdmin`.
const CLUSTER_BITS: AccessAttr =
    AccessAttr::from_bits(AccessAttr::CLUSTER_ACCESS_RW.bits() | AccessAttr::ADMIN.bits());
/// Bucket and object bits: AIStore's `apc.AccessRW | apc.AccessBucketAdmin | apc.AcePromote`.
const OBJECT_BITS: AccessAttr = AccessAttr::from_bits(
    AccessAttr::ACCESS_RW.bits() | AccessAttr::BUCKET_ADMIN.bits() | AccessAttr::PROMOTE.bits(),
);

/// A refusal from `VerifiedToken::check` (feature `verify`): why, which of the
/// requested bits are missing, and what the ACL that decided grants.
///
/// `Display` says it in a sentence with the permissions in the `ais` CLI's words.
///
/// The type is in every build, but only `VerifiedToken::check` makes one, and that needs the
/// `verify` feature (as does this example).
///
/// # Example
#[cfg_attr(feature = "verify", doc = "```")]
#[cfg_attr(not(feature = "verify"), doc = "```ignore")]
/// use aistore_authn::{AccessAttr, Bucket, DenyReason, Verifier};
/// # fn sign(claims: &str, secret: &str) -> String {
/// #     use base64::Engine as _;
/// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
/// #     let input = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()));
/// #     let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
/// #     format!("{input}.{}", b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()))
/// # }
///
/// // Read-only on cluster c1 (a token AuthN signed with the secret "s3cret").
/// let jwt = sign(r#"{"sub":"alice","exp":4102444800,"clusters":[{"id":"c1","perm":"771"}]}"#, "s3cret");
/// let token = Verifier::hmac("s3cret")?.verify(&jwt)?;
///
/// let raw = Bucket::new("ais", "raw");
/// let denied = token.check("c1", Some(&raw), AccessAttr::GET | AccessAttr::PUT).unwrap_err();
/// assert_eq!(denied.reason, DenyReason::ClusterAclLacks);
/// assert_eq!(denied.missing, AccessAttr::PUT);
/// assert_eq!(denied.granted, AccessAttr::ACCESS_RO);
/// assert_eq!(denied.to_string(), "the cluster's ACL (ro) lacks PUT");
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Denied {
    /// Why the request is refused.
    pub reason: DenyReason,
    /// The requested bits that are not granted: for [`DenyReason::UnknownBits`] the bits that
    /// are neither cluster nor bucket permissions, for [`DenyReason::EmptyRequest`] none, and
    /// otherwise those of the refused part (cluster-wide or bucket) that the deciding ACL lacks
    /// (all of that part when there is no ACL, no cluster ID or no bucket).
    pub missing: AccessAttr,
    /// What the ACL that decided grants: the bucket's for [`DenyReason::BucketAclLacks`], the
    /// cluster's (or the default's) for [`DenyReason::ClusterAclLacks`] and
    /// [`DenyReason::NoClusterId`]; [`AccessAttr::NONE`] when no ACL decided.
    pub granted: AccessAttr,
}

/// Why `VerifiedToken::check` (feature `verify`) refused a request; each is one
/// refusal in AIStore's `CheckPermissions` (`cmd/authn/tok/token.go`).
///
/// New reasons may be added in minor releases: match with a wildcard arm.
///
/// In every build, like [`Denied`]; only `VerifiedToken::check` (feature `verify`) gives one.
///
/// # Example
/// ```
/// use aistore_authn::DenyReason;
///
/// assert_eq!(DenyReason::NoBucket.to_string(), "bucket permissions requested without a bucket");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenyReason {
    /// No permission was requested ([`AccessAttr::NONE`]): AIStore refuses an empty request
    /// (from anyone but an admin).
    EmptyRequest,
    /// Some requested bits are neither cluster-wide (`CLUSTER_ACCESS_RW | ADMIN`) nor bucket
    /// permissions (`ACCESS_RW | BUCKET_ADMIN | PROMOTE`), e.g. bit 20 or the rest of
    /// [`AccessAttr::ACCESS_SU`].
    UnknownBits,
    /// The token has no ACL for this cluster ID and no default ACL (the one with an empty
    /// cluster ID).
    NoClusterAcl,
    /// Cluster-wide permissions were requested with an empty cluster ID.
    NoClusterId,
    /// The cluster's ACL (or the default ACL) lacks requested bits. For bucket permissions this
    /// is the ACL that decides when no bucket ACL matches the bucket.
    ClusterAclLacks,
    /// Bucket permissions were requested without a bucket.
    NoBucket,
    /// A bucket ACL matches the bucket, and it lacks requested bits. It decides alone: the
    /// cluster's ACL is not consulted.
    BucketAclLacks,
}

impl fmt::Display for DenyReason {
    /// A phrase: `empty request`, `unknown permission bits`, `no ACL for the cluster`,
    /// `cluster permissions requested without a cluster ID`, `the cluster's ACL lacks bits`,
    /// `bucket permissions requested without a bucket`, `the bucket's ACL lacks bits`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            DenyReason::EmptyRequest => "empty request",
            DenyReason::UnknownBits => "unknown permission bits",
            DenyReason::NoClusterAcl => "no ACL for the cluster",
            DenyReason::NoClusterId => "cluster permissions requested without a cluster ID",
            DenyReason::ClusterAclLacks => "the cluster's ACL lacks bits",
            DenyReason::NoBucket => "bucket permissions requested without a bucket",
            DenyReason::BucketAclLacks => "the bucket's ACL lacks bits",
        })
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            DenyReason::EmptyRequest => f.write_str("no permission requested"),
            DenyReason::UnknownBits => write!(f, "unknown permission bits {}", self.missing),
            DenyReason::NoClusterAcl => {
                write!(
                    f,
                    "no ACL for the cluster, and no default ACL: {} not granted",
                    self.missing
                )
            }
            DenyReason::NoClusterId => write!(
                f,
                "cluster permissions ({}) requested without a cluster ID",
                self.missing
            ),
            DenyReason::ClusterAclLacks => write!(
                f,
                "the cluster's ACL ({}) lacks {}",
                self.granted, self.missing
            ),
            DenyReason::NoBucket => write!(
                f,
                "bucket permissions ({}) requested without a bucket",
                self.missing
            ),
            DenyReason::BucketAclLacks => write!(
                f,
                "the bucket's ACL ({}) lacks {}",
                self.granted, self.missing
            ),
        }
    }
}

impl std::error::Error for Denied {}

/// `have` without the bits of `minus`.
fn without(have: AccessAttr, minus: AccessAttr) -> AccessAttr {
    AccessAttr::from_bits(have.bits() & !minus.bits())
}

fn deny(reason: DenyReason, missing: AccessAttr, granted: AccessAttr) -> Result<(), Denied> {
    Err(Denied {
        reason,
        missing,
        granted,
    })
}

/// `CheckPermissions`: may the holder of `claims` do `perms` on `cluster_id` (and `bucket`)?
/// The rules, in AIStore's order:
///
/// 1. An admin token may do anything (even an empty request).
/// 2. An empty request is refused.
/// 3. `perms` splits into cluster bits (`CLUSTER_ACCESS_RW | ADMIN`) and bucket bits
///    (`ACCESS_RW | BUCKET_ADMIN | PROMOTE`); any other bit is refused.
/// 4. Cluster bits need a cluster ACL (by exact ID, else the default), a non-empty cluster ID,
///    and every bit in that ACL.
/// 5. Bucket bits need a bucket; a bucket ACL matching it decides alone; otherwise the cluster
///    ACL (or the default) must hold every bucket bit.
#[cfg_attr(not(feature = "verify"), allow(dead_code))] // only `VerifiedToken` asks for a bare yes/no
pub(crate) fn check(
    claims: &TokenClaims,
    cluster_id: &str,
    bucket: Option<&Bucket>,
    perms: AccessAttr,
) -> Result<(), Denied> {
    decide(claims, cluster_id, bucket, perms).0
}

/// The entries of a token's ACLs that [`check`] read to decide: indices into
/// `claims.clusters` and `claims.buckets`. So an answer can say which entry granted or fell
/// short, and, for a user, which roles that entry came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Consulted {
    /// The cluster ACL (exact or default) that decided cluster bits, or bucket bits when no
    /// bucket ACL matched.
    pub(crate) cluster: Option<usize>,
    /// The bucket ACL that decided bucket bits.
    pub(crate) bucket: Option<usize>,
}

/// [`check`], and which ACL entries decided.
pub(crate) fn decide(
    claims: &TokenClaims,
    cluster_id: &str,
    bucket: Option<&Bucket>,
    perms: AccessAttr,
) -> (Result<(), Denied>, Consulted) {
    let mut consulted = Consulted::default();
    let result = rules(claims, cluster_id, bucket, perms, &mut consulted);
    (result, consulted)
}

fn rules(
    claims: &TokenClaims,
    cluster_id: &str,
    bucket: Option<&Bucket>,
    perms: AccessAttr,
    consulted: &mut Consulted,
) -> Result<(), Denied> {
    let none = AccessAttr::NONE;
    if claims.admin {
        return Ok(());
    }
    if perms.is_empty() {
        return deny(DenyReason::EmptyRequest, none, none);
    }
    let cluster_perms = perms & CLUSTER_BITS;
    let object_perms = perms & OBJECT_BITS;
    let extra = without(perms, cluster_perms | object_perms);
    if !extra.is_empty() {
        return deny(DenyReason::UnknownBits, extra, none);
    }
    let cluster_acl = acl_for_cluster(claims, cluster_id);
    if !cluster_perms.is_empty() {
        // AIStore looks for the ACL before it checks the ID: with neither, "no ACL" wins.
        let Some((index, acl)) = cluster_acl else {
            return deny(DenyReason::NoClusterAcl, cluster_perms, none);
        };
        consulted.cluster = Some(index);
        if cluster_id.is_empty() {
            return deny(DenyReason::NoClusterId, cluster_perms, acl);
        }
        if !acl.contains(cluster_perms) {
            return deny(
                DenyReason::ClusterAclLacks,
                without(cluster_perms, acl),
                acl,
            );
        }
    }
    if object_perms.is_empty() {
        return Ok(());
    }
    let Some(bucket) = bucket else {
        return deny(DenyReason::NoBucket, object_perms, none);
    };
    if let Some((index, acl)) = acl_for_bucket(claims, cluster_id, bucket) {
        consulted.bucket = Some(index);
        return if acl.contains(object_perms) {
            Ok(())
        } else {
            deny(DenyReason::BucketAclLacks, without(object_perms, acl), acl)
        };
    }
    match cluster_acl {
        None => deny(DenyReason::NoClusterAcl, object_perms, none),
        Some((index, acl)) => {
            consulted.cluster = Some(index);
            if acl.contains(object_perms) {
                Ok(())
            } else {
                deny(DenyReason::ClusterAclLacks, without(object_perms, acl), acl)
            }
        }
    }
}

/// `aclForCluster`: the first ACL with exactly this ID; else the last one with an empty ID
/// (the default). For an empty `cluster_id` the first empty-ID ACL matches exactly. With its
/// index in `claims.clusters`.
pub(crate) fn acl_for_cluster(
    claims: &TokenClaims,
    cluster_id: &str,
) -> Option<(usize, AccessAttr)> {
    let mut default = None;
    for (index, acl) in claims.clusters.iter().enumerate() {
        if acl.id == cluster_id {
            return Some((index, acl.perm));
        }
        if acl.id.is_empty() {
            default = Some((index, acl.perm));
        }
    }
    default
}

/// `aclForBucket`: the first bucket ACL (with its index in `claims.buckets`) whose namespace UUID is `cluster_id` and whose bucket,
/// taken with the global namespace (as AIStore rebuilds it from the token), equals `bucket` by
/// `Bck.Equal`: name, provider and namespace (UUID and name), each exactly. So a `bucket` in a
/// namespace never matches.
///
/// `bucket`'s provider is first normalized as the proxy does before it checks (`NormalizeProvider`
/// in `api/apc/provider.go`): empty is `ais`, and the schemes `s3`, `gs`, `az`, `oc` are
/// `aws`, `gcp`, `azure`, `oci`. The token's provider is compared as written.
fn acl_for_bucket(
    claims: &TokenClaims,
    cluster_id: &str,
    bucket: &Bucket,
) -> Option<(usize, AccessAttr)> {
    let provider = normalize_provider(&bucket.provider);
    let global = bucket.namespace.uuid.is_empty() && bucket.namespace.name.is_empty();
    claims
        .buckets
        .iter()
        .enumerate()
        .filter(|(_, acl)| acl.bucket.namespace.uuid == cluster_id)
        .find(|(_, acl)| {
            global && acl.bucket.name == bucket.name && acl.bucket.provider == provider
        })
        .map(|(index, acl)| (index, acl.perm))
}

/// AIStore's `apc.NormalizeProvider` (case-sensitive), keeping an unknown provider as it is
/// (AIStore refuses the request before any permission check).
fn normalize_provider(provider: &str) -> &str {
    match provider {
        "" => "ais",
        "s3" => "aws",
        "gs" => "gcp",
        "az" => "azure",
        "oc" => "oci",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::token::tests::jwt;
    use crate::model::token::Token;

    const CLUSTER_RW: AccessAttr = AccessAttr::CLUSTER_ACCESS_RW;
    const RO: AccessAttr = AccessAttr::ACCESS_RO;
    const RW: AccessAttr = AccessAttr::ACCESS_RW;

    /// Claims with these cluster and bucket ACLs (JSON arrays as AuthN writes them).
    fn claims(admin: bool, clusters: &str, buckets: &str) -> TokenClaims {
        Token::parse(&jwt(&format!(
            r#"{{"sub":"u","exp":4102444800,"admin":{admin},"clusters":{clusters},"buckets":{buckets}}}"#
        )))
        .unwrap()
        .claims()
        .clone()
    }

    fn user(clusters: &str, buckets: &str) -> TokenClaims {
        claims(false, clusters, buckets)
    }

    fn bucket_acl(cluster: &str, provider: &str, name: &str, perm: AccessAttr) -> String {
        format!(
            r#"{{"bck":{{"name":"{name}","provider":"{provider}","namespace":{{"uuid":"{cluster}","name":""}}}},"perm":"{}"}}"#,
            perm.bits()
        )
    }

    fn reason(r: Result<(), Denied>) -> Option<DenyReason> {
        r.err().map(|d| d.reason)
    }

    #[test]
    fn admin_may_do_anything() {
        let admin = claims(true, "null", "null");
        for perms in [
            AccessAttr::NONE,
            AccessAttr::ACCESS_SU,
            AccessAttr::ADMIN,
            RW,
            AccessAttr::from_bits(1 << 40),
        ] {
            assert_eq!(check(&admin, "", None, perms), Ok(()), "{perms}");
            assert_eq!(
                check(&admin, "c1", Some(&Bucket::new("aws", "b")), perms),
                Ok(())
            );
        }
    }

    #[test]
    fn an_empty_request_is_refused() {
        let c = user(r#"[{"id":"c1","perm":"18446744073709551615"}]"#, "null");
        let d = check(&c, "c1", Some(&Bucket::new("ais", "b")), AccessAttr::NONE).unwrap_err();
        assert_eq!(
            d,
            Denied {
                reason: DenyReason::EmptyRequest,
                missing: AccessAttr::NONE,
                granted: AccessAttr::NONE
            }
        );
    }

    #[test]
    fn bits_outside_the_two_groups_are_refused_whatever_the_acl() {
        let c = user(r#"[{"id":"c1","perm":"18446744073709551615"}]"#, "null");
        let b = Bucket::new("ais", "b");
        let d = check(&c, "c1", Some(&b), RO | AccessAttr::from_bits(1 << 20)).unwrap_err();
        assert_eq!(d.reason, DenyReason::UnknownBits);
        assert_eq!(d.missing, AccessAttr::from_bits(1 << 20));
        // `su` is every bit: the 46 unnamed ones make it unknown.
        let d = check(&c, "c1", Some(&b), AccessAttr::ACCESS_SU).unwrap_err();
        assert_eq!(d.reason, DenyReason::UnknownBits);
        assert_eq!(d.missing.bits(), !((1 << 18) - 1));
        // Every named bit is in one group or the other.
        let all_named = AccessAttr::from_bits((1 << 18) - 1);
        assert_eq!(check(&c, "c1", Some(&b), all_named), Ok(()));
    }

    #[test]
    fn cluster_bits_need_the_clusters_acl() {
        let c = user(r#"[{"id":"c1","perm":"12288"}]"#, "null");
        assert_eq!(check(&c, "c1", None, AccessAttr::LIST_BUCKETS), Ok(()));
        assert_eq!(check(&c, "c1", None, AccessAttr::CLUSTER_ACCESS_RO), Ok(()));
        let d = check(&c, "c1", None, CLUSTER_RW).unwrap_err();
        assert_eq!(
            (d.reason, d.missing, d.granted),
            (
                DenyReason::ClusterAclLacks,
                AccessAttr::CREATE_BUCKET | AccessAttr::DESTROY_BUCKET | AccessAttr::MOVE_BUCKET,
                AccessAttr::CLUSTER_ACCESS_RO
            )
        );
        let d = check(&c, "c1", None, AccessAttr::ADMIN).unwrap_err();
        assert_eq!(
            (d.reason, d.missing),
            (DenyReason::ClusterAclLacks, AccessAttr::ADMIN)
        );
        // Another cluster, and no default.
        let d = check(&c, "c2", None, AccessAttr::LIST_BUCKETS).unwrap_err();
        assert_eq!(
            (d.reason, d.missing, d.granted),
            (
                DenyReason::NoClusterAcl,
                AccessAttr::LIST_BUCKETS,
                AccessAttr::NONE
            )
        );
    }

    #[test]
    fn the_default_acl_applies_to_clusters_without_their_own() {
        let c = user(
            r#"[{"id":"","perm":"12288"},{"id":"c1","perm":"126976"}]"#,
            "null",
        );
        assert_eq!(check(&c, "c2", None, AccessAttr::LIST_BUCKETS), Ok(()));
        assert_eq!(
            reason(check(&c, "c2", None, AccessAttr::CREATE_BUCKET)),
            Some(DenyReason::ClusterAclLacks)
        );
        // The cluster's own ACL wins over the default, wherever it is in the list.
        assert_eq!(check(&c, "c1", None, AccessAttr::CREATE_BUCKET), Ok(()));
        // The default also grants bucket bits on any bucket.
        let c = user(r#"[{"id":"","perm":"771"}]"#, "null");
        assert_eq!(check(&c, "c9", Some(&Bucket::new("aws", "x")), RO), Ok(()));
        // With several defaults, the last one counts (aclForCluster keeps overwriting it).
        let c = user(
            r#"[{"id":"","perm":"12288"},{"id":"","perm":"4096"}]"#,
            "null",
        );
        assert_eq!(
            reason(check(&c, "c1", None, AccessAttr::SHOW_CLUSTER)),
            Some(DenyReason::ClusterAclLacks)
        );
        // The first entry with exactly the ID counts.
        let c = user(
            r#"[{"id":"c1","perm":"4096"},{"id":"c1","perm":"12288"}]"#,
            "null",
        );
        assert_eq!(
            reason(check(&c, "c1", None, AccessAttr::SHOW_CLUSTER)),
            Some(DenyReason::ClusterAclLacks)
        );
    }

    #[test]
    fn cluster_bits_without_a_cluster_id() {
        // With a default ACL (it matches the empty ID exactly): refused for the missing ID.
        let c = user(r#"[{"id":"","perm":"126976"}]"#, "null");
        let d = check(&c, "", None, AccessAttr::LIST_BUCKETS).unwrap_err();
        assert_eq!(
            (d.reason, d.missing, d.granted),
            (
                DenyReason::NoClusterId,
                AccessAttr::LIST_BUCKETS,
                CLUSTER_RW
            )
        );
        // Without any matching ACL, "no ACL" comes first, as in AIStore.
        let c = user(r#"[{"id":"c1","perm":"126976"}]"#, "null");
        assert_eq!(
            reason(check(&c, "", None, AccessAttr::LIST_BUCKETS)),
            Some(DenyReason::NoClusterAcl)
        );
        // Bucket bits alone need no cluster ID: the default ACL decides.
        let c = user(r#"[{"id":"","perm":"771"}]"#, "null");
        assert_eq!(check(&c, "", Some(&Bucket::new("ais", "b")), RO), Ok(()));
    }

    #[test]
    fn bucket_bits_need_a_bucket() {
        let c = user(r#"[{"id":"c1","perm":"831"}]"#, "null");
        let d = check(&c, "c1", None, AccessAttr::GET | AccessAttr::PROMOTE).unwrap_err();
        assert_eq!(
            (d.reason, d.missing),
            (DenyReason::NoBucket, AccessAttr::GET | AccessAttr::PROMOTE)
        );
        // Cluster bits are checked first.
        let d = check(&c, "c1", None, AccessAttr::GET | AccessAttr::LIST_BUCKETS).unwrap_err();
        assert_eq!(d.reason, DenyReason::ClusterAclLacks);
    }

    #[test]
    fn a_matching_bucket_acl_overrides_the_cluster_acl() {
        let raw = Bucket::new("ais", "raw");
        let other = Bucket::new("ais", "other");
        // Read-write on the cluster, read-only on one bucket: that bucket is read-only.
        let c = user(
            r#"[{"id":"c1","perm":"831"}]"#,
            &format!("[{}]", bucket_acl("c1", "ais", "raw", RO)),
        );
        let d = check(&c, "c1", Some(&raw), AccessAttr::PUT).unwrap_err();
        assert_eq!(
            (d.reason, d.missing, d.granted),
            (DenyReason::BucketAclLacks, AccessAttr::PUT, RO)
        );
        assert_eq!(check(&c, "c1", Some(&raw), AccessAttr::GET), Ok(()));
        assert_eq!(check(&c, "c1", Some(&other), AccessAttr::PUT), Ok(()));
        // Nothing on the cluster, read-write on one bucket: only that bucket.
        let c = user("null", &format!("[{}]", bucket_acl("c1", "ais", "raw", RW)));
        assert_eq!(check(&c, "c1", Some(&raw), AccessAttr::PUT), Ok(()));
        let d = check(&c, "c1", Some(&other), AccessAttr::GET).unwrap_err();
        assert_eq!(
            (d.reason, d.missing),
            (DenyReason::NoClusterAcl, AccessAttr::GET)
        );
        // A bucket ACL grants no cluster bits.
        assert_eq!(
            reason(check(
                &c,
                "c1",
                Some(&raw),
                AccessAttr::PUT | AccessAttr::LIST_BUCKETS
            )),
            Some(DenyReason::NoClusterAcl)
        );
        // The first matching bucket ACL decides.
        let c = user(
            "null",
            &format!(
                "[{},{}]",
                bucket_acl("c1", "ais", "raw", RO),
                bucket_acl("c1", "ais", "raw", RW)
            ),
        );
        assert_eq!(
            reason(check(&c, "c1", Some(&raw), AccessAttr::PUT)),
            Some(DenyReason::BucketAclLacks)
        );
    }

    #[test]
    fn bucket_acls_match_cluster_name_provider_and_the_global_namespace() {
        let c = user(
            r#"[{"id":"","perm":"771"}]"#,
            &format!("[{}]", bucket_acl("c1", "aws", "logs", RW)),
        );
        let put = AccessAttr::PUT;
        assert_eq!(
            check(&c, "c1", Some(&Bucket::new("aws", "logs")), put),
            Ok(())
        );
        assert_eq!(
            check(&c, "c1", Some(&Bucket::parse("s3://logs").unwrap()), put),
            Ok(())
        );
        // Provider mismatch: aws in the token, ais asked; the default ACL decides instead.
        let d = check(&c, "c1", Some(&Bucket::new("ais", "logs")), put).unwrap_err();
        assert_eq!((d.reason, d.granted), (DenyReason::ClusterAclLacks, RO));
        // Another cluster, another name.
        assert!(check(&c, "c2", Some(&Bucket::new("aws", "logs")), put).is_err());
        assert!(check(&c, "c1", Some(&Bucket::new("aws", "Logs")), put).is_err());
        // A bucket in a namespace is never the token's bucket (Bck.Equal compares Ns).
        let in_ns = Bucket::parse("s3://@c1/logs").unwrap();
        assert!(check(&c, "c1", Some(&in_ns), put).is_err());
        let in_ns = Bucket::parse("s3://#ns/logs").unwrap();
        assert!(check(&c, "c1", Some(&in_ns), put).is_err());
    }

    #[test]
    fn the_callers_provider_is_normalized_as_the_proxy_does() {
        let c = user(
            "null",
            &format!(
                "[{},{}]",
                bucket_acl("c1", "ais", "raw", RW),
                bucket_acl("c1", "aws", "logs", RW)
            ),
        );
        let mut raw = Bucket::new("ais", "raw");
        raw.provider = String::new();
        assert_eq!(check(&c, "c1", Some(&raw), AccessAttr::PUT), Ok(()));
        let mut logs = Bucket::new("aws", "logs");
        logs.provider = "s3".into();
        assert_eq!(check(&c, "c1", Some(&logs), AccessAttr::PUT), Ok(()));
        logs.provider = "S3".into(); // NormalizeProvider is case-sensitive
        assert!(check(&c, "c1", Some(&logs), AccessAttr::PUT).is_err());
        // The token's side is taken as written: an empty provider there matches nothing.
        let c = user("null", &format!("[{}]", bucket_acl("c1", "", "raw", RW)));
        assert!(check(&c, "c1", Some(&Bucket::new("ais", "raw")), AccessAttr::GET).is_err());
    }

    #[test]
    fn cluster_and_bucket_bits_together() {
        let c = user(
            r#"[{"id":"c1","perm":"13059"}]"#, // ro | CLUSTER_ACCESS_RO
            &format!("[{}]", bucket_acl("c1", "ais", "raw", RW)),
        );
        let raw = Bucket::new("ais", "raw");
        assert_eq!(
            check(
                &c,
                "c1",
                Some(&raw),
                AccessAttr::LIST_BUCKETS | AccessAttr::PUT
            ),
            Ok(())
        );
        let d = check(
            &c,
            "c1",
            Some(&raw),
            AccessAttr::CREATE_BUCKET | AccessAttr::PUT,
        )
        .unwrap_err();
        assert_eq!(
            (d.reason, d.missing),
            (DenyReason::ClusterAclLacks, AccessAttr::CREATE_BUCKET)
        );
        let d = check(&c, "c1", Some(&raw), AccessAttr::BUCKET_ADMIN).unwrap_err();
        assert_eq!(
            (d.reason, d.missing, d.granted),
            (DenyReason::BucketAclLacks, AccessAttr::BUCKET_ADMIN, RW)
        );
    }

    #[test]
    fn denials_read_as_sentences() {
        let c = user(r#"[{"id":"c1","perm":"771"}]"#, "null");
        let b = Bucket::new("ais", "b");
        let said = |perms| check(&c, "c1", Some(&b), perms).unwrap_err().to_string();
        assert_eq!(said(AccessAttr::PUT), "the cluster's ACL (ro) lacks PUT");
        assert_eq!(said(AccessAttr::NONE), "no permission requested");
        assert_eq!(
            said(AccessAttr::from_bits(1 << 30)),
            "unknown permission bits 1073741824"
        );
        assert_eq!(
            DenyReason::ClusterAclLacks.to_string(),
            "the cluster's ACL lacks bits"
        );
    }
}

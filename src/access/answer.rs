//! Access answers with their reasons: may a token, a user or a role do these permissions on a
//! cluster or bucket, which role entry grants it or why nothing does, and who may. Asked of
//! AIStore's rules in [`crate::access`] (the code `VerifiedToken::check` runs), offline.

use std::fmt;

use crate::access::login::{login_acls, ADMIN_ROLE};
use crate::access::{acl_for_cluster, decide, Consulted, Denied};
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::info::{ClusterMap, RoleInfo, UserMap};
use crate::model::token::TokenClaims;

/// What an answer is computed from: the roles as they are now, or a token's claims, which
/// keep what the roles granted at login.
///
/// # Example
/// ```
/// assert_eq!(aistore_authn::Basis::Token.to_string(), "the token's claims");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Basis {
    /// The user's (or a role's) current roles: what a login now would get.
    Roles,
    /// A token's claims: what that token gets, whatever the roles have become since.
    Token,
}

impl fmt::Display for Basis {
    /// `the roles now` or `the token's claims`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Basis::Roles => "the roles now",
            Basis::Token => "the token's claims",
        })
    }
}

/// Where an ACL entry applies.
///
/// # Example
/// ```
/// use aistore_authn::{Bucket, Scope};
///
/// assert_eq!(Scope::Cluster("u1".into()).to_string(), "cluster u1");
/// let mut prod = Bucket::new("ais", "prod");
/// prod.namespace.uuid = "u1".into();
/// assert_eq!(Scope::Bucket(prod).to_string(), "ais://prod on cluster u1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// Everything everywhere: the built-in `Admin` role, or an admin token.
    Admin,
    /// Every cluster without an entry of its own (an entry with an empty cluster ID).
    AllClusters,
    /// One cluster, by the ID (or alias) the entry names.
    Cluster(String),
    /// One bucket; its namespace UUID is the cluster as the entry names it.
    Bucket(Bucket),
}

impl Scope {
    pub(crate) fn of_cluster(id: &str) -> Scope {
        match id {
            "" => Scope::AllClusters,
            id => Scope::Cluster(id.to_owned()),
        }
    }
}

impl fmt::Display for Scope {
    /// `administrator`, `all clusters`, `cluster ID`, or `ais://name on cluster ID`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Admin => f.write_str("administrator"),
            Scope::AllClusters => f.write_str("all clusters"),
            Scope::Cluster(id) => write!(f, "cluster {id}"),
            Scope::Bucket(b) => write!(
                f,
                "{} on cluster {}",
                Bucket::new(&b.provider, &b.name),
                b.namespace.uuid
            ),
        }
    }
}

/// One ACL entry behind an answer: the role it is in (none for a token's entry: tokens do not
/// name roles), where it applies and what it grants.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAnswer, AccessAttr, ClusterMap, RoleInfo, Scope};
///
/// let ops = RoleInfo::new("ops", "").with_cluster("u1", AccessAttr::ACCESS_RW);
/// let answer = AccessAnswer::for_roles("alice", &[ops], &ClusterMap::new(), "u1", None, AccessAttr::LIST_BUCKETS);
/// assert!(!answer.is_allowed());
/// let grant = &answer.grants[0];
/// assert_eq!((grant.role.as_deref(), &grant.scope), (Some("ops"), &Scope::Cluster("u1".into())));
/// assert_eq!(grant.to_string(), "role ops: rw on cluster u1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Grant {
    /// The role the entry is in; `None` for a token's own entry.
    pub role: Option<String>,
    /// Where the entry applies.
    pub scope: Scope,
    /// What the entry grants ([`AccessAttr::ACCESS_SU`] for [`Scope::Admin`]).
    pub perm: AccessAttr,
}

impl Grant {
    pub(crate) fn from_role(role: &str, scope: Scope, perm: AccessAttr) -> Grant {
        Grant {
            role: Some(role.to_owned()),
            scope,
            perm,
        }
    }
}

impl fmt::Display for Grant {
    /// `role NAME: PERMS on SCOPE`, `the token: PERMS on SCOPE`, `role Admin: administrator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Some(role) => write!(f, "role {role}: ")?,
            None => f.write_str("the token: ")?,
        }
        match self.scope {
            Scope::Admin => f.write_str("administrator"),
            _ => write!(f, "{} on {}", self.perm, self.scope),
        }
    }
}

/// May a token, a user or a role do `perms` on a cluster (and bucket)? The decision of AIStore's
/// rules (those of `VerifiedToken::check`, one implementation)
/// and the entries behind it. No request is sent: [`AccessReview`](crate::AccessReview) reads
/// users, roles and clusters from the server and asks this.
///
/// `Display` says it in one line, e.g. `alice may not DELETE-OBJECT on ais://prod of cluster
/// u1 (by the roles now): the bucket's ACL (ro) lacks DELETE-OBJECT; from role readers: ro on
/// ais://prod on cluster u1`.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAnswer, AccessAttr, Basis, Bucket, ClusterInfo, ClusterMap, DenyReason, RoleInfo};
///
/// let clusters = ClusterMap::from([("u1".into(), ClusterInfo::new("u1", "c1", &[]))]);
/// let roles = [
///     RoleInfo::new("ops", "").with_cluster("c1", AccessAttr::ACCESS_RW), // by alias
///     RoleInfo::new("readers", "").with_bucket("u1", "ais", "prod", AccessAttr::ACCESS_RO),
/// ];
/// let prod = Bucket::parse("ais://prod")?;
/// let scratch = Bucket::parse("ais://scratch")?;
///
/// let answer = AccessAnswer::for_roles("alice", &roles, &clusters, "u1", Some(&scratch), AccessAttr::OBJ_DELETE);
/// assert!(answer.is_allowed() && answer.basis == Basis::Roles);
/// assert_eq!(answer.grants[0].role.as_deref(), Some("ops"));
///
/// // A bucket entry decides alone for its bucket, even against a wider cluster entry.
/// let answer = AccessAnswer::for_roles("alice", &roles, &clusters, "u1", Some(&prod), AccessAttr::OBJ_DELETE);
/// assert_eq!(answer.decision.unwrap_err().reason, DenyReason::BucketAclLacks);
/// assert_eq!(answer.grants[0].role.as_deref(), Some("readers"));
/// assert_eq!(
///     answer.to_string(),
///     "alice may not DELETE-OBJECT on ais://prod of cluster u1 (by the roles now): the bucket's \
///      ACL (ro) lacks DELETE-OBJECT; from role readers: ro on ais://prod on cluster u1"
/// );
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessAnswer {
    /// What the answer is computed from.
    pub basis: Basis,
    /// Who was asked about: the user ID, the role name, or the token's subject.
    pub subject: String,
    /// The cluster, by ID.
    pub cluster_id: String,
    /// The bucket, for bucket and object permissions.
    pub bucket: Option<Bucket>,
    /// The permissions asked.
    pub perms: AccessAttr,
    /// True when the subject is an administrator (allowed everything).
    pub admin: bool,
    /// Allowed, or why not ([`Denied`]).
    pub decision: Result<(), Denied>,
    /// The entries behind the decision: those of the deciding ACLs that hold some of `perms`
    /// (all of their entries when none does), each with its role; empty when no ACL applies.
    pub grants: Vec<Grant>,
}

impl AccessAnswer {
    /// The answer for a token's claims ([`Basis::Token`]): what the holder of the token may
    /// do. The claims are taken as they are: from [`Token::claims`](crate::Token::claims)
    /// they are not verified; from a `VerifiedToken` (feature `verify`) they are.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAnswer, AccessAttr, Scope, Token};
    /// # fn jwt(claims: &str) -> String {
    /// #     use base64::Engine as _;
    /// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    /// #     format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()))
    /// # }
    /// let token = Token::parse(&jwt(r#"{"sub":"bob","exp":4102444800,"clusters":[{"id":"","perm":"771"}]}"#))?;
    /// let answer = AccessAnswer::for_claims(token.claims(), "u1", None, AccessAttr::LIST_BUCKETS);
    /// assert!(!answer.is_allowed());
    /// assert_eq!(answer.grants[0].scope, Scope::AllClusters);
    /// assert_eq!(
    ///     answer.to_string(),
    ///     "bob may not LIST-BUCKETS on cluster u1 (by the token's claims): the cluster's ACL (ro) \
    ///      lacks LIST-BUCKETS; from the token: ro on all clusters"
    /// );
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn for_claims(
        claims: &TokenClaims,
        cluster_id: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> AccessAnswer {
        let entry = |scope, perm| {
            vec![Grant {
                role: None,
                scope,
                perm,
            }]
        };
        let from = Sources {
            admin: entry(Scope::Admin, AccessAttr::ACCESS_SU),
            clusters: claims
                .clusters
                .iter()
                .map(|a| entry(Scope::of_cluster(&a.id), a.perm))
                .collect(),
            buckets: claims
                .buckets
                .iter()
                .map(|a| entry(Scope::Bucket(a.bucket.clone()), a.perm))
                .collect(),
        };
        let ask = Ask {
            cluster_id,
            bucket,
            perms,
        };
        answer(Basis::Token, claims, &from, &ask)
    }

    /// The answer for a holder of `roles` ([`Basis::Roles`]): what a login by `subject` would
    /// get now. The roles are merged into a token's ACLs as AuthN v1.5.0 merges them at login
    /// (entries for one cluster or one bucket OR-ed; aliases replaced by the IDs `clusters`
    /// gives them; an `Admin` role makes an administrator), and the merged ACLs are asked:
    /// so a bucket entry of one role narrows a cluster entry of another, and two roles' bits
    /// add up. Pass a user's [`roles`](crate::UserInfo::roles) for a user, one role for a role.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAnswer, AccessAttr, ClusterMap, RoleInfo};
    ///
    /// let roles = [
    ///     RoleInfo::new("getters", "").with_cluster("u1", AccessAttr::GET),
    ///     RoleInfo::new("putters", "").with_cluster("u1", AccessAttr::PUT),
    /// ];
    /// let b = aistore_authn::Bucket::parse("ais://b")?;
    /// let both = AccessAttr::GET | AccessAttr::PUT;
    /// let answer = AccessAnswer::for_roles("carol", &roles, &ClusterMap::new(), "u1", Some(&b), both);
    /// assert!(answer.is_allowed());
    /// assert_eq!(answer.grants.len(), 2); // each role gives part of it
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn for_roles(
        subject: &str,
        roles: &[RoleInfo],
        clusters: &ClusterMap,
        cluster_id: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> AccessAnswer {
        let acls = login_acls(subject, roles, clusters);
        let from = Sources {
            admin: vec![Grant::from_role(
                ADMIN_ROLE,
                Scope::Admin,
                AccessAttr::ACCESS_SU,
            )],
            clusters: acls.cluster_from,
            buckets: acls.bucket_from,
        };
        let ask = Ask {
            cluster_id,
            bucket,
            perms,
        };
        answer(Basis::Roles, &acls.claims, &from, &ask)
    }

    /// True when allowed.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAnswer, AccessAttr, ClusterMap, RoleInfo};
    ///
    /// let admin = [RoleInfo::new("Admin", "")];
    /// let answer = AccessAnswer::for_roles("root", &admin, &ClusterMap::new(), "u1", None, AccessAttr::ADMIN);
    /// assert!(answer.is_allowed() && answer.admin);
    /// ```
    pub fn is_allowed(&self) -> bool {
        self.decision.is_ok()
    }
}

/// The question.
struct Ask<'a> {
    cluster_id: &'a str,
    bucket: Option<&'a Bucket>,
    perms: AccessAttr,
}

/// The entries behind each ACL of the claims (same indices), and behind the admin flag.
struct Sources {
    admin: Vec<Grant>,
    clusters: Vec<Vec<Grant>>,
    buckets: Vec<Vec<Grant>>,
}

fn answer(basis: Basis, claims: &TokenClaims, from: &Sources, ask: &Ask<'_>) -> AccessAnswer {
    let (decision, consulted) = decide(claims, ask.cluster_id, ask.bucket, ask.perms);
    let grants = match claims.admin {
        true => from.admin.clone(),
        false => behind(consulted, from, ask.perms),
    };
    AccessAnswer {
        basis,
        subject: claims.subject.clone(),
        cluster_id: ask.cluster_id.to_owned(),
        bucket: ask.bucket.cloned(),
        perms: ask.perms,
        admin: claims.admin,
        decision,
        grants,
    }
}

/// The entries of the consulted ACLs that hold some of `perms`, or all of them when none does.
fn behind(consulted: Consulted, from: &Sources, perms: AccessAttr) -> Vec<Grant> {
    let mut grants = Vec::new();
    let acls = [
        consulted.cluster.and_then(|i| from.clusters.get(i)),
        consulted.bucket.and_then(|i| from.buckets.get(i)),
    ];
    for entries in acls.into_iter().flatten() {
        let holding: Vec<&Grant> = entries
            .iter()
            .filter(|g| !(g.perm & perms).is_empty())
            .collect();
        match holding.is_empty() {
            true => grants.extend(entries.iter().cloned()),
            false => grants.extend(holding.into_iter().cloned()),
        }
    }
    grants
}

impl fmt::Display for AccessAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let may = if self.is_allowed() { "may" } else { "may not" };
        write!(f, "{} {may} {} on ", self.subject, self.perms)?;
        if let Some(b) = &self.bucket {
            write!(f, "{b} of ")?;
        }
        write!(f, "cluster {} (by {}): ", self.cluster_id, self.basis)?;
        let grants = self
            .grants
            .iter()
            .map(Grant::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match &self.decision {
            Ok(()) => write!(f, "granted by {grants}"),
            Err(denied) if grants.is_empty() => write!(f, "{denied}"),
            Err(denied) => write!(f, "{denied}; from {grants}"),
        }
    }
}

/// Who may do `perms` on a cluster (and bucket): the users and the roles, each with its
/// answer. From [`AccessReview::who_can`](crate::AccessReview::who_can), or offline from
/// [`WhoCan::compute`].
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, ClusterMap, RoleInfo, UserInfo, UserMap, WhoCan};
///
/// let ops = RoleInfo::new("ops", "").with_cluster("u1", AccessAttr::ACCESS_RW);
/// let users = UserMap::from([
///     ("alice".into(), UserInfo::new("alice", vec![ops.clone()])),
///     ("bob".into(), UserInfo::new("bob", Vec::new())),
///     ("root".into(), UserInfo::new("root", vec![RoleInfo::new("Admin", "")])),
/// ]);
/// let roles = [ops, RoleInfo::new("Admin", "")];
/// let who = WhoCan::compute(&users, &roles, &ClusterMap::new(), "u1", None, AccessAttr::LIST_BUCKETS);
/// assert_eq!(who.users.iter().map(|a| (a.subject.as_str(), a.admin)).collect::<Vec<_>>(), [("root", true)]);
/// let b = aistore_authn::Bucket::parse("ais://b").unwrap();
/// let who = WhoCan::compute(&users, &roles, &ClusterMap::new(), "u1", Some(&b), AccessAttr::PUT);
/// assert_eq!(who.users.len(), 2);
/// assert_eq!(who.roles.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>(), ["Admin", "ops"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WhoCan {
    /// The users allowed, in ID order, each answer naming the roles that grant it
    /// ([`AccessAnswer::admin`] marks administrators).
    pub users: Vec<AccessAnswer>,
    /// The roles that allow it on their own, in name order (the `Admin` role included).
    pub roles: Vec<AccessAnswer>,
}

impl WhoCan {
    /// Asks every user's roles ([`AccessAnswer::for_roles`]) and every role alone. No request
    /// is sent.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, ClusterMap, UserMap, WhoCan};
    ///
    /// let who = WhoCan::compute(&UserMap::new(), &[], &ClusterMap::new(), "u1", None, AccessAttr::GET);
    /// assert!(who.users.is_empty() && who.roles.is_empty());
    /// ```
    pub fn compute(
        users: &UserMap,
        roles: &[RoleInfo],
        clusters: &ClusterMap,
        cluster_id: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> WhoCan {
        let ask = |subject: &str, roles: &[RoleInfo]| {
            AccessAnswer::for_roles(subject, roles, clusters, cluster_id, bucket, perms)
        };
        let mut roles: Vec<AccessAnswer> = roles
            .iter()
            .map(|r| ask(&r.name, std::slice::from_ref(r)))
            .filter(AccessAnswer::is_allowed)
            .collect();
        roles.sort_by(|a, b| a.subject.cmp(&b.subject));
        WhoCan {
            users: users
                .values()
                .map(|u| ask(&u.id, &u.roles))
                .filter(AccessAnswer::is_allowed)
                .collect(),
            roles,
        }
    }
}

/// What a token's claims grant on one cluster: the cluster ACL that applies there (the
/// cluster's own entry, else the all-clusters one, as AIStore picks it) and the bucket entries
/// for the cluster's buckets, which decide alone for their buckets.
///
/// # Example
/// ```
/// use aistore_authn::{AccessAttr, ClusterAccess, Scope, Token};
/// # fn jwt(claims: &str) -> String {
/// #     use base64::Engine as _;
/// #     let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
/// #     format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()))
/// # }
/// let token = Token::parse(&jwt(r#"{"sub":"bob","exp":4102444800,"clusters":[{"id":"","perm":"771"}],
///     "buckets":[{"bck":{"name":"logs","provider":"aws","namespace":{"uuid":"u1","name":""}},"perm":"831"}]}"#))?;
/// let on_u1 = ClusterAccess::of_claims(token.claims(), "u1");
/// let cluster = on_u1.cluster.unwrap();
/// assert_eq!((cluster.scope, cluster.perm), (Scope::AllClusters, AccessAttr::ACCESS_RO));
/// assert_eq!(on_u1.buckets[0].to_string(), "the token: rw on s3://logs on cluster u1");
/// assert!(ClusterAccess::of_claims(token.claims(), "u2").buckets.is_empty());
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterAccess {
    /// The cluster, by ID.
    pub cluster_id: String,
    /// True for an administrator's token: everything, everywhere.
    pub admin: bool,
    /// The cluster ACL that applies; `None` when the claims have none for this cluster.
    pub cluster: Option<Grant>,
    /// The bucket entries for this cluster's buckets, in the claims' order (for one bucket the
    /// first counts).
    pub buckets: Vec<Grant>,
}

impl ClusterAccess {
    /// What `claims` grant on the cluster `cluster_id`. Nothing is sent.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{ClusterAccess, Token};
    ///
    /// // {"sub":"alice","exp":4102444800}: no ACLs.
    /// let token = Token::parse("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln")?;
    /// let access = ClusterAccess::of_claims(token.claims(), "u1");
    /// assert!(access.cluster.is_none() && access.buckets.is_empty() && !access.admin);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn of_claims(claims: &TokenClaims, cluster_id: &str) -> ClusterAccess {
        let grant = |scope, perm| Grant {
            role: None,
            scope,
            perm,
        };
        ClusterAccess {
            cluster_id: cluster_id.to_owned(),
            admin: claims.admin,
            cluster: acl_for_cluster(claims, cluster_id)
                .map(|(i, perm)| grant(Scope::of_cluster(&claims.clusters[i].id), perm)),
            buckets: claims
                .buckets
                .iter()
                .filter(|acl| acl.bucket.namespace.uuid == cluster_id)
                .map(|acl| grant(Scope::Bucket(acl.bucket.clone()), acl.perm))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::DenyReason;
    use crate::model::access_attr::AccessAttr as A;
    use crate::model::info::{ClusterInfo, UserInfo};

    fn map() -> ClusterMap {
        ClusterMap::from([("u1".into(), ClusterInfo::new("u1", "c1", &[]))])
    }

    fn bucket(uri: &str) -> Bucket {
        Bucket::parse(uri).unwrap()
    }

    fn roles_of(a: &AccessAnswer) -> Vec<&str> {
        a.grants.iter().filter_map(|g| g.role.as_deref()).collect()
    }

    #[test]
    fn a_single_role_grants_by_its_cluster_entry() {
        let ops = [RoleInfo::new("ops", "").with_cluster("u1", A::ACCESS_RW)];
        let a = AccessAnswer::for_roles(
            "alice",
            &ops,
            &map(),
            "u1",
            Some(&bucket("ais://p")),
            A::PUT,
        );
        assert!(a.is_allowed() && !a.admin);
        assert_eq!(roles_of(&a), ["ops"]);
        assert_eq!(a.grants[0].scope, Scope::Cluster("u1".into()));
        assert_eq!(
            a.to_string(),
            "alice may PUT on ais://p of cluster u1 (by the roles now): granted by role ops: rw on cluster u1"
        );
        // Another cluster: nothing applies.
        let a = AccessAnswer::for_roles(
            "alice",
            &ops,
            &map(),
            "u2",
            Some(&bucket("ais://p")),
            A::PUT,
        );
        assert_eq!(a.decision.unwrap_err().reason, DenyReason::NoClusterAcl);
        assert!(a.grants.is_empty());
    }

    #[test]
    fn roles_add_up_and_bucket_entries_decide_alone() {
        let roles = [
            RoleInfo::new("get", "").with_all_clusters(A::GET),
            RoleInfo::new("put", "").with_all_clusters(A::PUT | A::OBJ_DELETE),
            RoleInfo::new("list", "").with_all_clusters(A::LIST_BUCKETS),
            RoleInfo::new("narrow", "").with_bucket("u1", "ais", "prod", A::GET),
        ];
        let b = bucket("ais://other");
        let a = AccessAnswer::for_roles("al", &roles, &map(), "u1", Some(&b), A::GET | A::PUT);
        assert!(a.is_allowed());
        assert_eq!(roles_of(&a), ["get", "put"], "list holds none of it");
        assert_eq!(a.grants[0].scope, Scope::AllClusters);
        // No single role allows it.
        for r in &roles {
            let alone = AccessAnswer::for_roles(
                "al",
                std::slice::from_ref(r),
                &map(),
                "u1",
                Some(&b),
                A::GET | A::PUT,
            );
            assert!(!alone.is_allowed(), "{}", r.name);
        }
        // ais://prod: the bucket entry of `narrow` overrides the all-clusters entries.
        let prod = bucket("ais://prod");
        let a = AccessAnswer::for_roles("al", &roles, &map(), "u1", Some(&prod), A::OBJ_DELETE);
        let d = a.decision.unwrap_err();
        assert_eq!((d.reason, d.granted), (DenyReason::BucketAclLacks, A::GET));
        assert_eq!(roles_of(&a), ["narrow"]);
    }

    #[test]
    fn cluster_bits_and_bucket_bits_name_both_entries() {
        let roles = [
            RoleInfo::new("admin-ish", "").with_cluster("c1", A::CREATE_BUCKET),
            RoleInfo::new("writer", "").with_bucket("u1", "ais", "prod", A::ACCESS_RW),
        ];
        let prod = bucket("ais://prod");
        let a = AccessAnswer::for_roles(
            "al",
            &roles,
            &map(),
            "u1",
            Some(&prod),
            A::CREATE_BUCKET | A::PUT,
        );
        assert!(a.is_allowed());
        assert_eq!(roles_of(&a), ["admin-ish", "writer"]);
        // The alias in the role was turned into the ID: the entry's scope keeps the role's word.
        assert_eq!(a.grants[0].scope, Scope::Cluster("c1".into()));
    }

    #[test]
    fn admins_and_empty_requests() {
        let admin = [RoleInfo::new("Admin", ""), RoleInfo::new("x", "")];
        let a = AccessAnswer::for_roles("root", &admin, &map(), "u9", None, A::ADMIN);
        assert!(a.is_allowed() && a.admin);
        assert_eq!(a.grants[0].to_string(), "role Admin: administrator");
        let none = AccessAnswer::for_roles("al", &[], &map(), "u1", None, A::NONE);
        assert_eq!(none.decision.unwrap_err().reason, DenyReason::EmptyRequest);
    }

    #[test]
    fn a_token_and_its_user_now_can_differ() {
        let old = [RoleInfo::new("r", "").with_cluster("u1", A::ACCESS_RO)];
        let new = [RoleInfo::new("r", "").with_cluster("u1", A::ACCESS_RW)];
        let token = login_acls("bob", &old, &map()).claims;
        let p = bucket("ais://p");
        let by_token = AccessAnswer::for_claims(&token, "u1", Some(&p), A::PUT);
        let by_roles = AccessAnswer::for_roles("bob", &new, &map(), "u1", Some(&p), A::PUT);
        assert!(!by_token.is_allowed() && by_roles.is_allowed());
        assert_eq!(
            (by_token.basis, by_roles.basis),
            (Basis::Token, Basis::Roles)
        );
        assert_eq!(by_token.grants[0].role, None);
        assert!(by_token.to_string().contains("(by the token's claims)"));
    }

    #[test]
    fn who_can_lists_allowed_users_and_roles_in_order() {
        let ro = RoleInfo::new("ro", "").with_cluster("u1", A::ACCESS_RO);
        let rw = RoleInfo::new("rw", "").with_bucket("u1", "ais", "p", A::ACCESS_RW);
        let users = UserMap::from([
            (
                "zed".into(),
                UserInfo::new("zed", vec![ro.clone(), rw.clone()]),
            ),
            ("amy".into(), UserInfo::new("amy", vec![rw.clone()])),
            ("bob".into(), UserInfo::new("bob", vec![ro.clone()])),
        ]);
        let roles = [rw, ro];
        let p = bucket("ais://p");
        let who = WhoCan::compute(&users, &roles, &map(), "u1", Some(&p), A::PUT);
        let ids: Vec<&str> = who.users.iter().map(|a| a.subject.as_str()).collect();
        assert_eq!(ids, ["amy", "zed"]);
        assert_eq!(roles_of(&who.users[1]), ["rw"]);
        assert_eq!(
            who.roles
                .iter()
                .map(|a| a.subject.as_str())
                .collect::<Vec<_>>(),
            ["rw"]
        );
    }
}

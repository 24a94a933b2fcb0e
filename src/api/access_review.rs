//! Access review: who may do what where, from the users, roles and clusters the server keeps,
//! read once (three GETs) and then asked offline with AIStore's rules ([`crate::access`]).

use crate::access::answer::{AccessAnswer, WhoCan};
use crate::client::Client;
use crate::error::Error;
use crate::model::access_attr::AccessAttr;
use crate::model::bucket::Bucket;
use crate::model::info::{ClusterMap, RolesList, UserMap};

/// The users, roles and clusters of an AuthN server, to ask who may do what: `can` a user or a
/// role do these permissions on a cluster or bucket, and `who_can`. Read with
/// [`Client::access_review`] (three requests, whatever the number of users), or built from
/// values with [`AccessReview::new`]; the questions send nothing.
///
/// Users are answered from their roles as they are now (what a login now would get,
/// [`Basis::Roles`](crate::Basis::Roles)); a token keeps what its login got: ask
/// [`AccessAnswer::for_claims`] for that.
///
/// # Example
/// ```no_run
/// use aistore_authn::{AccessAttr, Bucket, Client};
///
/// let mut client = Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let review = client.access_review()?;
///
/// let prod = Bucket::parse("ais://prod")?;
/// let answer = review.user("alice", "c1", Some(&prod), AccessAttr::OBJ_DELETE)?;
/// println!("{answer}"); // e.g. "alice may DELETE-OBJECT on ais://prod of cluster … (by the roles now): granted by role ops: rw on cluster …"
///
/// for user in review.who_can("c1", Some(&prod), AccessAttr::OBJ_DELETE)?.users {
///     println!("{}{}", user.subject, if user.admin { " (admin)" } else { "" });
/// }
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReview {
    users: UserMap,
    roles: RolesList,
    clusters: ClusterMap,
}

impl AccessReview {
    /// A review of these users, roles and clusters (as [`UserManager::list`],
    /// [`RoleManager::list`] and [`ClusterManager::list`] give them). Nothing is sent.
    ///
    /// [`UserManager::list`]: crate::UserManager::list
    /// [`RoleManager::list`]: crate::RoleManager::list
    /// [`ClusterManager::list`]: crate::ClusterManager::list
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, AccessReview, ClusterInfo, ClusterMap, RoleInfo, UserInfo, UserMap};
    ///
    /// let ops = RoleInfo::new("ops", "").with_cluster("u1", AccessAttr::ACCESS_RW);
    /// let users = UserMap::from([("alice".into(), UserInfo::new("alice", vec![ops.clone()]))]);
    /// let clusters = ClusterMap::from([("u1".into(), ClusterInfo::new("u1", "c1", &[]))]);
    /// let review = AccessReview::new(users, vec![ops].into(), clusters);
    /// let prod = aistore_authn::Bucket::parse("ais://prod")?;
    /// assert!(review.user("alice", "c1", Some(&prod), AccessAttr::PUT)?.is_allowed());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(users: UserMap, roles: RolesList, clusters: ClusterMap) -> AccessReview {
        AccessReview {
            users,
            roles,
            clusters,
        }
    }

    /// The users, by ID.
    ///
    /// # Example
    /// ```
    /// # use aistore_authn::{AccessReview, UserMap};
    /// let review = AccessReview::new(UserMap::new(), Vec::new().into(), Default::default());
    /// assert!(review.users().is_empty());
    /// ```
    pub fn users(&self) -> &UserMap {
        &self.users
    }

    /// The roles, by name.
    ///
    /// # Example
    /// ```
    /// # use aistore_authn::{AccessReview, UserMap};
    /// let review = AccessReview::new(UserMap::new(), Vec::new().into(), Default::default());
    /// assert!(review.roles().is_empty());
    /// ```
    pub fn roles(&self) -> &RolesList {
        &self.roles
    }

    /// The registered clusters, by ID.
    ///
    /// # Example
    /// ```
    /// # use aistore_authn::{AccessReview, UserMap};
    /// let review = AccessReview::new(UserMap::new(), Vec::new().into(), Default::default());
    /// assert!(review.clusters().is_empty());
    /// ```
    pub fn clusters(&self) -> &ClusterMap {
        &self.clusters
    }

    /// The ID of the registered cluster `cluster` names: its ID, else its alias.
    ///
    /// # Errors
    /// [`Error::ClusterNotFound`] naming `cluster` when no registered cluster has that ID or
    /// alias (the empty name included).
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessReview, ClusterInfo, ClusterMap, Error, UserMap};
    ///
    /// let clusters = ClusterMap::from([("u1".into(), ClusterInfo::new("u1", "c1", &[]))]);
    /// let review = AccessReview::new(UserMap::new(), Vec::new().into(), clusters);
    /// assert_eq!(review.cluster_id("c1")?, "u1");
    /// assert_eq!(review.cluster_id("u1")?, "u1");
    /// assert!(matches!(review.cluster_id("c2"), Err(Error::ClusterNotFound(name)) if name == "c2"));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn cluster_id(&self, cluster: &str) -> Result<&str, Error> {
        if let Some(c) = self.clusters.get(cluster).filter(|_| !cluster.is_empty()) {
            return Ok(&c.id);
        }
        self.clusters
            .values()
            .find(|c| !cluster.is_empty() && c.alias == cluster)
            .map(|c| c.id.as_str())
            .ok_or_else(|| Error::ClusterNotFound(cluster.to_owned()))
    }

    /// May the user `id` do `perms` on `cluster` (ID or alias), on `bucket` for bucket and
    /// object permissions? Answered from the user's roles as they are now, merged as a login
    /// merges them ([`AccessAnswer::for_roles`]), with the role entries behind the answer.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no permissions or a bucket without a name;
    /// [`Error::ClusterNotFound`], [`Error::UserNotFound`] naming what is unknown.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, AccessReview, ClusterMap, Error, RoleInfo, UserInfo, UserMap};
    ///
    /// let clusters = ClusterMap::from([("u1".into(), aistore_authn::ClusterInfo::new("u1", "", &[]))]);
    /// let users = UserMap::from([("bob".into(), UserInfo::new("bob", Vec::new()))]);
    /// let review = AccessReview::new(users, Vec::new().into(), clusters);
    /// let answer = review.user("bob", "u1", None, AccessAttr::LIST_BUCKETS)?;
    /// assert!(!answer.is_allowed() && answer.grants.is_empty());
    /// assert!(matches!(review.user("eve", "u1", None, AccessAttr::GET), Err(Error::UserNotFound(_))));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn user(
        &self,
        id: &str,
        cluster: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> Result<AccessAnswer, Error> {
        let cluster_id = self.question(cluster, bucket, perms)?;
        let user = self
            .users
            .get(id)
            .ok_or_else(|| Error::UserNotFound(id.to_owned()))?;
        Ok(AccessAnswer::for_roles(
            &user.id,
            &user.roles,
            &self.clusters,
            cluster_id,
            bucket,
            perms,
        ))
    }

    /// May a holder of the role `name` alone do `perms` on `cluster` (ID or alias), on
    /// `bucket` for bucket and object permissions?
    ///
    /// # Errors
    /// As [`AccessReview::user`], with [`Error::RoleNotFound`] for an unknown role.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, AccessReview, RoleInfo, UserMap};
    ///
    /// let readers = RoleInfo::new("readers", "").with_all_clusters(AccessAttr::ACCESS_RO);
    /// let clusters = [("u1".to_owned(), aistore_authn::ClusterInfo::new("u1", "c1", &[]))].into();
    /// let review = AccessReview::new(UserMap::new(), vec![readers].into(), clusters);
    /// let b = aistore_authn::Bucket::parse("s3://logs")?;
    /// assert!(review.role("readers", "c1", Some(&b), AccessAttr::GET)?.is_allowed());
    /// assert!(!review.role("readers", "c1", Some(&b), AccessAttr::PUT)?.is_allowed());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn role(
        &self,
        name: &str,
        cluster: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> Result<AccessAnswer, Error> {
        let cluster_id = self.question(cluster, bucket, perms)?;
        let role = self
            .roles
            .get(name)
            .ok_or_else(|| Error::RoleNotFound(name.to_owned()))?;
        Ok(AccessAnswer::for_roles(
            &role.name,
            std::slice::from_ref(role),
            &self.clusters,
            cluster_id,
            bucket,
            perms,
        ))
    }

    /// Who may do `perms` on `cluster` (ID or alias), on `bucket` for bucket and object
    /// permissions: every user allowed by its roles (administrators marked), and every role
    /// that allows it alone ([`WhoCan::compute`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no permissions or a bucket without a name;
    /// [`Error::ClusterNotFound`].
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{AccessAttr, AccessReview, RoleInfo, UserInfo, UserMap};
    ///
    /// let admin = UserInfo::new("admin", vec![RoleInfo::new("Admin", "")]);
    /// let users = UserMap::from([("admin".into(), admin)]);
    /// let clusters = [("u1".to_owned(), aistore_authn::ClusterInfo::new("u1", "c1", &[]))].into();
    /// let review = AccessReview::new(users, Vec::new().into(), clusters);
    /// let who = review.who_can("c1", None, AccessAttr::CREATE_BUCKET)?;
    /// assert!(who.users[0].admin);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn who_can(
        &self,
        cluster: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> Result<WhoCan, Error> {
        let cluster_id = self.question(cluster, bucket, perms)?;
        Ok(WhoCan::compute(
            &self.users,
            &self.roles,
            &self.clusters,
            cluster_id,
            bucket,
            perms,
        ))
    }

    /// Checks a question's parts; the cluster's ID.
    fn question(
        &self,
        cluster: &str,
        bucket: Option<&Bucket>,
        perms: AccessAttr,
    ) -> Result<&str, Error> {
        if perms.is_empty() {
            return Err(Error::InvalidArgument(
                "no permissions asked about (e.g. GET, rw, CREATE-BUCKET)".to_owned(),
            ));
        }
        if bucket.is_some_and(|b| b.name.is_empty()) {
            return Err(Error::InvalidArgument("a bucket without a name".to_owned()));
        }
        self.cluster_id(cluster)
    }
}

impl Client {
    /// Reads what an access review needs: all users with their roles (`GET /v1/users`, admin
    /// only), all roles (`GET /v1/roles`) and the registered clusters (`GET /v1/clusters`),
    /// three requests whatever the number of users.
    ///
    /// # Errors
    /// As [`UserManager::list`](crate::UserManager::list) (e.g. [`Error::Unauthorized`] without
    /// an admin token), [`RoleManager::list`](crate::RoleManager::list) and
    /// [`ClusterManager::list`](crate::ClusterManager::list).
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let review = client.access_review()?;
    /// println!("{} users, {} roles", review.users().len(), review.roles().len());
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn access_review(&self) -> Result<AccessReview, Error> {
        Ok(AccessReview::new(
            self.user_manager().list()?,
            self.role_manager().list()?,
            self.cluster_manager().list()?,
        ))
    }
}

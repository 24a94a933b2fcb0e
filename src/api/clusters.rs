//! Cluster registration: `/v1/clusters`.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Entity, Error};
use crate::model::info::{ClusterInfo, ClusterMap};
use crate::transport::checks::{is_loopback_host, token_safe_to_send};
use crate::transport::names::{check_cluster_id, check_new_name};
use crate::transport::request::{Method, Request};

/// Registers AIStore clusters with AuthN, and reads, updates and removes them. Borrows a
/// [`Client`].
///
/// Registering a cluster makes AuthN create the roles `ClusterOwner-<alias>`,
/// `BucketOwner-<alias>` and `Guest-<alias>` (the ID when there is no alias). They stay when
/// the cluster is removed.
///
/// # Example
/// ```no_run
/// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
/// client.login("admin", "admin-password", None)?;
/// let clusters = client.cluster_manager();
/// clusters.register("c1", &["http://ais-proxy:8080"])?;
/// clusters.update("c1", Some("prod"), None)?;
/// clusters.delete("prod", false)?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClusterManager<'a> {
    client: &'a Client,
    allow_plain_http: bool,
}

/// `GET /v1/clusters[/{id}]` replies `{"clusters": {id: cluster}}`, or `{}` when there are none.
#[derive(Deserialize)]
struct Registered {
    #[serde(default)]
    clusters: ClusterMap,
}

#[derive(Serialize)]
struct ClusterBody<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<Vec<&'a str>>,
}

impl<'a> ClusterManager<'a> {
    /// A cluster manager over `client`.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Client, ClusterManager};
    ///
    /// let client = Client::new("http://127.0.0.1:52001")?;
    /// let clusters = ClusterManager::new(&client); // the same as client.cluster_manager()
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn new(client: &'a Client) -> Self {
        ClusterManager {
            client,
            allow_plain_http: false,
        }
    }

    /// The client this manager borrows (and sends its requests through), as the Python
    /// SDK's `ClusterManager.client`.
    ///
    /// # Example
    /// ```
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let manager = client.cluster_manager();
    /// assert_eq!(manager.client().base_url(), "http://127.0.0.1:52001");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Lets [`register`](ClusterManager::register),
    /// [`register_with_id`](ClusterManager::register_with_id) and
    /// [`update`](ClusterManager::update) take plain `http://` cluster URLs to hosts other than
    /// this machine's loopback. Off by default: AuthN sends each registered URL an admin token
    /// (see [`register_with_id`](ClusterManager::register_with_id)), which over plain HTTP
    /// anyone on the way can read and use for about five minutes.
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// // A lab network where the cluster has no TLS, on purpose.
    /// let clusters = client.cluster_manager().allow_plain_http(true);
    /// clusters.register("lab", &["http://10.0.0.5:8080"])?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    #[must_use]
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// The URLs AuthN is to contact, trimmed and checked: see [`cluster_urls`] and
    /// [`check_plain_http`].
    fn urls_to_register<'u>(&self, urls: &[&'u str]) -> Result<Vec<&'u str>, Error> {
        let urls = cluster_urls(urls)?;
        check_plain_http(&urls, self.allow_plain_http)?;
        Ok(urls)
    }

    /// All registered clusters, by ID. `GET /v1/clusters`. Needs no token.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// for (id, cluster) in client.cluster_manager().list()? {
    ///     println!("{id}: alias {:?}, urls {:?}", cluster.alias, cluster.urls);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn list(&self) -> Result<ClusterMap, Error> {
        let request = Request::new(Method::Get, "/v1/clusters", Entity::None).public();
        let reply: Registered = self.client.fetch(&request)?;
        Ok(reply.clusters)
    }

    /// One cluster, by ID or alias. `GET /v1/clusters/{id_or_alias}`. Needs no token.
    ///
    /// # Errors
    /// [`Error::ClusterNotFound`]; [`Error::InvalidArgument`] for a name that cannot be a URL
    /// path segment (empty, `.`, `..`, or with `/`); [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let c1 = client.cluster_manager().get("c1")?;
    /// println!("c1 is {}", c1.id);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn get(&self, id_or_alias: &str) -> Result<ClusterInfo, Error> {
        let request = Request::to(Method::Get, Entity::Cluster(id_or_alias))?.public();
        let reply: Registered = self.client.fetch(&request)?;
        reply
            .clusters
            .into_values()
            .next()
            .ok_or_else(|| Error::ClusterNotFound(id_or_alias.to_owned()))
    }

    /// The ID (cluster-map UUID) of the AIS cluster at `url`, asked of the cluster itself.
    ///
    /// First `GET {url}/v1/health?cii=true`, which every AIS node answers without a token,
    /// sent with this client's TLS settings (CA, client certificate) but **no token**. Only
    /// when that gives no ID, and only where the token cannot be read on the way (an
    /// `https://` URL whose certificate is checked, or a loopback host),
    /// `GET {url}/v1/daemon?what=smap` with the client's token, as the `ais` CLI and the
    /// Python SDK do. An AuthN admin token is never sent to a plain-`http://` cluster
    /// elsewhere, nor with [`skip_verify`](crate::client::builder::ClientBuilder::skip_verify)
    /// to an `https://` one (its server may be anyone).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: a URL that is not `http(s)://` with a
    ///   host, or has credentials (`user:password@`).
    /// - The cluster's error ([`Error::Transport`], [`Error::Api`], [`Error::Unauthorized`]),
    ///   or [`Error::Decode`] when its reply has no ID.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// let id = client.cluster_manager().discover_id("https://ais-proxy:8080")?;
    /// println!("the cluster's ID is {id}");
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn discover_id(&self, url: &str) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Health {
            #[serde(default)]
            smap: Smap,
        }
        #[derive(Deserialize, Default)]
        struct Smap {
            #[serde(default)]
            uuid: String,
        }
        let url = *cluster_urls(&[url])?.first().unwrap_or(&url);
        let health_url = format!("{url}/v1/health?cii=true");
        let no_id = |path: String| Error::Decode {
            message: "the cluster's reply has no cluster-map uuid".into(),
            method: "GET",
            path,
            source: None,
        };
        let health = self
            .client
            .fetch::<Health>(&Request::external(&health_url).without_token())
            .and_then(|h| match h.smap.uuid {
                uuid if uuid.is_empty() => Err(no_id(health_url.clone())),
                uuid => Ok(uuid),
            });
        let error = match health {
            Ok(uuid) => return Ok(uuid),
            Err(e) if !token_safe_to_send(url, self.client.verifies_certificates()) => {
                return Err(e)
            }
            Err(e) => e,
        };
        log::debug!("GET {health_url} gave no cluster ID ({error}); reading the cluster map");
        let smap_url = format!("{url}/v1/daemon?what=smap");
        match self
            .client
            .fetch::<Smap>(&Request::external(&smap_url))?
            .uuid
        {
            uuid if uuid.is_empty() => Err(no_id(smap_url)),
            uuid => Ok(uuid),
        }
    }

    /// Registers the AIS cluster at `urls` under `alias` (may be empty), finding its ID from
    /// the first URL that gives one ([`discover_id`](ClusterManager::discover_id): no token
    /// is sent unless the cluster requires it and the URL is `https://` or loopback). Then as
    /// [`register_with_id`](ClusterManager::register_with_id).
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: no URLs, a URL that is not `http(s)://`
    ///   with a host or that has credentials (`user:password@`), a bad alias.
    /// - The last URL's error when none gives an ID ([`Error::Transport`], [`Error::Api`],
    ///   [`Error::Unauthorized`], [`Error::Decode`]).
    /// - As [`register_with_id`](ClusterManager::register_with_id).
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let c1 = client.cluster_manager().register("c1", &["http://ais-proxy:8080"])?;
    /// println!("registered {} as {}", c1.id, c1.alias);
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn register(&self, alias: &str, urls: &[&str]) -> Result<ClusterInfo, Error> {
        if urls.is_empty() {
            return Err(Error::InvalidArgument(
                "register needs at least one cluster URL to find the cluster ID".into(),
            ));
        }
        let urls = self.urls_to_register(urls)?;
        if !alias.is_empty() {
            check_new_name("cluster alias", alias)?;
        }
        let mut last_error = Error::InvalidArgument("no cluster URL".into());
        for url in &urls {
            match self.discover_id(url) {
                Ok(id) => return self.register_with_id(&id, alias, &urls),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Registers the cluster with this ID (its cluster-map UUID) under `alias` (may be empty),
    /// and returns it as stored.
    ///
    /// An ID that is already registered, or is another cluster's alias, is refused: AuthN
    /// itself accepts the latter, after which GET and DELETE of that name reach different
    /// clusters.
    ///
    /// When `urls` is not empty, AuthN first hands the cluster what it needs to check tokens:
    /// `POST {url}/v1/tokens`, trying the URLs in order and retrying an unreachable one for
    /// about 80 s (longer than the client's default 60 s timeout); with no URLs it contacts
    /// nothing. **What each URL receives** (AuthN v1.5.0), there and later on every
    /// revocation (`DELETE {url}/v1/tokens` with the revoked tokens):
    /// - `Authorization: Bearer` an **admin token** AuthN signs for itself (`sub` `AuthN`,
    ///   `admin: true`, audience the cluster ID, valid 5 minutes), which any cluster keyed to
    ///   this AuthN that does not require that audience accepts as an administrator's;
    /// - in HMAC mode, an unsalted SHA-256 of the signing secret (`{"secret": ...}`); in RSA
    ///   mode, the public key.
    ///
    /// So a URL must be the cluster's: a mistyped or foreign URL receives an admin token. A
    /// plain `http://` URL to a host other than this machine's loopback is refused unless
    /// [`allow_plain_http`](ClusterManager::allow_plain_http) is set, since anyone on the way
    /// could read the token. Trailing slashes are trimmed from the URLs (AuthN would post to
    /// `//v1/tokens`). Requests: `GET /v1/clusters/{id}` (the clash check), `POST /v1/clusters`,
    /// `GET /v1/clusters/{id}`. Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: an ID that is not ASCII letters, digits,
    ///   `-` and `_`; an alias the server would refuse; a URL that is not `http(s)://` with a
    ///   host or that has credentials (AuthN would serve them to anyone); a plain `http://`
    ///   URL to another host without [`allow_plain_http`](ClusterManager::allow_plain_http).
    /// - [`Error::ClusterAlreadyRegistered`] (the ID, or the alias for another ID);
    ///   [`Error::Api`] with status 400 when the handshake with the cluster fails;
    ///   [`Error::Unauthorized`]; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// // The ID from `ais show cluster`; with no URLs, AuthN contacts nothing.
    /// client.cluster_manager().register_with_id("eTdL4YGHN", "c1", &[])?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn register_with_id(
        &self,
        id: &str,
        alias: &str,
        urls: &[&str],
    ) -> Result<ClusterInfo, Error> {
        check_cluster_id(id)?;
        if !alias.is_empty() {
            check_new_name("cluster alias", alias)?;
        }
        let urls = self.urls_to_register(urls)?;
        // AuthN accepts an ID that is another cluster's alias, after which GET and DELETE of
        // that name reach different clusters. Refuse it.
        match self.get(id) {
            Ok(_) => return Err(Error::ClusterAlreadyRegistered(id.to_owned())),
            Err(Error::ClusterNotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let body = ClusterBody {
            id,
            alias: Some(alias),
            urls: Some(urls),
        };
        let request = Request::new(Method::Post, "/v1/clusters", Entity::Cluster(id));
        self.client.call(&request.json(&body)?)?;
        self.get(id)
    }

    /// Changes a cluster's alias, URLs, or both, and returns it as stored. The cluster may be
    /// named by ID or alias (the server's PUT takes only the ID, so an alias is resolved first).
    ///
    /// With URLs, AuthN repeats the handshake described in
    /// [`register_with_id`](ClusterManager::register_with_id). Requests:
    /// `GET /v1/clusters/{id_or_alias}`, `PUT /v1/clusters/{id}`, `GET /v1/clusters/{id}`.
    /// Needs an admin token.
    ///
    /// # Errors
    /// - [`Error::InvalidArgument`], no request sent: nothing to change, an empty alias or URL
    ///   list (AuthN keeps the old ones when sent none), a bad alias or URL (as for
    ///   [`register_with_id`](ClusterManager::register_with_id)), a name that cannot be a URL
    ///   path segment.
    /// - [`Error::ClusterNotFound`]; [`Error::Api`] with status 409 when the alias belongs to
    ///   another cluster; [`Error::Unauthorized`]; [`Error::Transport`], [`Error::Decode`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// let clusters = client.cluster_manager();
    /// clusters.update("c1", Some("prod"), None)?; // a new alias
    /// clusters.update("prod", None, Some(&["http://ais-proxy:8080", "http://ais-proxy-2:8080"]))?;
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn update(
        &self,
        id_or_alias: &str,
        alias: Option<&str>,
        urls: Option<&[&str]>,
    ) -> Result<ClusterInfo, Error> {
        Request::to(Method::Get, Entity::Cluster(id_or_alias))?;
        match (alias, urls) {
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "update needs a new alias, new URLs, or both".into(),
                ))
            }
            (Some(""), _) | (_, Some([])) => {
                return Err(Error::InvalidArgument(
                    "an empty alias or URL list changes nothing; AuthN keeps the old one".into(),
                ))
            }
            _ => {}
        }
        if let Some(alias) = alias {
            check_new_name("cluster alias", alias)?;
        }
        let urls = urls.map(|u| self.urls_to_register(u)).transpose()?;
        let id = self.get(id_or_alias)?.id;
        let request = Request::to(Method::Put, Entity::Cluster(&id))?;
        let body = ClusterBody {
            id: &id,
            alias,
            urls,
        };
        self.client.call(&request.json(&body)?)?;
        self.get(&id)
    }

    /// Unregisters a cluster, by ID or alias. `DELETE /v1/clusters/{id_or_alias}`. The roles
    /// AuthN made for it stay. Needs an admin token.
    ///
    /// # Errors
    /// [`Error::ClusterNotFound`] unless `missing_ok`; [`Error::Unauthorized`];
    /// [`Error::InvalidArgument`] for a name that cannot be a URL path segment;
    /// [`Error::Transport`].
    ///
    /// # Example
    /// ```no_run
    /// let mut client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// client.login("admin", "admin-password", None)?;
    /// client.cluster_manager().delete("prod", true)?; // gone either way
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn delete(&self, id_or_alias: &str, missing_ok: bool) -> Result<(), Error> {
        self.client.delete(Entity::Cluster(id_or_alias), missing_ok)
    }

    /// Refuses plain-http URLs to other hosts unless this manager allows them
    /// ([`check_plain_http`]): the check of `post` and `put`, for a caller that must know
    /// before it deletes.
    #[cfg(feature = "provision")]
    pub(crate) fn check_urls(&self, urls: &[&str]) -> Result<(), Error> {
        check_plain_http(urls, self.allow_plain_http)
    }

    /// `POST /v1/clusters` alone (plain-http URLs checked as `register` does), for a caller
    /// that has checked the ID, alias and URLs and knows the ID is free (provisioning reads every cluster first): no clash check, no
    /// read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn post(&self, id: &str, alias: &str, urls: &[&str]) -> Result<(), Error> {
        self.check_urls(urls)?;
        let body = ClusterBody {
            id,
            alias: Some(alias),
            urls: Some(urls.to_vec()),
        };
        let request = Request::new(Method::Post, "/v1/clusters", Entity::Cluster(id));
        self.client.call(&request.json(&body)?).map(drop)
    }

    /// `PUT /v1/clusters/{id}` alone (`id` the cluster's ID, not an alias): no read-back.
    #[cfg(feature = "provision")]
    pub(crate) fn put(
        &self,
        id: &str,
        alias: Option<&str>,
        urls: Option<&[&str]>,
    ) -> Result<(), Error> {
        self.check_urls(urls.unwrap_or_default())?;
        let body = ClusterBody {
            id,
            alias,
            urls: urls.map(<[&str]>::to_vec),
        };
        let request = Request::to(Method::Put, Entity::Cluster(id))?;
        self.client.call(&request.json(&body)?).map(drop)
    }
}

impl Client {
    /// The cluster manager over this client: cluster registration.
    ///
    /// # Example
    /// ```no_run
    /// let client = aistore_authn::Client::new("http://127.0.0.1:52001")?;
    /// for (id, cluster) in client.cluster_manager().list()? {
    ///     println!("{id}: {}", cluster.alias);
    /// }
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn cluster_manager(&self) -> ClusterManager<'_> {
        ClusterManager::new(self)
    }
}

/// Refuses plain `http://` cluster URLs to hosts other than this machine's loopback unless
/// `allowed`: AuthN sends every registered URL an admin token, readable on the way over
/// plain HTTP. The error names the URL and the opt-ins.
pub(crate) fn check_plain_http(urls: &[&str], allowed: bool) -> Result<(), Error> {
    if allowed {
        return Ok(());
    }
    let plain = urls.iter().find(|url| {
        url.strip_prefix("http://").is_some_and(|rest| {
            let authority = rest.split('/').next().unwrap_or_default();
            // host:port, or [v6]:port
            let host = match authority.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => authority,
            };
            !is_loopback_host(host)
        })
    });
    match plain {
        None => Ok(()),
        Some(url) => Err(Error::InvalidArgument(format!(
            "cluster URL {url} is plain http to another host: AuthN sends each cluster URL an \
             admin token (valid 5 minutes) and a hash of its signing secret, which anyone on \
             the way could read; use https://, or allow it on purpose \
             (ClusterManager::allow_plain_http(true); ais-authn --allow-plain-http; in a spec, \
             \"allow_plain_http\": true on the cluster)"
        ))),
    }
}

/// Checks cluster URLs (http or https, a host, no credentials) and trims trailing slashes:
/// AuthN appends `/v1/tokens` to each as it is, and `//v1/tokens` fails its handshake.
pub(crate) fn cluster_urls<'u>(urls: &[&'u str]) -> Result<Vec<&'u str>, Error> {
    urls.iter()
        .map(|url| {
            let trimmed = url.trim_end_matches('/');
            let rest = trimmed
                .strip_prefix("http://")
                .or_else(|| trimmed.strip_prefix("https://"));
            let authority = rest.map(|r| r.split('/').next().unwrap_or_default());
            match authority {
                // Credentials in a cluster URL would be stored by AuthN and served to anyone
                // by the unauthenticated GET /v1/clusters.
                Some(a) if a.contains('@') => Err(Error::InvalidArgument(
                    "a cluster URL must not contain credentials (user:password@)".into(),
                )),
                Some(a) if !a.is_empty() => Ok(trimmed),
                _ if url.contains('@') => Err(Error::InvalidArgument(
                    "a cluster URL must be http:// or https:// with a host, and no credentials"
                        .into(),
                )),
                _ => Err(Error::InvalidArgument(format!(
                    "cluster URL {url:?} must be http:// or https:// with a host"
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_only_to_other_hosts_and_only_without_the_opt_in() {
        for fine in [
            "https://ais-proxy:8080",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:51080",
            "http://localhost:8080",
        ] {
            assert!(check_plain_http(&[fine], false).is_ok(), "{fine}");
        }
        for plain in [
            "http://ais-proxy:8080",
            "http://10.0.0.5:8080",
            "http://0.0.0.0:8080",
            "http://[fd00::1]:8080",
            "http://localhost.evil.example",
        ] {
            let err = check_plain_http(&["https://ok:1", plain], false).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.contains(plain)),
                "{err:?}"
            );
            assert!(check_plain_http(&[plain], true).is_ok(), "{plain}");
        }
    }
}

//! What a role written with this crate lets its holder do on a real AIStore cluster.
//!
//! ```sh
//! cargo run --example cluster_access
//! ```
//!
//! Starts a local AuthN server and a one-proxy, one-target AIStore cluster that requires its
//! tokens (both built with Go on first use and cached), unless `AIS_AUTHN_URL` (with the admin
//! password in `AIS_AUTHN_SU_PASS`) and `AIS_ENDPOINT` name running ones. Then: registers the
//! cluster with AuthN by its URL, makes a read-only role and user through the crate, and shows
//! that user's GET allowed and PUT refused by the cluster; revokes the token through the crate
//! and shows the cluster refusing it.

use std::time::{Duration, Instant};

use aistore_authn::{AccessAttr, Client, Error, RoleInfo};
use aistore_authn_testkit::{AuthnTarget, LocalCluster};

/// A client for the cluster's data plane: redirects (proxy to target) followed by hand, the
/// token sent again.
struct DataPlane {
    agent: ureq::Agent,
    endpoint: String,
}

impl DataPlane {
    fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> Result<u16, Box<dyn std::error::Error>> {
        let mut url = format!("{}{path}", self.endpoint);
        for _ in 0..4 {
            let request = ureq::http::Request::builder()
                .method(method)
                .uri(&url)
                .header("Authorization", format!("Bearer {token}"))
                .body(body.unwrap_or_default().as_bytes().to_vec())?;
            let reply = self.agent.run(request)?;
            match (reply.status().as_u16(), reply.headers().get("location")) {
                (301 | 302 | 307 | 308, Some(next)) => url = next.to_str()?.to_owned(),
                (status, _) => return Ok(status),
            }
        }
        Err("too many redirects".into())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The AuthN server in AIS_AUTHN_URL, or a local one; the cluster in AIS_ENDPOINT, or a
    // local one keyed to the local AuthN server.
    let target = AuthnTarget::from_env_or_start()?;
    let local_cluster = match (std::env::var("AIS_ENDPOINT"), target.local()) {
        (Ok(_), _) => None,
        (Err(_), Some(server)) => {
            println!("starting a local AIStore cluster (built with Go once)...");
            let started = Instant::now();
            let cluster = LocalCluster::builder().authn(server).start()?;
            println!(
                "cluster up in {:.1} s at {}",
                started.elapsed().as_secs_f32(),
                cluster.endpoint()
            );
            Some(cluster)
        }
        (Err(_), None) => {
            return Err(
                "AIS_AUTHN_URL names a running AuthN server: set AIS_ENDPOINT to the \
                        AIStore cluster that takes its tokens"
                    .into(),
            )
        }
    };
    let endpoint = match &local_cluster {
        Some(cluster) => cluster.endpoint(),
        None => std::env::var("AIS_ENDPOINT")?,
    };
    let (url, password) = (target.url(), target.admin_password());

    let mut admin = Client::builder(url).proxy_from_env(false).build()?;
    admin.login(target.admin_user(), password, None)?;
    let admin_token = admin.token().unwrap_or_default();
    let clusters = admin.cluster_manager();
    let id = clusters.discover_id(&endpoint)?; // GET /v1/health?cii=true, no token
    let alias = match clusters.get(&id) {
        Ok(registered) => registered.alias,
        Err(Error::ClusterNotFound(_)) => {
            let alias = format!("demo{}", std::process::id());
            clusters.register(&alias, &[&endpoint])?;
            println!("registered cluster {id} as {alias}");
            alias
        }
        Err(e) => return Err(e.into()),
    };

    let plane = DataPlane {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into(),
        endpoint: endpoint.clone(),
    };
    let bucket = "/v1/buckets/cluster-access-demo?provider=ais";
    let object = "/v1/objects/cluster-access-demo/hello.txt?provider=ais";
    plane.call(
        "POST",
        bucket,
        &admin_token,
        Some(r#"{"action":"create-bck"}"#),
    )?; // 409 if there
    println!(
        "admin PUT {object}: {}",
        plane.call("PUT", object, &admin_token, Some("hello"))?
    );

    // A read-only role and a user holding it, through this crate.
    let suffix = std::process::id();
    let (role, user) = (format!("readers{suffix}"), format!("reader{suffix}"));
    let readers = RoleInfo::new(&role, "read-only on the demo cluster")
        .with_cluster(&alias, AccessAttr::ACCESS_RO);
    admin.role_manager().create_role(&readers)?;
    admin.user_manager().create(&user, &[&role], "demo-pass")?;
    let mut reader = Client::builder(url).proxy_from_env(false).build()?;
    let token = reader.login(&user, "demo-pass", None)?;
    println!(
        "{user} logged in; token grants {:?}",
        token
            .claims()
            .clusters
            .iter()
            .map(|c| c.perm.to_string())
            .collect::<Vec<_>>()
    );

    let get = plane.call("GET", object, token.as_str(), None)?;
    let put = plane.call(
        "PUT",
        "/v1/objects/cluster-access-demo/mine.txt?provider=ais",
        token.as_str(),
        Some("x"),
    )?;
    println!("{user} GET: HTTP {get} (allowed), PUT: HTTP {put} (refused)");
    assert_eq!(
        (get, put),
        (200, 403),
        "a read-only user reads and cannot write"
    );

    // Revoked through this crate: AuthN tells the cluster, which refuses the token from then on.
    reader.logout()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = plane.call("GET", object, token.as_str(), None)?;
    while after != 401 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        after = plane.call("GET", object, token.as_str(), None)?;
    }
    println!("after logout, {user} GET: HTTP {after} (the cluster refuses the revoked token)");
    if after != 401 {
        return Err(format!("the cluster still takes the revoked token: HTTP {after}").into());
    }

    admin.user_manager().delete(&user, true)?;
    admin.role_manager().delete(&role, true)?;
    println!("cleaned up {user} and {role}");
    drop(local_cluster); // stops the local cluster, if any, before the server
    Ok(())
}

//! The main job, end to end: register a cluster, create a role and a user, list, update,
//! log in as the user, clean up.
//!
//! ```sh
//! cargo run --example quickstart                # starts a local AuthN server (needs Go)
//! AIS_AUTHN_URL=http://host:52001 AIS_AUTHN_SU_PASS=... cargo run --example quickstart
//! ```

use std::error::Error;
use std::time::Duration;

use aistore_authn::{env, AccessAttr, Client};
use aistore_authn_testkit::AuthnTarget;

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();

    // Use the server in AIS_AUTHN_URL, or start a real one for this run.
    if std::env::var("AIS_AUTHN_URL").is_err() {
        println!(
            "AIS_AUTHN_URL is not set: starting a local AuthN server (the first run installs it \
             with `go install`: about 75 s on 2 cores, once)"
        );
    }
    let target = AuthnTarget::from_env_or_start()?;
    let (url, admin_user, admin_pass) =
        (target.url(), target.admin_user(), target.admin_password());
    println!("AuthN at {url}");

    // Names unique to this run, so a run that failed halfway never blocks the next one.
    let run = std::process::id();
    let (cluster_id, alias) = (format!("quickstart-{run}"), format!("qs-{run}"));
    let (role_name, user_name) = (format!("qs-readers-{run}"), format!("qs-alice-{run}"));

    // The settings as the ais CLI finds them (TLS from AIS_CLIENT_CA / AIS_SKIP_VERIFY_CRT for
    // an https server), with this server's URL in place of AIS_AUTHN_URL.
    let vars = |name: &str| match name {
        env::ENV_URL => Some(url.to_owned()),
        _ => std::env::var(name).ok(),
    };
    let settings = env::Settings::from_vars(vars, env::cli_config_dir().as_deref())?;
    let mut admin = settings.into_builder()?.build()?;
    admin.login(admin_user, admin_pass, None)?;
    println!("logged in as {admin_user}");

    let clusters = admin.cluster_manager();
    let cluster = clusters.register_with_id(&cluster_id, &alias, &[])?;
    println!("registered cluster {} as {:?}", cluster.id, cluster.alias);

    let roles = admin.role_manager();
    let role = roles.create(
        &role_name,
        "read-only on the quickstart cluster",
        &cluster.alias,
        AccessAttr::ACCESS_RO | AccessAttr::LIST_BUCKETS,
        None,
    )?;
    println!(
        "created role {} with perms {}",
        role.name, role.clusters[0].perm
    );

    let users = admin.user_manager();
    let user = users.create(&user_name, &[&role.name], "first-pass")?;
    let names: Vec<&str> = user.roles.names().collect();
    println!("created user {} with roles {names:?}", user.id);

    println!("users:");
    for (id, user) in users.list()? {
        let names: Vec<&str> = user.roles.names().collect();
        println!("  {id:<20} {names:?}");
    }

    let guest = format!("Guest-{}", cluster.alias);
    let user = users.update(&user_name, Some("second-pass"), Some(&[&role.name, &guest]))?;
    let names: Vec<&str> = user.roles.names().collect();
    println!("updated {}: new password, roles {names:?}", user.id);

    let mut alice = Client::new(url)?;
    alice.login(&user_name, "second-pass", Some(Duration::from_secs(600)))?;
    let me = alice.user_manager().get(&user_name)?;
    println!("logged in as {} (a user may read themselves)", me.id);

    users.delete(&user_name, false)?;
    roles.delete(&role_name, false)?;
    for prefix in ["ClusterOwner", "BucketOwner", "Guest"] {
        roles.delete(&format!("{prefix}-{}", cluster.alias), true)?;
    }
    clusters.delete(&cluster.id, false)?;
    println!("cleaned up: user, roles and cluster removed");
    Ok(())
}

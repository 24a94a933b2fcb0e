//! Export: what AuthN holds, as a spec. Public through [`provision`](crate::provision).

use crate::client::Client;
use crate::error::Error;
use crate::provision::snapshot::{read_server, shape_of, AclKey, Naming, Server, Shape};
use crate::provision::spec::{auto_roles, ClusterSpec, Spec, UserSpec, ADMIN_ROLE, ADMIN_USER};

/// What the server holds, as a [`Spec`]: every registered cluster, role and user, sorted
/// (clusters by ID, roles by name, users by ID, each user's roles and each role's entries
/// too), so that two exports of the same state are equal.
///
/// Left out: user `admin` and role `Admin` (built-in, on every server), and the roles AuthN
/// made for a cluster when they are still exactly as it made them (`ClusterOwner-<x>`,
/// `BucketOwner-<x>`, `Guest-<x>`): registering the cluster makes them again. ACLs name
/// clusters by alias (by ID when there is none).
///
/// **No passwords**: AuthN never sends them, so users get no password source. To apply an
/// export to another server, add one to each user
/// (`"password": {"env": "VAR"}` or `{"file": "path"}`) first. A role whose entries name a
/// cluster that is no longer registered exports as it is, and [`plan`](crate::provision::plan)
/// refuses that entry until the cluster is in the spec or the entry removed.
///
/// Requests: `GET /v1/clusters`, `GET /v1/roles`, `GET /v1/users`. Needs an admin token.
///
/// # Errors
/// [`Error::Unauthorized`] without an admin token; [`Error::Transport`], [`Error::Decode`].
///
/// # Example
/// ```no_run
/// use aistore_authn::provision::{export, PasswordSource};
///
/// let client = aistore_authn::Client::from_env()?;
/// let mut spec = export(&client)?;
/// std::fs::write("authn.json", serde_json::to_string_pretty(&spec)?)?;
/// // To apply it elsewhere, give each user a password source:
/// for user in &mut spec.users {
///     user.password = Some(PasswordSource::File(format!("secrets/{}", user.id).into()));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export(client: &Client) -> Result<Spec, Error> {
    Ok(export_from(&read_server(client)?))
}

/// The spec of what `server` holds.
pub(crate) fn export_from(server: &Server) -> Spec {
    let naming = Naming::new(
        server
            .clusters
            .values()
            .map(|c| (c.id.as_str(), c.alias.as_str())),
    );
    let as_made: Vec<(String, Shape)> = server
        .clusters
        .values()
        .flat_map(|c| {
            auto_roles(&c.id, &c.alias).map(|(name, desc, perm)| {
                let mut shape = Shape {
                    desc,
                    ..Shape::default()
                };
                shape.acls.insert(AclKey::Cluster(c.id.clone()), perm);
                (name, shape)
            })
        })
        .collect();
    let clusters = server
        .clusters
        .values()
        .map(|c| ClusterSpec {
            id: c.id.clone(),
            alias: c.alias.clone(),
            urls: c.urls.clone(),
            // The importer decides: a plain-http URL is refused until the spec allows it.
            allow_plain_http: false,
        })
        .collect();
    let roles = server
        .roles
        .iter()
        .filter(|r| r.name != ADMIN_ROLE)
        .filter_map(|r| {
            let shape = shape_of(r);
            let unchanged = as_made.iter().any(|(n, s)| *n == r.name && *s == shape);
            (!unchanged).then(|| naming.role(&r.name, &shape))
        })
        .collect();
    let users = server
        .users
        .values()
        .filter(|u| u.id != ADMIN_USER)
        .map(|u| UserSpec {
            id: u.id.clone(),
            roles: u.roles.names().map(str::to_owned).collect(),
            password: None,
            reset_password: false,
        })
        .collect();
    Spec {
        clusters,
        roles,
        users,
        external_roles: Vec::new(),
        ..Spec::default()
    }
}

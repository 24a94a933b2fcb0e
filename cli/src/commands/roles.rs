//! Roles: `show role`, `add role`, `set role`, and the one permission entry the last two
//! take.

use aistore_authn::{AccessAttr, Bucket, Namespace, RoleInfo, RoleUpdate};

use super::{bucket_uri, cluster_id, Ctx};
use crate::args::{RoleSpec, Verbosity};
use crate::output;
use crate::Failure;

pub(super) fn show(
    ctx: &Ctx,
    name: Option<&str>,
    verbosity: &Verbosity,
    cluster_filter: Option<&str>,
) -> Result<(), Failure> {
    let client = ctx.logged_in()?;
    let roles = client.role_manager();
    if let Some(name) = name {
        if cluster_filter.is_some() {
            return Err(Failure::usage(
                "--cluster filters the list of roles: give no ROLE with it",
            ));
        }
        let role = roles.get(name)?;
        if ctx.json {
            return ctx.print_json(&role);
        }
        if verbosity.non_verbose {
            ctx.table(&["ROLE", "DESCRIPTION"], &[role_row(&role)]);
        } else {
            print_role_details(ctx, &role);
        }
        return Ok(());
    }
    let mut all = roles.list()?.into_vec();
    if let Some(filter) = cluster_filter {
        // IDs or aliases; an empty item (`,`) is the entry for every cluster.
        let clusters = client.cluster_manager();
        let mut ids = Vec::new();
        for item in filter.split(',').map(str::trim) {
            if item.is_empty() {
                ids.push(String::new());
            } else {
                ids.push(clusters.get(item)?.id);
            }
        }
        all.retain(|r| {
            r.clusters.iter().any(|c| ids.contains(&c.id))
                || r.buckets
                    .iter()
                    .any(|b| ids.contains(&b.bucket.namespace.uuid))
        });
    }
    if ctx.json {
        return ctx.print_json(&all);
    }
    if verbosity.verbose {
        for (i, role) in all.iter().enumerate() {
            if i > 0 {
                output::line("");
            }
            print_role_details(ctx, role);
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = all.iter().map(role_row).collect();
    ctx.table(&["ROLE", "DESCRIPTION"], &rows);
    Ok(())
}

pub(super) fn add(ctx: &Ctx, spec: &RoleSpec) -> Result<(), Failure> {
    let role = new_role(spec)?;
    let role = ctx.logged_in()?.role_manager().create_role(&role)?;
    done_role(ctx, "Added", &role)
}

pub(super) fn set(ctx: &Ctx, spec: &RoleSpec) -> Result<(), Failure> {
    let update = role_update(spec)?;
    let role = ctx
        .logged_in()?
        .role_manager()
        .update(&spec.name, &update)?;
    done_role(ctx, "Updated", &role)
}

fn role_row(role: &RoleInfo) -> Vec<String> {
    vec![role.name.clone(), role.desc.clone()]
}

fn print_role_details(ctx: &Ctx, role: &RoleInfo) {
    output::pairs(&[
        ("Role", role.name.clone()),
        ("Description", role.desc.clone()),
    ]);
    if !role.clusters.is_empty() {
        let rows: Vec<Vec<String>> = role
            .clusters
            .iter()
            .map(|c| vec![cluster_id(&c.id), c.alias.clone(), c.perm.to_string()])
            .collect();
        ctx.table(&["CLUSTER ID", "ALIAS", "PERMISSIONS"], &rows);
    }
    if !role.buckets.is_empty() {
        let rows: Vec<Vec<String>> = role
            .buckets
            .iter()
            .map(|b| {
                vec![
                    bucket_uri(&b.bucket),
                    b.bucket.namespace.uuid.clone(),
                    b.perm.to_string(),
                ]
            })
            .collect();
        ctx.table(&["BUCKET", "CLUSTER ID", "PERMISSIONS"], &rows);
    }
}

fn done_role(ctx: &Ctx, what: &str, role: &RoleInfo) -> Result<(), Failure> {
    if ctx.json {
        return ctx.print_json(role);
    }
    output::line(&format!("{what} role {}", role.name));
    print_role_details(ctx, role);
    Ok(())
}

/// The one permission entry `add role` and `set role` take.
enum Acl {
    None,
    AllClusters(AccessAttr),
    Cluster(String, AccessAttr),
    /// Cluster, bucket URI, permissions.
    Bucket(String, String, AccessAttr),
}

fn acl(spec: &RoleSpec) -> Result<Acl, Failure> {
    // With --cluster and no permission, the entry has none, as with `ais auth`: on `set role`
    // that takes every permission on the cluster (or bucket) away.
    if spec.perms.is_empty() && spec.cluster.is_none() {
        return Ok(Acl::None);
    }
    let perm = if spec.perms.is_empty() {
        AccessAttr::NONE
    } else {
        AccessAttr::parse(&spec.perms.join(","))?
    };
    Ok(match (&spec.cluster, &spec.bucket) {
        // A plain name is an ais bucket, as the ais CLI reads one.
        (Some(c), Some(b)) if b.contains("://") => Acl::Bucket(c.clone(), b.clone(), perm),
        (Some(c), Some(b)) => Acl::Bucket(c.clone(), format!("ais://{b}"), perm),
        (Some(c), None) => Acl::Cluster(c.clone(), perm),
        (None, None) => Acl::AllClusters(perm),
        (None, Some(_)) => return Err(Failure::usage("--bucket needs --cluster")),
    })
}

fn new_role(spec: &RoleSpec) -> Result<RoleInfo, Failure> {
    let role = RoleInfo::new(&spec.name, spec.desc.as_deref().unwrap_or_default());
    Ok(match acl(spec)? {
        // As `ais auth add role R` (cmd/cli/cli/auth_hdlr.go addOrUpdateRole): an entry for
        // every cluster, with no permissions.
        Acl::None => role.with_all_clusters(AccessAttr::NONE),
        Acl::AllClusters(perm) => role.with_all_clusters(perm),
        Acl::Cluster(c, perm) => role.with_cluster(&c, perm),
        Acl::Bucket(c, uri, perm) => {
            let bucket = Bucket::parse(&uri)?;
            if bucket.namespace != Namespace::default() {
                return Err(Failure::usage(format!(
                    "--bucket {uri}: give the cluster with --cluster and the bucket as \
                     provider://name"
                )));
            }
            role.with_bucket(&c, &bucket.provider, &bucket.name, perm)
        }
    })
}

fn role_update(spec: &RoleSpec) -> Result<RoleUpdate, Failure> {
    let update = RoleUpdate::new().description(spec.desc.as_deref().unwrap_or_default());
    Ok(match acl(spec)? {
        Acl::None => update,
        Acl::AllClusters(perm) => update.all_clusters(perm),
        Acl::Cluster(c, perm) => update.cluster(&c, perm),
        Acl::Bucket(c, uri, perm) => update.bucket(&c, &uri, perm),
    })
}

//! Users: `show user`, `add user`, `set user`.

use std::io::IsTerminal;

use aistore_authn::UserInfo;

use super::{bucket_uri, cluster_id, Ctx};
use crate::args::{UserSpec, Verbosity};
use crate::output;
use crate::{prompt, Failure};

pub(super) fn show(ctx: &Ctx, name: Option<&str>, verbosity: &Verbosity) -> Result<(), Failure> {
    let client = ctx.logged_in()?;
    let users = client.user_manager();
    let Some(name) = name else {
        let all = users.list()?;
        if ctx.json {
            return ctx.print_json(&all);
        }
        // Non-verbose is the default for a list: one row per user.
        if verbosity.verbose {
            for (i, id) in all.keys().enumerate() {
                if i > 0 {
                    output::line("");
                }
                print_user_details(ctx, &users.get(id)?);
            }
            return Ok(());
        }
        let rows: Vec<Vec<String>> = all.values().map(user_row).collect();
        ctx.table(&["NAME", "ROLES"], &rows);
        return Ok(());
    };
    let user = users.get(name)?;
    if ctx.json {
        return ctx.print_json(&user);
    }
    // Verbose is the default for one.
    if verbosity.non_verbose {
        ctx.table(&["NAME", "ROLES"], &[user_row(&user)]);
    } else {
        print_user_details(ctx, &user);
    }
    Ok(())
}

pub(super) fn add(ctx: &Ctx, spec: UserSpec) -> Result<(), Failure> {
    let UserSpec {
        name,
        roles,
        password,
    } = spec;
    let name = prompt::user_name(name.as_deref())?;
    let password = prompt::password(&password, &format!("Password for {name}: "))?;
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let user = ctx
        .logged_in()?
        .user_manager()
        .create(&name, &roles, &password)?;
    done_user(ctx, "Added", &user)
}

pub(super) fn set(ctx: &Ctx, spec: UserSpec) -> Result<(), Failure> {
    let UserSpec {
        name,
        roles,
        password,
    } = spec;
    let name = prompt::user_name(name.as_deref())?;
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let roles = (!roles.is_empty()).then_some(roles.as_slice());
    let given = password.password.is_some() || password.password_stdin;
    // Nothing to change and no terminal to ask on: nothing changes, exit 0, as `ais auth set
    // user NAME` (cmd/cli/cli/auth_hdlr.go updateAuthUserHandler sends an update that keeps
    // password and roles; an unknown user still fails).
    if !given && roles.is_none() && !std::io::stdin().is_terminal() {
        let user = ctx.logged_in()?.user_manager().get(&name)?;
        return done_user(ctx, "Nothing to change for", &user);
    }
    // On a terminal, with nothing else to change, the change is the password: ask for it.
    let password = if given || roles.is_none() {
        Some(prompt::password(
            &password,
            &format!("New password for {name}: "),
        )?)
    } else {
        None
    };
    let user = ctx
        .logged_in()?
        .user_manager()
        .update(&name, password.as_deref(), roles)?;
    done_user(ctx, "Updated", &user)
}

fn user_row(user: &UserInfo) -> Vec<String> {
    vec![
        user.id.clone(),
        user.roles.names().collect::<Vec<_>>().join(", "),
    ]
}

fn print_user_details(ctx: &Ctx, user: &UserInfo) {
    output::pairs(&[
        ("Name", user.id.clone()),
        ("Roles", user.roles.names().collect::<Vec<_>>().join(", ")),
    ]);
    let clusters: Vec<Vec<String>> = user
        .roles
        .iter()
        .flat_map(|r| {
            r.clusters.iter().map(move |c| {
                vec![
                    r.name.clone(),
                    cluster_id(&c.id),
                    c.alias.clone(),
                    c.perm.to_string(),
                ]
            })
        })
        .collect();
    if !clusters.is_empty() {
        ctx.table(&["ROLE", "CLUSTER ID", "ALIAS", "PERMISSIONS"], &clusters);
    }
    let buckets: Vec<Vec<String>> = user
        .roles
        .iter()
        .flat_map(|r| {
            r.buckets.iter().map(move |b| {
                vec![
                    r.name.clone(),
                    bucket_uri(&b.bucket),
                    b.bucket.namespace.uuid.clone(),
                    b.perm.to_string(),
                ]
            })
        })
        .collect();
    if !buckets.is_empty() {
        ctx.table(&["ROLE", "BUCKET", "CLUSTER ID", "PERMISSIONS"], &buckets);
    }
}

fn done_user(ctx: &Ctx, what: &str, user: &UserInfo) -> Result<(), Failure> {
    if ctx.json {
        return ctx.print_json(user);
    }
    let roles: Vec<&str> = user.roles.names().collect();
    output::line(&format!(
        "{what} user {} (roles: {})",
        user.id,
        if roles.is_empty() {
            "none".to_owned()
        } else {
            roles.join(", ")
        }
    ));
    Ok(())
}

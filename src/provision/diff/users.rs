//! The users' diff: create, or update roles and (with `reset_password`) the password; and give
//! a re-created role back to every user who keeps it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::model::info::{RoleInfo, RolesList};
use crate::provision::desired::Desired;
use crate::provision::diff::roles::RoleActions;
use crate::provision::diff::{Builder, Predicted};
use crate::provision::plan::{Kind, Op, Phase, PlanOptions, State, UserState, Work};
use crate::provision::snapshot::Server;
use crate::provision::spec::{is_auto_role_name, ADMIN_ROLE, ADMIN_USER};

/// The user actions: creates and updates for the spec's users, and updates giving a
/// re-created role back to users outside the spec that keep it.
pub(super) fn diff(
    b: &mut Builder,
    desired: &Desired,
    server: &Server,
    predicted: &Predicted,
    roles: &RoleActions,
    options: &PlanOptions,
) {
    let spec = desired.spec;
    let defined: HashSet<&str> = spec.roles.iter().map(|r| r.name.as_str()).collect();
    let exists = |name: &str| {
        defined.contains(name) || server.roles.get(name).is_some() || predicted.contains_key(name)
    };
    let waits_for = |names: &BTreeSet<String>| -> BTreeSet<usize> {
        names
            .iter()
            .filter_map(|r| {
                let registering = predicted.get(r).map(|p| p.1);
                roles.changed.get(r).copied().or(registering)
            })
            .collect()
    };
    let recreated: BTreeSet<String> = roles.recreated.keys().cloned().collect();
    // Who gets each re-created role back, by which action.
    let mut regrants: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for (i, (u, resolved)) in spec.users.iter().zip(&desired.users).enumerate() {
        let password = resolved.password.clone();
        let path = format!("users[{i}]");
        let mut ok = true;
        for (j, role) in u.roles.iter().enumerate() {
            if !exists(role) {
                ok = false;
                let why = if is_auto_role_name(role).is_some() {
                    " (AuthN makes it only when it registers a cluster with that name)"
                } else {
                    ""
                };
                b.errors.push(
                    format!("{path}.roles[{j}]"),
                    format!("role {role:?} does not exist on the server{why}"),
                );
            }
        }
        let wanted = &resolved.roles;
        let Some(current) = server.users.get(&u.id) else {
            let Some(password) = password else {
                if u.password.is_none() {
                    b.errors.push(
                        format!("{path}.password"),
                        format!(
                            "user {:?} does not exist on the server, and creating it needs a \
                             password: {{\"env\": \"VAR\"}} or {{\"file\": \"path\"}}",
                            u.id
                        ),
                    );
                }
                continue;
            };
            if !ok {
                continue;
            }
            let work = Work::CreateUser {
                id: u.id.clone(),
                roles: named(wanted),
                password,
            };
            let after = Some(user_state(&u.id, wanted, true));
            let notes = admin_grant(&BTreeSet::new(), wanted).into_iter().collect();
            b.push(
                Op::Create,
                Kind::User,
                &u.id,
                (None, after),
                work,
                Phase::Users,
                waits_for(wanted),
                notes,
            );
            continue;
        };
        let held = role_names(&current.roles);
        let kept: BTreeSet<String> = held.difference(&recreated).cloned().collect();
        let new_roles = kept != *wanted;
        if new_roles && wanted.is_empty() {
            b.errors.push(
                format!("{path}.roles"),
                format!(
                    "user {:?} has roles, and AuthN cannot take every role away (it keeps a \
                     user's roles when sent none): give it a role, or delete the user",
                    u.id
                ),
            );
            continue;
        }
        if !ok || !(new_roles || u.reset_password) {
            continue;
        }
        // The user running the plan keeps Admin unless told otherwise: without it, the plan's
        // author could not undo the plan.
        let me = server.me.as_deref() == Some(u.id.as_str());
        let loses_admin = me && held.contains(ADMIN_ROLE) && !wanted.contains(ADMIN_ROLE);
        if loses_admin && !options.allow_own_admin_removal {
            b.errors.push(
                format!("{path}.roles"),
                format!(
                    "user {:?} runs this plan (the client's token) and the spec takes Admin from \
                     it: it could no longer administer AuthN, nor undo this; add \"Admin\" to \
                     its roles, or allow it on purpose (PlanOptions::allow_own_admin_removal; \
                     ais-authn --allow-own-admin-removal)",
                    u.id
                ),
            );
            continue;
        }
        let password = if u.reset_password { password } else { None };
        let mut notes: Vec<String> = admin_grant(&held, wanted).into_iter().collect();
        if loses_admin {
            notes.push("takes Admin from the user running this plan".into());
        }
        let back: Vec<&String> = wanted
            .intersection(&held)
            .filter(|r| recreated.contains(*r))
            .collect();
        for role in &back {
            notes.push(format!(
                "gives back {role} after its re-creation (action #{})",
                roles.recreated[*role]
            ));
        }
        if password.is_some() {
            notes.push("sets the password (reset_password)".into());
        }
        let deps = if new_roles {
            waits_for(wanted)
        } else {
            BTreeSet::new()
        };
        let states = (
            Some(user_state(&u.id, &held, false)),
            Some(user_state(&u.id, wanted, password.is_some())),
        );
        let work = Work::UpdateUser {
            id: u.id.clone(),
            roles: new_roles.then(|| named(wanted)),
            password,
        };
        let a = b.push(
            Op::Update,
            Kind::User,
            &u.id,
            states,
            work,
            Phase::Users,
            deps,
            notes,
        );
        for role in back {
            regrants
                .entry(role.clone())
                .or_default()
                .push((u.id.clone(), a));
        }
    }
    // Users outside the spec that stay keep their roles: give re-created ones back.
    let in_spec: HashSet<&str> = spec.users.iter().map(|u| u.id.as_str()).collect();
    for (id, user) in &server.users {
        let held = role_names(&user.roles);
        let lost: Vec<&String> = held.intersection(&recreated).collect();
        let stays = !options.prune || id == ADMIN_USER || server.me.as_deref() == Some(id);
        if in_spec.contains(id.as_str()) || lost.is_empty() || !stays {
            continue;
        }
        let notes = lost
            .iter()
            .map(|role| {
                format!(
                    "not in the spec: gives back {role} after its re-creation (action #{})",
                    roles.recreated[*role]
                )
            })
            .collect();
        let deps = lost.iter().map(|r| roles.recreated[*r]).collect();
        let work = Work::UpdateUser {
            id: id.clone(),
            roles: Some(named(&held)),
            password: None,
        };
        let states = (
            Some(user_state(id, &held, false)),
            Some(user_state(id, &held, false)),
        );
        let a = b.push(
            Op::Update,
            Kind::User,
            id,
            states,
            work,
            Phase::Users,
            deps,
            notes,
        );
        for role in lost {
            regrants
                .entry(role.clone())
                .or_default()
                .push((id.clone(), a));
        }
    }
    // Say on each re-creation whom it takes the role from and who gets it back.
    for (role, &a) in &roles.recreated {
        let holders: Vec<&str> = server
            .users
            .values()
            .filter(|u| u.roles.get(role).is_some())
            .map(|u| u.id.as_str())
            .collect();
        if holders.is_empty() {
            continue;
        }
        let back = regrants.get(role).map(Vec::as_slice).unwrap_or_default();
        let mut note = format!("deleting the role takes it from {}", holders.join(", "));
        if !back.is_empty() {
            let who: Vec<String> = back.iter().map(|(u, x)| format!("{u} (#{x})")).collect();
            note.push_str(&format!("; given back to {}", who.join(", ")));
        }
        let gone: Vec<&str> = holders
            .iter()
            .copied()
            .filter(|h| !back.iter().any(|(u, _)| u == h))
            .collect();
        if !gone.is_empty() {
            note.push_str(&format!(
                "; not given back to {} (the spec drops it, or prune deletes the user)",
                gone.join(", ")
            ));
        }
        b.actions[a].notes.push(note);
    }
}

/// A note when `after` gives Admin that `before` did not have.
fn admin_grant(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Option<String> {
    (after.contains(ADMIN_ROLE) && !before.contains(ADMIN_ROLE))
        .then(|| "grants Admin: the user can do anything to AuthN and every cluster".to_owned())
}

/// A user's role names, sorted.
pub(super) fn role_names(roles: &RolesList) -> BTreeSet<String> {
    roles.names().map(str::to_owned).collect()
}

pub(super) fn user_state(id: &str, roles: &BTreeSet<String>, sets_password: bool) -> State {
    State::User(UserState {
        id: id.to_owned(),
        roles: roles.iter().cloned().collect(),
        sets_password,
    })
}

/// Roles for a user body: the server reads only the names.
fn named(roles: &BTreeSet<String>) -> Vec<RoleInfo> {
    roles.iter().map(|r| RoleInfo::new(r, "")).collect()
}

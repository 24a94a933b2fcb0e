//! UserManager against the real AuthN server.

use crate::support::{role, unique, TestServer};
use aistore_authn::{AccessAttr, Error};

fn role_names(user: &aistore_authn::UserInfo) -> Vec<String> {
    user.roles.names().map(str::to_owned).collect()
}

#[test]
fn create_get_list_delete() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let (ro, rw) = (
        role(&admin, AccessAttr::ACCESS_RO),
        role(&admin, AccessAttr::ACCESS_RW),
    );
    let id = unique("alice");

    let created = users.create(&id, &[&rw, &ro], "s3cret").unwrap();
    assert_eq!(created.id, id);
    let mut want = vec![ro.clone(), rw.clone()];
    want.sort();
    assert_eq!(
        role_names(&created),
        want,
        "roles come back in full, sorted by name"
    );
    assert_eq!(
        created.roles.get(&ro).unwrap().clusters[0].perm,
        AccessAttr::ACCESS_RO
    );
    assert!(!created.is_admin());

    assert_eq!(users.get(&id).unwrap(), created);
    let all = users.list().unwrap();
    assert_eq!(all.get(&id), Some(&created));
    assert!(all[&server.admin_user].is_admin());
    let keys: Vec<&String> = all.keys().collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "ordered by id: {keys:?}"
    );

    users.delete(&id, false).unwrap();
    assert!(matches!(users.get(&id), Err(Error::UserNotFound(n)) if n == id));
    assert!(!users.list().unwrap().contains_key(&id));
}

#[test]
fn create_with_no_roles_and_login_as_the_user() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("bob");
    let bob = admin.user_manager().create(&id, &[], "pw-bob").unwrap();
    assert!(bob.roles.is_empty());
    let as_bob = server.login(&id, "pw-bob");
    // A user may read themselves, not others, and not the list.
    assert_eq!(as_bob.user_manager().get(&id).unwrap().id, id);
    assert!(matches!(
        as_bob.user_manager().get(&server.admin_user),
        Err(Error::Unauthorized { .. })
    ));
    assert!(matches!(
        as_bob.user_manager().list(),
        Err(Error::Unauthorized { .. })
    ));
}

#[test]
fn unknown_role_on_create_writes_nothing() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let known = role(&admin, AccessAttr::ACCESS_RO);
    let missing = unique("nope");
    for roles in [
        vec![missing.as_str()],
        vec![known.as_str(), missing.as_str()],
    ] {
        let id = unique("u");
        let err = users.create(&id, &roles, "pw").unwrap_err();
        assert!(
            matches!(&err, Error::RoleNotFound(n) if *n == missing),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(404));
        assert!(
            matches!(users.get(&id), Err(Error::UserNotFound(_))),
            "user {id} must not exist"
        );
    }
}

#[test]
fn duplicate_create_is_user_already_exists() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("dup");
    admin.user_manager().create(&id, &[], "first").unwrap();
    let err = admin.user_manager().create(&id, &[], "second").unwrap_err();
    assert!(
        matches!(&err, Error::UserAlreadyExists(n) if *n == id),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(409));
    // The first password still holds.
    server.login(&id, "first");
}

#[test]
fn password_update_is_proven_by_login() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("pw");
    let r = role(&admin, AccessAttr::ACCESS_RO);
    admin.user_manager().create(&id, &[&r], "old-pass").unwrap();

    let updated = admin
        .user_manager()
        .update(&id, Some("new-pass"), None)
        .unwrap();
    assert_eq!(
        role_names(&updated),
        [r.as_str()],
        "a password change keeps the roles"
    );
    server.login(&id, "new-pass");
    let err = server.anonymous().login(&id, "old-pass", None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCredentials(n) if *n == id),
        "{err:?}"
    );
}

#[test]
fn users_can_change_their_own_password() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("self");
    admin.user_manager().create(&id, &[], "mine-1").unwrap();
    let me = server.login(&id, "mine-1");
    me.user_manager().update(&id, Some("mine-2"), None).unwrap();
    server.login(&id, "mine-2");
    // ...but not their roles.
    let r = role(&admin, AccessAttr::ACCESS_RW);
    let err = me
        .user_manager()
        .update(&id, None, Some(&[&r]))
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[test]
fn role_update_replaces_roles_and_keeps_the_password() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let (a, b, c) = (
        role(&admin, AccessAttr::ACCESS_RO),
        role(&admin, AccessAttr::ACCESS_RW),
        role(&admin, AccessAttr::CLUSTER_ACCESS_RO),
    );
    let id = unique("carol");
    users.create(&id, &[&a], "keep-me").unwrap();

    let updated = users.update(&id, None, Some(&[&b, &c])).unwrap();
    let mut want = vec![b.clone(), c.clone()];
    want.sort();
    assert_eq!(role_names(&updated), want);
    assert_eq!(users.get(&id).unwrap(), updated);
    server.login(&id, "keep-me");

    // Both at once.
    let updated = users.update(&id, Some("changed"), Some(&[&a])).unwrap();
    assert_eq!(role_names(&updated), [a.as_str()]);
    server.login(&id, "changed");
}

#[test]
fn unknown_role_on_update_writes_nothing() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let a = role(&admin, AccessAttr::ACCESS_RO);
    let id = unique("dan");
    let before = users.create(&id, &[&a], "pw-dan").unwrap();
    let missing = unique("ghost");
    for roles in [vec![missing.as_str()], vec![a.as_str(), missing.as_str()]] {
        let err = users
            .update(&id, Some("not-applied"), Some(&roles))
            .unwrap_err();
        assert!(
            matches!(&err, Error::RoleNotFound(n) if *n == missing),
            "{err:?}"
        );
    }
    assert_eq!(users.get(&id).unwrap(), before, "roles unchanged");
    server.login(&id, "pw-dan");
}

#[test]
fn update_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let id = unique("eve");
    users.create(&id, &[], "pw").unwrap();
    assert!(matches!(
        users.update(&id, None, None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        users.update(&id, Some("x"), Some(&[])),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        users.update(&id, Some(" "), None),
        Err(Error::InvalidArgument(_))
    ));
    server.login(&id, "pw");

    let ghost = unique("ghost");
    let err = users.update(&ghost, Some("pw"), None).unwrap_err();
    assert!(
        matches!(&err, Error::UserNotFound(n) if *n == ghost),
        "{err:?}"
    );

    let r = role(&admin, AccessAttr::ACCESS_RO);
    let err = users
        .update(&server.admin_user, None, Some(&[&r]))
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden { ref message, .. } if message.contains("administrator")),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(403));
}

#[test]
fn delete_missing_ok_both_ways_and_builtin_admin() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let id = unique("gone");
    users.create(&id, &[], "pw").unwrap();
    users.delete(&id, true).unwrap();
    assert!(
        matches!(users.get(&id), Err(Error::UserNotFound(_))),
        "missing_ok still deletes"
    );
    users.delete(&id, true).unwrap();
    let err = users.delete(&id, false).unwrap_err();
    assert!(
        matches!(&err, Error::UserNotFound(n) if *n == id),
        "{err:?}"
    );
    let err = users.delete("admin", false).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(users.get("admin").unwrap().is_admin());
}

#[test]
fn bad_names_and_passwords_are_refused_before_the_server() {
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    for (id, pw) in [
        ("a b", "pw"),
        ("-lead", "pw"),
        ("x/y", "pw"),
        (&*"n".repeat(33), "pw"),
        ("okname", ""),
        ("okname", "   "),
        ("okname", &*"p".repeat(73)),
    ] {
        let err = users.create(id, &[], pw).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument(_)),
            "{id:?}/{pw:?}: {err:?}"
        );
    }
    let all = users.list().unwrap();
    for absent in ["a b", "-lead", "x/y", "okname", &"n".repeat(33)] {
        assert!(!all.contains_key(absent), "{absent} must not exist");
    }
    // The longest name the server takes, and the longest password bcrypt takes.
    let id = "n".repeat(32);
    users.create(&id, &[], &"p".repeat(72)).unwrap();
    server.login(&id, &"p".repeat(72));
}

#[test]
fn ensure_user_creates_updates_and_leaves_alone() {
    use aistore_authn::Ensured;
    let server = TestServer::start();
    let admin = server.admin();
    let users = admin.user_manager();
    let (a, b) = (
        role(&admin, AccessAttr::ACCESS_RO),
        role(&admin, AccessAttr::ACCESS_RW),
    );
    let id = unique("ens");

    let (what, user) = users.ensure_user(&id, &[&a], "first").unwrap();
    assert_eq!(
        (what, role_names(&user)),
        (Ensured::Created, vec![a.clone()])
    );
    let (what, _) = users.ensure_user(&id, &[&a, &a], "ignored").unwrap();
    assert_eq!(what, Ensured::Unchanged, "same roles, duplicates ignored");
    let (what, user) = users.ensure_user(&id, &[&b, &a], "ignored").unwrap();
    assert_eq!(what, Ensured::Updated);
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(role_names(&user), want);
    assert_eq!(
        users.ensure_user(&id, &[&a, &b], "ignored").unwrap().0,
        Ensured::Unchanged
    );
    // The existing user's password is never touched.
    server.login(&id, "first");
    let err = users.ensure_user(&id, &[], "x").unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument(_)),
        "cannot take all roles away: {err:?}"
    );
    let err = users
        .ensure_user(&id, &[&unique("ghost")], "x")
        .unwrap_err();
    assert!(matches!(err, Error::RoleNotFound(_)), "{err:?}");
}

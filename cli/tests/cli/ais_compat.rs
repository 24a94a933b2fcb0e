//! `ais auth` v1.5.0 command lines run unchanged: the same success or failure and the same
//! server state. The `ais` CLI cannot be built here, so each expected state is read from its
//! source (cmd/cli/cli/auth_hdlr.go at tag v1.5.0, cited per form) and checked through the
//! SDK.

use std::time::Duration;

use aistore_authn::{AccessAttr, Token};
use aistore_authn_testkit::LocalCluster;

use crate::support::*;

/// The lifetime of a token: expiry minus issue time.
fn lifetime(jwt: &str) -> Duration {
    let token = Token::parse(jwt).unwrap();
    let claims = token.claims();
    let issued = claims.issued_at.expect("AuthN tokens carry iat");
    claims.expires_at.duration_since(issued).unwrap()
}

#[test]
fn ais_auth_command_lines_leave_the_same_state() {
    let cli = Cli::new("aiscompat");
    cli.login_admin();
    let admin = cli.admin();
    let (id, alias) = (unique("id"), unique("c"));
    cli.ok(&["add", "cluster", "--id", &id, &alias]);

    // `add role R PERM... --cluster ALIAS -desc TEXT` (single-dash long flags, as urfave/cli
    // takes them): addOrUpdateRole sends one cluster entry {id: the cluster's ID, alias: the
    // alias given, perm}; AuthN keeps the alias and copies it into tokens.
    let (by_alias, by_id) = (unique("ra"), unique("ri"));
    cli.ok(&[
        "add", "role", &by_alias, "ro", "-cluster", &alias, "-desc", "by alias",
    ]);
    cli.ok(&[
        "add",
        "role",
        &by_id,
        "rw",
        "--cluster",
        &id,
        "-description=by id",
    ]);
    let role = admin.role_manager().get(&by_alias).unwrap();
    assert_eq!(role.desc, "by alias");
    assert_eq!(
        (role.clusters[0].id.as_str(), role.clusters[0].perm),
        (id.as_str(), AccessAttr::ACCESS_RO)
    );
    assert_eq!(admin.role_manager().get(&by_id).unwrap().desc, "by id");

    // `add role R` alone: addOrUpdateRole still sends one entry, every cluster (ID ""), no
    // permissions.
    let bare = unique("rb");
    cli.ok(&["add", "role", &bare]);
    let role = admin.role_manager().get(&bare).unwrap();
    let entries: Vec<(&str, AccessAttr)> = role
        .clusters
        .iter()
        .map(|c| (c.id.as_str(), c.perm))
        .collect();
    assert_eq!(entries, [("", AccessAttr::NONE)]);
    assert!(role.buckets.is_empty());

    // `add user U -password PW ROLE`: addAuthUserHandler; the token's cluster entries carry
    // the alias for the role named by alias, none for the one named by ID.
    let (u1, u2) = (unique("u"), unique("u"));
    cli.ok(&["add", "user", &u1, "-password", "pw1", &by_alias]);
    cli.ok(&["add", "user", &u2, "-p", "pw2", &by_id]);
    let t1 = cli.token_of(&u1, "pw1");
    let t1 = Token::parse(&t1).unwrap();
    let entry = &t1.claims().clusters[0];
    assert_eq!(
        (entry.id.as_str(), entry.alias.as_str()),
        (id.as_str(), alias.as_str())
    );
    // (A v1.4 server keeps the copy of the role the user was given, as `GET /v1/roles` shows
    // it, with the alias: its tokens carry the alias either way.)
    let t2 = cli.token_of(&u2, "pw2");
    let t2 = Token::parse(&t2).unwrap();
    let alias_copied = cli.older_than("v1.5.0");
    assert_eq!(
        t2.claims().clusters[0].alias,
        if alias_copied { alias.as_str() } else { "" },
        "named by ID: no alias"
    );
    // (v1.4 users keep the copy of a role they were given: an update does not reach them.)
    let what = "a role's update reaching its users";
    if cli.requires("v1.5.0", what) {
        // `set role R PERM --cluster ALIAS` (updateAuthRoleHandler, the same entry): AuthN merges
        // by cluster ID (cmd/authn/mgr.go updateRole, api/authn/acl.go MergeClusterACLs): a new
        // cluster's entry is added with its alias; an existing entry takes the permissions only.
        let (id2, alias2) = (unique("id"), unique("c"));
        cli.ok(&["add", "cluster", "--id", &id2, &alias2]);
        cli.ok(&["set", "role", &by_id, "ro", "-cluster", &alias2]);
        cli.ok(&["set", "role", &by_id, "ro", "-cluster", &alias]);
        let t2 = Token::parse(&cli.token_of(&u2, "pw2")).unwrap();
        let mut entries: Vec<(&str, &str, AccessAttr)> = t2
            .claims()
            .clusters
            .iter()
            .map(|c| (c.id.as_str(), c.alias.as_str(), c.perm))
            .collect();
        entries.sort();
        let mut want = vec![
            (id.as_str(), "", AccessAttr::ACCESS_RO),
            (id2.as_str(), alias2.as_str(), AccessAttr::ACCESS_RO),
        ];
        want.sort();
        assert_eq!(entries, want);
    }

    // `set user U` with nothing to change: updateAuthUserHandler sends {id, pass: "",
    // roles: []}, which AuthN reads as "keep both": exit 0, nothing changed. An unknown user
    // fails.
    cli.ok(&["set", "user", &u1]);
    let user = admin.user_manager().get(&u1).unwrap();
    assert_eq!(user.roles.names().collect::<Vec<_>>(), [by_alias.as_str()]);
    cli.token_of(&u1, "pw1");
    cli.fails(&["set", "user", &unique("ghost")], "does not exist");

    // `login U -password PW -expire 0`: loginUserHandler sends expires_in 0, the server's
    // longest lifetime (its maximum token age, 90 days by default).
    let file = cli.home.join("u1.token");
    let f = file.to_str().unwrap();
    cli.ok(&["login", &u1, "-password", "pw1", "-e", "0", "-f", f]);
    let jwt = aistore_authn::env::load_token_file(&file).unwrap();
    assert_eq!(lifetime(&jwt), Duration::from_secs(90 * 24 * 3600));
    cli.ok(&["login", &u1, "-password=pw1", "-expire", "2h", "-file", f]);
    let jwt = aistore_authn::env::load_token_file(&file).unwrap();
    assert_eq!(lifetime(&jwt), Duration::from_secs(2 * 3600));

    // `show user -nv`, `show role -verbose`, `show role -cluster ALIAS`: read only.
    let out = cli.ok(&["show", "user", &u1, "-nv"]);
    assert_eq!(out.stdout.lines().count(), 2, "one row: {}", out.stdout);
    let out = cli.ok(&["show", "role", "-verbose"]);
    assert!(out.stdout.contains("by alias"), "{}", out.stdout);
    let out = cli.ok(&["show", "role", "-cluster", &alias, "-no-headers"]);
    assert!(out.stdout.contains(&by_alias), "{}", out.stdout);

    // `rm token TOKEN -yes`: revokeTokenHandler.
    let spare = cli.token_of(&u2, "pw2");
    cli.ok(&["rm", "token", &spare, "-yes"]);
    assert_revoked(&cli, &spare);
}

/// `add cluster ALIAS` with no URL: addAuthClusterHandler asks the ais CLI's own cluster
/// (AIS_ENDPOINT, else cli.json's cluster.url: init.go getClusterEndpoint) for its smap and
/// registers {id: smap.UUID, alias, urls: [that URL]}.
#[test]
fn add_cluster_without_url_takes_ais_endpoint() {
    let cli = Cli::new("aisendpoint");
    if !cli.server.version().starts_with("v1.5") {
        println!("skipped: registering a cluster that requires tokens needs AuthN v1.5.0");
        return;
    }
    cli.login_admin();
    let cluster = LocalCluster::builder()
        .authn(&cli.server)
        .start()
        .unwrap_or_else(|e| panic!("cannot start the AIStore cluster:\n{e}"));
    let alias = unique("c");
    let endpoint = cluster.endpoint();
    let out = cli.run_env(
        &["add", "cluster", &alias],
        None,
        &[("AIS_ENDPOINT", &endpoint)],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let registered = cli.admin().cluster_manager().get(&alias).unwrap();
    assert_eq!(registered.id, cluster.uuid());
    assert_eq!(registered.urls, [endpoint]);
}

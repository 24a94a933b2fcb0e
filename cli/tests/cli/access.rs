//! Access review: `can`, `who-can` and `explain-token` on a real server, with exit codes,
//! tables and JSON, and bad input refused by name.

use aistore_authn::{AccessAttr, RoleInfo};
use aistore_authn_testkit::LocalServer;

use crate::support::*;

#[test]
fn can_who_can_and_explain_token() {
    let cli = Cli::new("access");
    cli.login_admin();
    let admin = cli.admin();
    let (id, alias) = (unique("id"), unique("c"));
    admin
        .cluster_manager()
        .register_with_id(&id, &alias, &[])
        .unwrap();
    let (ops, ro_prod) = (unique("ops"), unique("ro-prod"));
    let roles = admin.role_manager();
    roles
        .create_role(&RoleInfo::new(&ops, "").with_cluster(&alias, AccessAttr::ACCESS_RW))
        .unwrap();
    roles
        .create_role(&RoleInfo::new(&ro_prod, "").with_bucket(
            &id,
            "ais",
            "prod",
            AccessAttr::ACCESS_RO,
        ))
        .unwrap();
    let (alice, bob) = (unique("alice"), unique("bob"));
    let users = admin.user_manager();
    users.create(&alice, &[&ops, &ro_prod], "pw").unwrap();
    users.create(&bob, &[&ops], "pw").unwrap();

    // alice: ops grants rw on the cluster, but ro-prod's bucket entry decides for ais://prod.
    let args = [
        "can",
        &alice,
        "DELETE-OBJECT",
        "ais://prod",
        "--cluster",
        &alias,
    ];
    let out = cli.run(&args);
    assert_eq!((out.code, out.stderr.as_str()), (1, ""), "{out:?}");
    assert_eq!(
        out.stdout.trim_end(),
        format!(
            "no: {alice} may not DELETE-OBJECT on ais://prod of cluster {id} (by the roles now): \
             the bucket's ACL (ro) lacks DELETE-OBJECT; from role {ro_prod}: ro on ais://prod on \
             cluster {id}"
        )
    );
    let out = cli.run(&[&args[..], &["--json"]].concat());
    assert_eq!(out.code, 1, "{out:?}");
    let answer = out.json();
    assert_eq!(answer["allowed"], false);
    assert_eq!(answer["basis"], "roles");
    assert_eq!(answer["missing"], "DELETE-OBJECT");
    assert_eq!(answer["grants"][0]["role"], ro_prod.as_str());
    assert_eq!(answer["grants"][0]["bucket"], "ais://prod");

    // bob: ops alone, on the cluster by its ID.
    let out = cli.ok(&["can", &bob, "DELETE-OBJECT", "ais://prod", "--cluster", &id]);
    assert!(
        out.stdout
            .starts_with(&format!("yes: {bob} may DELETE-OBJECT"))
            && out
                .stdout
                .contains(&format!("granted by role {ops}: rw on cluster {id}")),
        "{}",
        out.stdout
    );
    // A role alone, and the administrator.
    cli.ok(&[
        "can",
        "--role",
        &ops,
        "PUT",
        "s3://logs",
        "--cluster",
        &alias,
    ]);
    let out = cli.run(&[
        "can",
        "--role",
        &ro_prod,
        "GET",
        "ais://x",
        "--cluster",
        &alias,
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("no ACL for the cluster"),
        "{}",
        out.stdout
    );
    let out = cli.json(&["can", "admin", "ADMIN", "--cluster", &alias]);
    assert_eq!(
        (&out["allowed"], &out["admin"]),
        (&true.into(), &true.into())
    );

    // who-can: users by their roles, admins marked, and the roles that grant it alone.
    let who = cli.json(&[
        "who-can",
        "DELETE-OBJECT",
        "ais://prod",
        "--cluster",
        &alias,
    ]);
    let names = |key: &str| -> Vec<(String, bool)> {
        who[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["subject"].as_str().unwrap().to_owned(),
                    a["admin"] == true,
                )
            })
            .collect()
    };
    assert_eq!(who["cluster"], id.as_str());
    let users = names("users");
    assert!(users.contains(&("admin".to_owned(), true)), "{users:?}");
    assert!(users.contains(&(bob.clone(), false)), "{users:?}");
    assert!(!users.iter().any(|(u, _)| *u == alice), "{users:?}");
    let granting = names("roles");
    assert!(
        granting.contains(&(ops.clone(), false)) && granting.contains(&("Admin".to_owned(), true))
    );
    assert!(!granting.iter().any(|(r, _)| *r == ro_prod));
    let out = cli.ok(&[
        "who-can",
        "DELETE-OBJECT",
        "ais://prod",
        "--cluster",
        &alias,
    ]);
    assert!(out.stdout.starts_with("USER"), "{}", out.stdout);
    let bob_row = out.stdout.lines().find(|l| l.starts_with(&bob)).unwrap();
    assert!(
        bob_row.contains("no") && bob_row.contains(&ops),
        "{bob_row}"
    );

    // Bad input: refused by name, before anything is sent (no server at this URL).
    let nowhere = [("AIS_AUTHN_URL", "http://127.0.0.1:9")];
    for (args, want) in [
        (
            vec!["can", &alice, "FLY", "ais://prod", "--cluster", &alias],
            "FLY",
        ),
        (
            vec!["can", &alice, "GET", "prod", "--cluster", &alias],
            "prod",
        ),
        (
            vec!["who-can", "none", "--cluster", &alias],
            "no permissions",
        ),
    ] {
        assert_exit(&cli.run_env(&args, None, &nowhere), 2, &args, want);
    }
    // Unknown names: after the reads, nothing more.
    cli.fails(
        &["can", "eve", "GET", "ais://prod", "--cluster", &alias],
        "eve",
    );
    cli.fails(
        &["can", "--role", "nope", "GET", "--cluster", &alias],
        "nope",
    );
    cli.fails(
        &["who-can", "GET", "ais://prod", "--cluster", "nowhere"],
        "nowhere",
    );

    // explain-token: the admin's token, verified with the server's HMAC secret.
    let out = cli.ok(&["explain-token"]);
    assert!(out.stdout.contains("verified (HS256"), "{}", out.stdout);
    // alice's token: not verifiable without an admin token, and marked so; its access on the
    // cluster from the claims.
    let token = cli.token_of(&alice, "pw");
    let env = [("AIS_AUTHN_TOKEN", token.as_str())];
    let out = cli.run_env(
        &["explain-token", "--cluster", &alias, "--json"],
        None,
        &env,
    );
    assert_eq!(out.code, 0, "{out:?}");
    let explained = out.json();
    assert_eq!(explained["verified"], false);
    assert!(explained["not_verified_because"]
        .as_str()
        .unwrap()
        .contains("HMAC"));
    let cluster = &explained["clusters"][0];
    assert_eq!(
        (cluster["id"].as_str(), cluster["access"].as_str()),
        (Some(id.as_str()), Some("rw"))
    );
    assert_eq!(cluster["buckets"][0]["bucket"], "ais://prod");
    let out = cli.run_env(&["explain-token"], None, &env);
    assert!(out.stdout.contains("NOT VERIFIED"), "{}", out.stdout);
}

#[test]
fn explain_token_verifies_with_the_rsa_key_set() {
    let cli = Cli::with("access-rsa", LocalServer::builder().rsa_signing().start());
    cli.login_admin();
    let explained = cli.json(&["explain-token"]);
    assert_eq!(explained["verified"], true, "{explained}");
    assert!(explained["verified_with"]
        .as_str()
        .unwrap()
        .starts_with("RS256"));
    assert_eq!(explained["admin"], true);
}

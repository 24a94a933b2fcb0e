//! Saved plans: `plan -o FILE` then `apply FILE`, carried out exactly, or refused (the server
//! changed, another server, an edited or damaged file) with nothing written.

use std::path::{Path, PathBuf};

use aistore_authn::{AccessAttr, Client, RoleInfo};
use serde_json::Value;

use crate::support::*;

const FILE_PW: &str = "file-s3cret-pw";
const ENV_PW: &str = "env-s3cret-pw";
const PW_VAR: &str = "AIS_AUTHN_TEST_SAVED_PLAN_PW";

/// A spec in `dir` with a role and two users, one reading its password from a file beside
/// the spec (relative), one from [`PW_VAR`].
fn write_spec(dir: &Path, role: &str, users: (&str, &str)) -> PathBuf {
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(dir.join("secrets/pw"), format!("{FILE_PW}\n")).unwrap();
    let spec = serde_json::json!({
        "roles": [{"name": role, "description": "operators",
                   "acls": [{"cluster": "*", "perms": "ro"}]}],
        "users": [{"id": users.0, "roles": [role], "password": {"file": "secrets/pw"}},
                  {"id": users.1, "roles": [role], "password": {"env": PW_VAR}}]
    });
    let path = dir.join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

fn logs_in(cli: &Cli, user: &str, password: &str) -> bool {
    let mut client = Client::builder(&cli.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    client.login(user, password, None).is_ok()
}

fn roles_of(cli: &Cli, user: &str) -> Vec<String> {
    let user = cli.admin().user_manager().get(user).unwrap();
    user.roles.names().map(str::to_owned).collect()
}

/// Runs with the password variable set.
fn run(cli: &Cli, args: &[&str]) -> Out {
    cli.run_env(args, None, &[(PW_VAR, ENV_PW)])
}

/// Runs with the password variable set, and requires success.
fn ok(cli: &Cli, args: &[&str]) -> Out {
    let out = run(cli, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out
}

/// The server's users, roles and clusters, as `export` prints them.
fn exported(cli: &Cli) -> Value {
    cli.json(&["export"])
}

#[test]
fn a_saved_plan_is_carried_out_exactly_from_anywhere_and_holds_no_secret() {
    let (a, b) = (Cli::new("saved-plan-a"), Cli::new("saved-plan-b"));
    a.login_admin();
    b.login_admin();
    let (role, u1, u2) = (unique("ops"), unique("sf"), unique("se"));
    let spec = write_spec(&a.home.join("spec"), &role, (&u1, &u2));
    let spec = spec.to_str().unwrap();
    let plan_file = a.home.join("plan.json");
    let plan_path = plan_file.to_str().unwrap();

    // plan -o: the plan as usual on stdout, and the file, mode 0600, replaced on a rerun.
    std::fs::write(&plan_file, "old").unwrap();
    let shown = ok(&a, &["plan", spec, "-o", plan_path]).stdout;
    assert_eq!(shown, ok(&a, &["plan", spec]).stdout);
    assert!(shown.contains(&format!("  + user {u1} ")), "{shown}");
    let text = std::fs::read_to_string(&plan_file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&plan_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Sources, never a password or token.
    let token = aistore_authn::env::load_token_file(&a.token_file).unwrap();
    for secret in [FILE_PW, ENV_PW, token.as_str(), a.admin_password().as_str()] {
        assert!(
            !text.contains(secret),
            "the plan file holds a secret: {text}"
        );
    }
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["format"], "ais-authn-plan");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["server"]["url"], a.url.as_str());
    let source = saved["spec"]["users"][0]["password"]["file"]
        .as_str()
        .unwrap();
    assert!(Path::new(source).is_absolute(), "{source}");
    assert!(source.ends_with("secrets/pw"), "{source}");
    assert_eq!(saved["spec"]["users"][1]["password"]["env"], PW_VAR);
    assert_eq!(saved["plan"], ok(&a, &["plan", spec, "--json"]).json());

    // apply FILE, from another directory (the relative password file was made absolute).
    let elsewhere = a.home.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = std::process::Command::new(BIN)
        .args(["apply", plan_path, "--yes", "--json"])
        .current_dir(&elsewhere)
        .env("AIS_AUTHN_URL", &a.url)
        .env("AIS_AUTHN_TOKEN_FILE", &a.token_file)
        .env("HOME", &a.home)
        .env(PW_VAR, ENV_PW)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let done = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "done")
        .count();
    assert_eq!(done, 3, "{report}");
    assert!(logs_in(&a, &u1, FILE_PW) && logs_in(&a, &u2, ENV_PW));

    // The same server state as applying the spec itself (on a second server).
    let out = run(&b, &["apply", spec, "--yes"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(exported(&a), exported(&b));

    // The plan file made against A, given to B: refused before any request (exit 2).
    let out = run(&b, &["apply", plan_path, "--yes"]);
    assert_exit(&out, 2, &["apply", plan_path], "made for the server at");
    assert!(out.stderr.contains(&a.url), "{}", out.stderr);

    // Applied again on A: the server changed since (the plan's own changes), refused.
    let out = run(&a, &["apply", plan_path, "--yes"]);
    assert_exit(
        &out,
        1,
        &["apply", plan_path],
        "changed since the plan was made",
    );
    assert!(
        out.stderr.contains(&format!("user {u1} was created")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_stale_edited_or_damaged_plan_is_refused_and_nothing_is_written() {
    let cli = Cli::new("saved-plan-stale");
    cli.login_admin();
    let (role, u1, u2) = (unique("ops"), unique("sf"), unique("se"));
    let dir = cli.home.join("spec");
    let spec = write_spec(&dir, &role, (&u1, &u2));
    let spec = spec.to_str().unwrap();
    // u1 exists, holding another role: the plan gives it the spec's role and creates u2.
    let admin = cli.admin();
    let other = unique("other");
    let ro = |name: &str| RoleInfo::new(name, "").with_all_clusters(AccessAttr::ACCESS_RO);
    admin.role_manager().create_role(&ro(&other)).unwrap();
    admin
        .user_manager()
        .create(&u1, &[&other], "0ld-s3cret")
        .unwrap();
    let plan_file = dir.join("plan.json");
    let plan_path = plan_file.to_str().unwrap();
    ok(&cli, &["plan", spec, "--out", plan_path]);

    // The server changes between plan and apply: refused (exit 1), naming the change.
    let third = unique("third");
    admin.role_manager().create_role(&ro(&third)).unwrap();
    admin
        .user_manager()
        .update(&u1, None, Some(&[other.as_str(), third.as_str()]))
        .unwrap();
    let out = run(&cli, &["apply", plan_path, "--yes"]);
    assert_exit(
        &out,
        1,
        &["apply", plan_path],
        "changed since the plan was made",
    );
    assert!(out.stderr.contains("run plan again"), "{}", out.stderr);
    let mut expected = [other.clone(), third.clone()];
    expected.sort();
    assert!(
        out.stderr.contains(&format!(
            "user {u1} changed: roles [{other}] -> [{}]",
            expected.join(", ")
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("role {third} was created")),
        "{}",
        out.stderr
    );
    // Nothing written: u1 keeps its roles, u2 was not made, the role is as it was.
    assert_eq!(roles_of(&cli, &u1), expected);
    assert!(admin.user_manager().get(&u2).is_err());
    assert!(admin.role_manager().get(&role).is_err());
    // --json: the error as JSON, same exit code.
    let out = run(&cli, &["apply", plan_path, "--yes", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error: Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(error["exit_code"], 1);

    // A fresh plan, then edited: an action or the spec in it. Refused (exit 1), nothing done.
    ok(&cli, &["plan", spec, "-o", plan_path]);
    let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let mut edited = fresh.clone();
    edited["plan"]["actions"][0]["after"]["description"] = "owned".into();
    std::fs::write(&plan_file, edited.to_string()).unwrap();
    let out = run(&cli, &["apply", plan_path, "--yes"]);
    assert_exit(
        &out,
        1,
        &["apply", plan_path],
        "actions are not what its spec gives",
    );
    assert!(
        out.stderr
            .contains(&format!("#0 create role {role}: its details differ")),
        "{}",
        out.stderr
    );
    let mut edited = fresh.clone();
    edited["spec"]["users"][1]["roles"] = serde_json::json!(["Admin"]);
    std::fs::write(&plan_file, edited.to_string()).unwrap();
    let out = run(&cli, &["apply", plan_path, "--yes"]);
    assert_exit(
        &out,
        1,
        &["apply", plan_path],
        "actions are not what its spec gives",
    );
    assert!(admin.user_manager().get(&u2).is_err());
    assert!(admin.role_manager().get(&role).is_err());

    // Options are the plan's: --prune and --allow-own-admin-removal are usage errors.
    std::fs::write(&plan_file, fresh.to_string()).unwrap();
    for flag in ["--prune", "--allow-own-admin-removal"] {
        let out = run(&cli, &["apply", plan_path, "--yes", flag]);
        assert_exit(
            &out,
            2,
            &["apply", plan_path, flag],
            "cannot be given with a saved plan",
        );
    }
    // A password source that cannot be read now: the spec's problem, nothing sent (exit 2).
    let out = cli.run(&["apply", plan_path, "--yes"]);
    assert_exit(&out, 2, &["apply", plan_path], PW_VAR);

    // A damaged file, another version, a plan missing a field: usage errors saying why.
    let text = fresh.to_string();
    for (damaged, why) in [
        (text[..text.len() / 2].to_owned(), "not JSON"),
        (
            text.replace(r#""version":1"#, r#""version":7"#),
            "version 7; this release reads version 1",
        ),
        (
            text.replace(r#""format":"ais-authn-plan""#, r#""format":"other""#),
            r#"format "other""#,
        ),
        (
            text.replace(r#""options":"#, r#""opts":"#),
            "unknown field `opts`",
        ),
    ] {
        std::fs::write(&plan_file, damaged).unwrap();
        let out = run(&cli, &["apply", plan_path, "--yes"]);
        assert_exit(&out, 2, &["apply", plan_path], why);
    }
    assert!(admin.user_manager().get(&u2).is_err());

    // The fresh plan itself still holds: applied exactly.
    std::fs::write(&plan_file, text).unwrap();
    let out = run(&cli, &["apply", plan_path, "--yes"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(roles_of(&cli, &u1), [role]);
    assert!(logs_in(&cli, &u2, ENV_PW));
    assert_eq!(
        ok(&cli, &["plan", spec]).stdout.trim(),
        "No changes. The server matches the spec."
    );
}

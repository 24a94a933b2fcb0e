//! Specs without and with a server: `validate` (no server), errors one problem per line and
//! as JSON, `plan --detailed-exitcode`.

use crate::support::*;

const BAD: &str = r#"{"roles": [{"name": "-bad", "description": "a; b",
    "acls": [{"cluster": "x", "perms": "FLY"}]}], "users": [{"id": "u", "roles": ["nope"]}]}"#;

#[test]
fn validate_needs_no_server_and_lists_every_problem_one_per_line() {
    let dir = std::env::temp_dir().join(format!("ais-authn-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (bad, good) = (dir.join("bad.json"), dir.join("good.json"));
    std::fs::write(&bad, BAD).unwrap();
    std::fs::write(
        &good,
        r#"{"roles": [{"name": "r", "acls": [{"cluster": "*", "perms": "ro"}]}]}"#,
    )
    .unwrap();
    let (bad, good) = (bad.to_str().unwrap(), good.to_str().unwrap());
    // No server: a URL where nothing listens.
    let run = |args: &[&str]| run_bin(args, None, &[("AIS_AUTHN_URL", "http://127.0.0.1:9")]);

    let out = run(&["validate", good]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("is valid: 0 clusters, 1 roles, 0 users"),
        "{}",
        out.stdout
    );
    let out = run(&["validate", "-f", good, "--json"]);
    assert_eq!((out.code, out.json()["valid"].as_bool()), (0, Some(true)));

    let out = run(&["validate", bad]);
    assert_exit(&out, 2, &["validate"], "is not valid (3 problems)");
    let lines = error_lines(&out);
    assert_eq!(lines.len(), 4, "{}", out.stderr);
    assert!(lines[1].starts_with("  roles[0]"), "{}", out.stderr);
    assert!(
        lines.iter().any(|l| l.starts_with("  users[0].roles[0]")),
        "{}",
        out.stderr
    );
    // A misspelt field does not hide the other problems: all of them in one pass.
    let typo = dir.join("typo.json");
    std::fs::write(
        &typo,
        BAD.replace(
            r#""users": [{"id": "u","#,
            r#""users": [{"id": "u", "pasword": 1,"#,
        ),
    )
    .unwrap();
    let out = run(&["validate", typo.to_str().unwrap()]);
    assert_exit(&out, 2, &["validate"], "is not valid (4 problems)");
    assert_eq!(
        error_lines(&out)[1],
        "  users[0].pasword: unknown field; expected one of id, roles, password, reset_password",
        "{}",
        out.stderr
    );
    // --json: the problems as a list on stdout, exit 2.
    let out = run(&["validate", bad, "-j"]);
    assert_eq!(out.code, 2);
    let problems = out.json()["problems"].as_array().unwrap().len();
    assert_eq!(problems, 3, "{}", out.stdout);
    // Other commands' errors under --json: an object on stderr with the exit code.
    let out = run(&["plan", bad, "--json"]);
    let error: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!((out.code, error["exit_code"].as_i64()), (2, Some(2)));
    assert_eq!(error["details"].as_array().unwrap().len(), 3, "{error}");
    let out = run(&["rm", "user", "--json"]);
    let error: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .ends_with("not provided: <USER_NAME>"),
        "{error}"
    );

    // The spec given twice, or not at all: usage errors naming what is wrong.
    assert_exit(
        &run(&["validate", good, "-f", good]),
        2,
        &["validate"],
        "given twice",
    );
    assert_exit(&run(&["validate"]), 2, &["validate"], "which spec");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plan_detailed_exitcode() {
    let cli = Cli::new("detailed");
    cli.login_admin();
    let dir = cli.home.join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    let role = unique("de");
    let spec = dir.join("spec.json");
    let text =
        serde_json::json!({"roles": [{"name": role, "acls": [{"cluster": "*", "perms": "ro"}]}]});
    std::fs::write(&spec, text.to_string()).unwrap();
    let spec = spec.to_str().unwrap();

    // Changes: 2, the plan printed. Without the flag: 0.
    let out = cli.run(&["plan", spec, "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(&role), "{}", out.stdout);
    cli.ok(&["plan", spec]);
    cli.ok(&["apply", spec, "-y"]);
    // No changes: 0.
    cli.ok(&["plan", spec, "--detailed-exitcode"]);
    // Errors, usage errors included: 1.
    std::fs::write(dir.join("bad.json"), BAD).unwrap();
    let bad = dir.join("bad.json");
    cli.exits(
        1,
        &["plan", bad.to_str().unwrap(), "--detailed-exitcode"],
        "not valid",
    );
    cli.exits(
        1,
        &["plan", spec, "--detailed-exitcode", "--bogus"],
        "--bogus",
    );
    let out = cli.run_env(
        &["plan", spec, "--detailed-exitcode"],
        None,
        &[("AIS_AUTHN_URL", "http://127.0.0.1:9")],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}

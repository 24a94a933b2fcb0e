//! Logging in and out, `whoami`, and `rm token`: the token file shared with the SDK and the
//! `ais` CLI.

use std::time::Duration;

use aistore_authn::env::{load_token_file, save_token_file};
use aistore_authn::Token;

use crate::support::*;

#[test]
fn login_whoami_logout_share_the_token_file() {
    let cli = Cli::new("login");
    let pw = cli.admin_password();
    // `--flag=value` forms, and -e.
    let out = cli.ok(&["login", "admin", &format!("--password={pw}"), "--expire=2h"]);
    assert!(out.stdout.contains("Logged in as admin"), "{}", out.stdout);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    assert_eq!(subject(&cli.token_file), "admin");
    let token = Token::parse(&load_token_file(&cli.token_file).unwrap()).unwrap();
    let left = token.time_left();
    assert!(left > Duration::from_secs(7100) && left <= Duration::from_secs(7200));

    let out = cli.ok(&["whoami"]);
    for want in [
        "Identity",
        "User",
        "admin",
        "Admin",
        "yes",
        "Roles",
        "Full admin access",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let who = cli.json(&["whoami"]);
    assert_eq!(
        (
            who["user"].as_str(),
            who["admin"].as_bool(),
            who["stale"].as_bool()
        ),
        (Some("admin"), Some(true), Some(false))
    );
    assert_eq!(who["roles"], serde_json::json!(["Admin"]));
    assert_eq!(
        who["expires_at"].as_u64(),
        Some(
            token
                .claims()
                .expires_at
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        )
    );

    // The SDK reads the CLI's login, and the CLI reads one the SDK saved.
    let sdk = cli.with_token(&load_token_file(&cli.token_file).unwrap());
    let id = unique("shared");
    sdk.user_manager().create(&id, &[], "pw").unwrap();
    save_token_file(&cli.token_file, &cli.token_of(&id, "pw")).unwrap();
    let who = cli.json(&["whoami"]);
    assert_eq!(who["user"].as_str(), Some(id.as_str()));
    assert_eq!(who["roles"], serde_json::json!([]));

    // A password from stdin when not given (a script's pipe; a terminal gets a no-echo prompt).
    let out = cli.run_with(&["login", &id], Some("pw\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(subject(&cli.token_file), id);
    cli.fails(&["login", &id, "-p", "wrong"], "invalid credentials");
    // Without a user name and a terminal to ask on: usage.
    let out = cli.run_with(&["login", "--password-stdin"], Some("pw\n"));
    assert_exit(&out, 2, &["login"], "USER_NAME is required");

    // -f/--file: another token file, for login and for the commands after it.
    let other = cli.home.join("other.token");
    let other_s = other.to_str().unwrap();
    let out = cli.run_with(
        &["login", "admin", "--password-stdin", "--file", other_s],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(subject(&other), "admin");
    assert_eq!(
        subject(&cli.token_file),
        id,
        "the default file is left alone"
    );
    let who = cli.json(&["whoami", &format!("--file={other_s}")]);
    assert_eq!(who["user"].as_str(), Some("admin"));
    let who = cli.json(&["-f", other_s, "whoami"]);
    assert_eq!(
        who["user"].as_str(),
        Some("admin"),
        "global flags go before the verb too"
    );
    // --url beats AIS_AUTHN_URL.
    let out = cli.run_env(
        &["whoami", "--json", &format!("--url={}", cli.url)],
        None,
        &[("AIS_AUTHN_URL", "http://127.0.0.1:9")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = cli.run_env(
        &["show", "user"],
        None,
        &[("AIS_AUTHN_URL", "http://127.0.0.1:9")],
    );
    assert_exit(&out, 1, &["show", "user"], "127.0.0.1:9");
    // AIS_AUTHN_TOKEN, as the ais CLI reads it.
    let admin_token = load_token_file(&other).unwrap();
    let out = cli.run_env(
        &["whoami", "--json"],
        None,
        &[("AIS_AUTHN_TOKEN", &admin_token)],
    );
    assert_eq!(out.json()["user"].as_str(), Some("admin"));
    // -f beats AIS_AUTHN_TOKEN; login needs no token, so a bad one in the environment or the
    // token file is no obstacle to it.
    let out = cli.run_env(
        &["whoami", "--json", "-f", other_s],
        None,
        &[("AIS_AUTHN_TOKEN", "not a token")],
    );
    assert_eq!(out.json()["user"].as_str(), Some("admin"));
    let broken = cli.home.join("broken.token");
    std::fs::write(&broken, "{not json").unwrap();
    let broken_s = broken.to_str().unwrap();
    let out = cli.run_env(
        &["login", &id, "-p", "pw", "-f", broken_s],
        None,
        &[("AIS_AUTHN_TOKEN", "not a token")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(subject(&broken), id, "the login replaced the broken file");

    // logout revokes and removes.
    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.json(&["logout"]);
    assert_eq!(
        (out["logged_out"].as_bool(), out["revoked"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(!cli.token_file.exists(), "the token file is removed");
    assert_revoked(&cli, &token);
    cli.fails(&["whoami"], "not logged in");
    cli.fails(&["show", "user"], "not logged in");
    cli.fails(&["logout"], "token file");
    let out = cli.ok(&["logout", "-f", other_s]);
    assert!(
        out.stdout.contains("Logged out (token revoked"),
        "{}",
        out.stdout
    );
    assert!(!other.exists());

    // A malformed token file does not block a new login; logging out with a token AuthN does
    // not accept (one it never signed) still ends the login.
    std::fs::write(&cli.token_file, "{broken").unwrap();
    cli.fails(&["whoami"], "is not JSON");
    cli.login_admin();
    assert_eq!(subject(&cli.token_file), "admin");
    let foreign = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    save_token_file(&cli.token_file, foreign).unwrap();
    let out = cli.ok(&["logout"]);
    assert!(
        out.stdout.contains("no longer valid") && !cli.token_file.exists(),
        "{}",
        out.stdout
    );
    // An expired token: whoami says so.
    let expired = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTAwMDAwMDAwMCwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl";
    save_token_file(&cli.token_file, expired).unwrap();
    cli.fails(&["whoami"], "token expired at 2001-09-09T01:46:40Z");
}

#[test]
fn rm_token_asks_first_and_revokes() {
    let cli = Cli::new("rmtoken");
    cli.login_admin();
    let id = unique("tok");
    let out = cli.run_with(&["add", "user", &id, "--password-stdin"], Some("pw\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = cli.token_of(&id, "pw");

    // No --yes: the answer is read from stdin, a terminal or not, as `ais auth rm token`
    // (cmd/cli/cli/utils.go confirm); none, or no: nothing revoked, exit 0.
    let out = cli.run(&["rm", "token", &token]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Not revoked"), "{}", out.stderr);
    assert!(
        !is_revoked(&cli, &token),
        "nothing revoked without an answer"
    );
    let out = cli.run_with(&["rm", "token", &token], Some("n\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!is_revoked(&cli, &token), "nothing revoked on no");
    let saved = load_token_file(&cli.token_file).unwrap();
    let out = cli.run(&["rm", "token"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(cli.token_file.exists() && !is_revoked(&cli, &saved));
    let yes = cli.token_of(&id, "pw");
    let out = cli.run_with(&["rm", "token", &yes], Some("y\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_revoked(&cli, &yes); // on y

    // --yes revokes the given token; the saved login stays.
    let out = cli.ok(&["rm", "token", &token, "--yes"]);
    assert!(
        out.stdout.contains(&format!("Revoked a token of {id}")),
        "{}",
        out.stdout
    );
    assert_revoked(&cli, &token);
    assert!(cli.token_file.exists());
    let other = cli.token_of(&id, "pw");
    let out = cli.json(&["rm", "token", &other, "-y"]);
    assert_eq!(
        (out["revoked"].as_bool(), out["user"].as_str()),
        (Some(true), Some(id.as_str()))
    );
    assert_revoked(&cli, &other);

    // Not a token: failed, whatever --yes says.
    cli.fails(&["rm", "token", "not-a-token", "-y"], "invalid token");
    cli.fails(&["rm", "token", "not-a-token"], "command-line argument");

    // The token from stdin instead of argv (stdin is then taken, so --yes is needed), with
    // no warning; as an argument it warns.
    let third = cli.token_of(&id, "pw");
    let out = cli.run_with(
        &["rm", "token", "--token-stdin"],
        Some(&format!("{third}\n")),
    );
    assert_exit(&out, 2, &["rm", "token", "--token-stdin"], "--yes");
    let out = cli.run_with(
        &["rm", "token", "--token-stdin", "-y"],
        Some(&format!("{third}\n")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert_revoked(&cli, &third);
    let out = cli.run_with(&["rm", "token", "--token-stdin", "-y"], Some("\n"));
    assert_exit(&out, 2, &["rm", "token"], "stdin holds nothing");
    let fourth = cli.token_of(&id, "pw");
    let out = cli.ok(&["rm", "token", &fourth, "-y"]);
    assert!(
        out.stderr.contains("a token on the command line") && out.stderr.contains("--token-stdin"),
        "{}",
        out.stderr
    );

    // No TOKEN: the saved one; the file stays, as with `ais auth rm token -y`
    // (revokeTokenHandler revokes only), and `whoami` then shows the token with a warning
    // that AuthN refuses it, exit 0, as `ais auth whoami` (whoamiHandler).
    let out = cli.ok(&["rm", "token", "-y"]);
    assert!(
        out.stdout.contains("Revoked a token of admin"),
        "{}",
        out.stdout
    );
    assert!(cli.token_file.exists());
    assert_revoked(&cli, &saved);
    let out = cli.ok(&["whoami"]);
    assert!(out.stdout.contains("admin"), "{}", out.stdout);
    assert!(
        out.stderr.contains("warning: cannot read the user's roles") || cli.older_than("v1.5.0"),
        "{}",
        out.stderr
    );
    // logout still ends it: the token file goes.
    cli.ok(&["logout"]);
    assert!(!cli.token_file.exists());
}

#[test]
fn whoami_shows_token_access_and_stale_roles() {
    let cli = Cli::new("whoami");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("r"), unique("u"));
    cli.ok(&["add", "cluster", "--id", &id, &alias]);
    cli.ok(&[
        "add",
        "role",
        &role,
        "ro",
        "--cluster",
        &alias,
        "--desc",
        "readers",
    ]);
    cli.ok(&[
        "add",
        "role",
        &format!("{role}b"),
        "rw",
        "--cluster",
        &alias,
        "--bucket",
        "ais://data",
    ]);
    cli.ok(&["add", "user", &user, &role, "-p", "pw"]);
    let user_file = cli.home.join("user.token");
    let f = user_file.to_str().unwrap();
    cli.ok(&["login", &user, "-p", "pw", "-f", f]);

    let out = cli.ok(&["whoami", "-f", f]);
    for want in [
        "Identity",
        &user,
        "no",
        "Roles",
        &role,
        "readers",
        "Access",
        "CLUSTER",
        "PERMISSIONS",
        "ro",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let who = cli.json(&["whoami", "-f", f]);
    assert_eq!(
        (who["admin"].as_bool(), who["stale"].as_bool()),
        (Some(false), Some(false)),
        "{who}"
    );
    assert_eq!(who["roles"], serde_json::json!([role]));
    assert_eq!(
        who["access"]["clusters"][0]["id"].as_str(),
        Some(id.as_str()),
        "{who}"
    );

    // The roles change after login: the token's access is stale.
    cli.ok(&["set", "user", &user, &role, &format!("{role}b")]);
    let out = cli.ok(&["whoami", "-f", f]);
    assert!(
        out.stderr.contains("warning: the user's roles changed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        cli.json(&["whoami", "-f", f])["stale"].as_bool(),
        Some(true)
    );
    cli.ok(&["login", &user, "-p", "pw", "-f", f]);
    let out = cli.ok(&["whoami", "-f", f]);
    assert!(
        out.stdout.contains("BUCKET") && out.stdout.contains("ais://data"),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // A user not allowed to list users: the server says so, exit 1.
    cli.fails(&["show", "user", "-f", f], "");
}

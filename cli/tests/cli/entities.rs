//! Users, roles and clusters: `show`, `add`, `set`, `rm`, end to end (one test: each step
//! builds on the one before).

use crate::support::*;

#[test]
fn users_roles_and_clusters_end_to_end() {
    let cli = Cli::new("crud");
    cli.login_admin();
    let (id, alias, role, user) = (unique("id"), unique("c"), unique("ops"), unique("al"));

    let c = cli.json(&["add", "cluster", "--id", &id, &alias]);
    assert_eq!(
        (c["id"].as_str(), c["alias"].as_str()),
        (Some(id.as_str()), Some(alias.as_str()))
    );
    let out = cli.ok(&["show", "cluster"]);
    assert!(
        out.stdout.starts_with("CLUSTER ID") && out.stdout.contains(&alias),
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "cluster", "--no-headers"]);
    assert!(
        out.stdout.starts_with(&id) && !out.stdout.contains("CLUSTER ID"),
        "{}",
        out.stdout
    );
    // `show cluster --json` is an array even with one cluster; a named one is an object.
    let all = cli.json(&["show", "cluster"]);
    assert!(
        all.as_array()
            .is_some_and(|a| a.iter().any(|c| c["id"] == id.as_str())),
        "{all}"
    );
    assert_eq!(
        cli.json(&["show", "cluster", &alias])["id"].as_str(),
        Some(id.as_str())
    );
    cli.fails(
        &["add", "cluster", "--id", &id, &unique("c")],
        "already registered",
    );
    cli.exits(
        2,
        &["add", "cluster", "a1", "a2", "--id", "x"],
        "second alias",
    );
    // No URL: the ais CLI's cluster, here AIS_ENDPOINT, where nothing answers.
    let out = cli.run_env(
        &["add", "cluster", "a1"],
        None,
        &[("AIS_ENDPOINT", "http://127.0.0.1:9")],
    );
    assert_exit(&out, 1, &["add", "cluster", "a1"], "127.0.0.1:9");

    let r = cli.json(&[
        "add",
        "role",
        &role,
        "ro",
        "CREATE-BUCKET",
        "--cluster",
        &alias,
        "--description=operators",
    ]);
    assert_eq!(r["desc"].as_str(), Some("operators"));
    assert_eq!(r["clusters"][0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(
        r["clusters"][0]["perm"].as_str(),
        Some("17155"),
        "ro|CREATE-BUCKET on the wire"
    );
    let out = cli.ok(&["show", "role", &role]);
    for want in ["Role", "operators", "CLUSTER ID", &id, "ro,CREATE-BUCKET"] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let out = cli.ok(&["show", "role", &role, "--nv"]);
    assert!(
        out.stdout.starts_with("ROLE") && out.stdout.lines().count() == 2,
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "role"]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&role))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains("operators"), "{line}");
    let all = cli.json(&["show", "role"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == role.as_str()));
    // --cluster keeps the roles with entries on that cluster (by ID or alias).
    let other = unique("other");
    cli.ok(&["add", "role", &other, "rw", "--desc", "on all clusters"]);
    for filter in [alias.as_str(), id.as_str()] {
        let names: Vec<String> = cli
            .json(&["show", "role", "--cluster", filter])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        // (AuthN adds its own roles for a new cluster: BucketOwner-ALIAS and others.)
        assert!(
            names.contains(&role) && !names.contains(&other),
            "--cluster {filter}: {names:?}"
        );
    }
    let filtered = cli.json(&["show", "role", "--cluster", ","]);
    assert!(filtered
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == other.as_str()));
    assert!(!filtered
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == role.as_str()));
    let out = cli.ok(&["show", "role", "--verbose"]);
    assert!(
        out.stdout.contains("on all clusters") && out.stdout.contains("(all clusters)"),
        "{}",
        out.stdout
    );
    cli.fails(
        &["show", "role", "--cluster", "no-such-cluster"],
        "no-such-cluster",
    );

    let u = cli.json(&["add", "user", &user, &role, "-p", "first"]);
    assert_eq!(u["id"].as_str(), Some(user.as_str()));
    assert_eq!(u["roles"][0]["name"].as_str(), Some(role.as_str()));
    let out = cli.ok(&["show", "user"]);
    assert!(out.stdout.starts_with("NAME"), "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&user))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains(&role), "{line}");
    let out = cli.ok(&["show", "user", "-H"]);
    assert!(
        !out.stdout.contains("NAME") && out.stdout.contains(&user),
        "{}",
        out.stdout
    );
    let out = cli.ok(&["show", "user", &user]);
    for want in [
        "Name",
        &user,
        "Roles",
        &role,
        "CLUSTER ID",
        &id,
        "ro,CREATE-BUCKET",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let out = cli.ok(&["show", "user", &user, "--non-verbose", "--no-headers"]);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    let out = cli.ok(&["show", "user", "-v"]);
    assert!(
        out.stdout.contains(&format!("Name   {user}")),
        "{}",
        out.stdout
    );
    let users = cli.json(&["show", "user"]);
    assert!(
        users.get(&user).is_some() && users.get("admin").is_some(),
        "{users}"
    );
    assert_eq!(
        cli.json(&["show", "user", &user])["roles"][0]["name"].as_str(),
        Some(role.as_str())
    );
    cli.fails(&["add", "user", &user, "-p", "again"], "already exists");
    cli.fails(
        &["add", "user", &unique("u"), "ghost-role", "-p", "x"],
        "ghost-role",
    );

    // set user: a new password, new roles; `update` is `set`.
    let out = cli.ok(&["set", "user", &user, "-p", "second"]);
    assert!(
        out.stdout.contains(&format!("Updated user {user}")),
        "{}",
        out.stdout
    );
    cli.token_of(&user, "second");
    let u = cli.json(&["update", "user", &user, &other]);
    assert_eq!(u["roles"][0]["name"].as_str(), Some(other.as_str()));
    // Nothing to change, no terminal: nothing changes, exit 0 (as `ais auth set user`); a
    // piped line is not read as a password.
    let out = cli.run_with(&["set", "user", &user], Some("third\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Nothing to change"), "{}", out.stdout);
    cli.token_of(&user, "second");
    let out = cli.run_with(&["set", "user", &user, "--password-stdin"], Some("third\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    cli.token_of(&user, "third");

    // set role merges: same cluster, new permissions.
    cli.ok(&["set", "role", &role, "PUT", "--cluster", &id]);
    let r = cli.json(&["show", "role", &role]);
    assert_eq!(r["clusters"][0]["perm"].as_str(), Some("4"), "{r}");
    let r = cli.json(&["update", "role", &role, "--desc", "new words"]);
    assert_eq!(r["desc"].as_str(), Some("new words"));
    cli.exits(2, &["set", "role", &role], "changes nothing");

    // Buckets in the ais CLI's form, plain names as ais://.
    let bk = unique("bk");
    let r = cli.json(&[
        "add",
        "role",
        &bk,
        "rw",
        "--cluster",
        &alias,
        "--bucket",
        "s3://logs",
    ]);
    let bck = &r["buckets"][0]["bck"];
    assert_eq!(
        (bck["provider"].as_str(), bck["name"].as_str()),
        (Some("aws"), Some("logs")),
        "{r}"
    );
    let out = cli.ok(&["show", "role", &bk]);
    assert!(
        out.stdout.contains("s3://logs") && out.stdout.contains(&id),
        "{}",
        out.stdout
    );
    let r = cli.json(&[
        "set",
        "role",
        &bk,
        "ro",
        "--cluster",
        &alias,
        "--bucket=raw",
    ]);
    let buckets: Vec<(&str, &str)> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bck"]["provider"].as_str().unwrap(),
                b["bck"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(buckets, [("aws", "logs"), ("ais", "raw")], "{r}");
    // Arguments the SDK refuses are usage errors.
    cli.exits(
        2,
        &[
            "set",
            "role",
            &bk,
            "ro",
            "--cluster",
            &alias,
            "--bucket",
            "ftp://x",
        ],
        "unknown provider \"ftp\"",
    );
    cli.exits(
        2,
        &["add", "role", &unique("r"), "FLY", "--cluster", &id],
        "unknown permission \"FLY\"",
    );

    // set cluster: a new alias with --alias; URLs. A second word that is no URL is an error,
    // as with `ais auth set cluster` (cmd/cli/cli/auth_hdlr.go parseClusterSpecs).
    let renamed = unique("c");
    let c = cli.json(&["set", "cluster", &alias, "--alias", &renamed]);
    assert_eq!(c["alias"].as_str(), Some(renamed.as_str()));
    cli.exits(2, &["set", "cluster", &renamed, "c9"], "second alias");
    assert_eq!(
        cli.admin().cluster_manager().get(&id).unwrap().alias,
        renamed,
        "nothing renamed"
    );
    // (Not with URLs: AuthN v1.5.0 then contacts the cluster, and there is none here.)
    let again = unique("c");
    let c = cli.json(&["update", "cluster", &id, "--alias", &again]);
    assert_eq!(c["alias"].as_str(), Some(again.as_str()));
    let out = cli.ok(&["show", "cluster", &again]);
    assert!(out.stdout.contains(&id), "{}", out.stdout);
    cli.exits(2, &["set", "cluster", &id, "a1", "a2"], "second alias");

    // rm.
    let out = cli.ok(&["rm", "user", &user]);
    assert!(
        out.stdout.contains(&format!("Removed user {user}")),
        "{}",
        out.stdout
    );
    cli.fails(&["show", "user", &user], "does not exist");
    let out = cli.json(&["rm", "role", &role]);
    assert_eq!(
        (out["removed"].as_str(), out["name"].as_str()),
        (Some("role"), Some(role.as_str()))
    );
    cli.fails(&["rm", "role", &role], "does not exist");
    cli.ok(&["rm", "cluster", &again]);
    cli.fails(&["rm", "cluster", &again], "is not registered");
    assert!(cli.admin().cluster_manager().get(&id).is_err());
}

/// A stand-in AIS node on every interface that answers 200 to whatever AuthN sends it, and
/// remembers the request lines.
fn any_node() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    record.lock().unwrap().push(line.trim().to_owned());
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        if header.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = header.split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
                    if stream.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[test]
fn plain_http_cluster_urls_elsewhere_need_allow_plain_http() {
    let cli = Cli::new("plain");
    cli.login_admin();
    // http://0.0.0.0:port: this machine, but not loopback.
    let (url, seen) = any_node();
    let (id, alias) = (unique("id"), unique("c"));
    let add = ["add", "cluster", "--id", &id, &alias, &url];
    let out = cli.exits(2, &add, "--allow-plain-http");
    assert!(
        out.stderr.contains(&url),
        "the refusal names the URL: {}",
        out.stderr
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing reached the URL");
    cli.fails(&["show", "cluster", &alias], "not");

    let out = cli.ok(&[&add[..], &["--allow-plain-http"]].concat());
    assert!(
        out.stderr.contains("admin token") && out.stderr.contains(&url),
        "the URLs that receive the token are listed: {}",
        out.stderr
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|line| line.starts_with("POST /v1/tokens")),
        "{:?}",
        seen.lock().unwrap()
    );
    cli.exits(2, &["set", "cluster", &alias, &url], "--allow-plain-http");
    cli.ok(&["set", "cluster", &alias, &url, "--allow-plain-http"]);
}

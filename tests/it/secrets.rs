//! Passwords, tokens and the signing secret never show in this crate's logs (at TRACE), in
//! `Debug` or `Display` of its types, or in its errors. One test: it installs a process-wide
//! logger.

use std::time::Duration;

use crate::support::{make_tls_files, unique, TestServer};
use aistore_authn::env::Settings;
use aistore_authn::{AccessAttr, Client, ConfigUpdate, RoleInfo, RoleUpdate, Token};
use aistore_authn_testkit::LocalServer;

/// Everything a user could print: the `Debug` and `Display` of a result.
fn shown<T: std::fmt::Debug, E: std::fmt::Debug + std::fmt::Display>(
    out: &mut Vec<String>,
    r: &Result<T, E>,
) {
    match r {
        Ok(v) => out.push(format!("{v:?}")),
        Err(e) => out.push(format!("{e:?} / {e}")),
    }
}

#[test]
fn secrets_never_show() {
    crate::support::capture_logs();

    let server = TestServer::from_local(LocalServer::start().unwrap());
    let password = format!("Pw-{}", unique("secret"));
    let new_password = format!("Pw2-{}", unique("secret"));
    let new_secret = format!("Hmac-{}", unique("secret"));
    let mut out = Vec::new();

    let mut admin = server.anonymous();
    shown(
        &mut out,
        &admin
            .login(&server.admin_user, &server.admin_password, None)
            .map(drop),
    );
    let admin_token = admin.token().unwrap();
    out.push(format!("{admin:?}"));
    out.push(format!("{:?}", Token::parse(&admin_token).unwrap()));

    let c = admin
        .cluster_manager()
        .register_with_id(&unique("id"), &unique("c"), &[])
        .unwrap();
    let role = unique("r");
    shown(
        &mut out,
        &admin
            .role_manager()
            .create_role(&RoleInfo::new(&role, "d").with_cluster(&c.alias, AccessAttr::ACCESS_RO)),
    );
    let id = unique("u");
    shown(
        &mut out,
        &admin.user_manager().create(&id, &[&role], &password),
    );
    shown(
        &mut out,
        &admin.user_manager().create(&id, &[&role], &password),
    ); // already exists
    shown(
        &mut out,
        &admin
            .user_manager()
            .create(&unique("u"), &["ghost"], &password),
    ); // no role
    shown(
        &mut out,
        &admin.user_manager().ensure_user(&id, &[&role], &password),
    );
    shown(
        &mut out,
        &admin.user_manager().update(&id, Some(&new_password), None),
    );
    shown(&mut out, &admin.user_manager().list());

    let mut user = server.anonymous();
    shown(&mut out, &user.login(&id, &password, None)); // the old password: refused
    shown(
        &mut out,
        &user
            .login(&id, &new_password, Some(Duration::from_secs(600)))
            .map(drop),
    );
    let user_token = user.token().unwrap();
    shown(&mut out, &user.whoami());
    shown(&mut out, &user.user_manager().list()); // not an admin: 401
    shown(&mut out, &admin.token_manager().revoke(&user_token));
    shown(&mut out, &user.user_manager().get(&id)); // revoked: AuthN echoes the token
    shown(
        &mut out,
        &server
            .with_token(&format!("{user_token}x"))
            .user_manager()
            .get(&id),
    );

    // Everything else, with the admin's token on every request.
    let roles = admin.role_manager();
    shown(&mut out, &roles.list());
    shown(&mut out, &roles.get(&role));
    shown(
        &mut out,
        &roles.update(&role, &RoleUpdate::new().description("d2")),
    );
    shown(&mut out, &roles.ensure_role(&RoleInfo::new(&role, "d3")));
    shown(&mut out, &roles.get("ghost-role"));
    let clusters = admin.cluster_manager();
    shown(&mut out, &clusters.list());
    shown(&mut out, &clusters.get(&c.id));
    shown(&mut out, &clusters.update(&c.id, Some(&unique("c")), None));
    shown(&mut out, &clusters.register("x", &["http://127.0.0.1:1"]));
    let srv = admin.server_manager();
    shown(&mut out, &srv.oidc_configuration());
    shown(&mut out, &srv.jwks()); // HMAC mode: 400
    shown(&mut out, &srv.public_key());
    shown(&mut out, &srv.rotate_key());
    shown(
        &mut out,
        &admin.user_manager().delete(&unique("ghost"), false),
    );
    // The environment and the token file.
    let file = std::env::temp_dir().join(format!("authn-secrets-{}.token", std::process::id()));
    aistore_authn::env::save_token_file(&file, &admin_token).unwrap();
    let settings = |token: Option<String>| {
        let vars = |name: &str| match name {
            "AIS_AUTHN_URL" => Some(server.url.clone()),
            "AIS_AUTHN_TOKEN_FILE" => Some(file.display().to_string()),
            "AIS_AUTHN_TOKEN" => token.clone(),
            _ => None,
        };
        Settings::from_vars(vars, None)
    };
    for token in [
        None,
        Some(admin_token.clone()),
        Some(format!("{admin_token} x")),
    ] {
        let settings = settings(token);
        shown(&mut out, &settings);
        let client = settings
            .and_then(|s| s.into_builder())
            .and_then(|b| b.build());
        shown(&mut out, &client);
        if let Ok(client) = client {
            shown(&mut out, &client.whoami());
        }
    }
    std::fs::remove_file(&file).unwrap();
    shown(&mut out, &roles.delete(&role, false));
    shown(&mut out, &clusters.delete(&c.id, false));

    let config = admin.server_manager().config().unwrap();
    let old_secret = config.secret().unwrap().to_owned();
    out.push(format!("{config:?} {}", config.as_json()));
    // Serialized, the secret field is left out altogether.
    let written = serde_json::to_value(&config).unwrap();
    assert!(
        written["auth"].is_object() && written["auth"].get("secret").is_none(),
        "{written}"
    );
    out.push(written.to_string());
    let update = ConfigUpdate::new().secret(&new_secret);
    out.push(format!("{update:?}"));
    shown(&mut out, &admin.server_manager().set_config(&update));
    shown(&mut out, &admin.user_manager().list()); // the admin's token is now invalid
    shown(&mut out, &admin.logout());

    // Over HTTPS too, where the TLS layer has its own messages.
    let dir = std::env::temp_dir().join(format!("authn-secrets-{}", std::process::id()));
    let files = make_tls_files(&dir);
    let https = LocalServer::builder()
        .https(&files.server_cert, &files.server_key, &files.ca)
        .start()
        .unwrap();
    out.push(format!("{https:?}"));
    let mut tls = Client::builder(&https.url())
        .proxy_from_env(false)
        .build()
        .unwrap();
    shown(
        &mut out,
        &tls.login(https.admin_user(), https.admin_password(), None),
    ); // unknown CA
    let mut tls = Client::builder(&https.url())
        .proxy_from_env(false)
        .ca_cert_file(&files.ca)
        .build()
        .unwrap();
    shown(
        &mut out,
        &tls.login(https.admin_user(), https.admin_password(), None)
            .map(drop),
    );
    let https_token = tls.token().unwrap();
    out.push(format!("{tls:?}"));
    drop(https);
    let _ = std::fs::remove_dir_all(&dir);

    let secrets = [
        ("admin password", server.admin_password.as_str()),
        ("user password", &password),
        ("new password", &new_password),
        ("admin token", &admin_token),
        ("user token", &user_token),
        ("https token", &https_token),
        ("old HMAC secret", &old_secret),
        ("new HMAC secret", &new_secret),
    ];
    let lines = crate::support::log_lines();
    let ours: Vec<&String> = lines
        .iter()
        .filter(|(t, _)| t.starts_with("aistore_authn"))
        .map(|(_, l)| l)
        .collect();
    assert!(
        ours.len() > 20,
        "the crate logs its requests: {}",
        ours.len()
    );
    for (what, secret) in secrets {
        for line in &ours {
            assert!(!line.contains(secret), "{what} in a log line: {line}");
        }
        for text in &out {
            assert!(!text.contains(secret), "{what} in Debug/Display: {text}");
        }
    }
    // The README's warning holds: ureq's own TRACE output (target `ureq_proto`) dumps the wire
    // bytes in rows of 16, so it must be filtered out (`RUST_LOG=aistore_authn=debug,ureq=info`).
    let wire: Vec<u8> = lines
        .iter()
        .filter(|(t, _)| t.starts_with("ureq"))
        .filter_map(|(_, l)| {
            l.split_once(' ')
                .and_then(|(_, rest)| rest.split_once(' '))
                .map(|(_, row)| row)
        })
        .flat_map(|row| row.split(' ').take(8).collect::<Vec<_>>())
        .flat_map(|pair| {
            (0..pair.len() / 2)
                .filter_map(|i| u8::from_str_radix(&pair[2 * i..2 * i + 2], 16).ok())
                .collect::<Vec<u8>>()
        })
        .collect();
    let in_wire = |secret: &str| wire.windows(secret.len()).any(|w| w == secret.as_bytes());
    // Request headers and replies are dumped (bearer tokens, login replies); request bodies,
    // where passwords travel, are not (ureq-proto 0.7).
    assert!(
        in_wire(&admin_token) && in_wire(&user_token),
        "ureq no longer dumps headers at TRACE ({} bytes seen): update the README",
        wire.len()
    );
}

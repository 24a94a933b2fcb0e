//! Tokens, logout, revocation and identity against the real AuthN server.

use std::time::Duration;

use crate::support::{cluster, rsa_server, unique, TestServer};
use aistore_authn::{AccessAttr, Client, Error, RoleInfo, Token};
use aistore_authn_testkit::LocalServer;

fn unauthorized_message(client: &Client, id: &str) -> String {
    match client.user_manager().get(id) {
        Err(Error::Unauthorized { message, .. }) => message,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[test]
fn logout_revokes_the_token_and_forgets_it() {
    let server = TestServer::start();
    let id = unique("out");
    server
        .admin()
        .user_manager()
        .create(&id, &[], "pw")
        .unwrap();
    let mut client = server.anonymous();
    let token = client.login(&id, "pw", None).unwrap();
    assert_eq!(token.subject(), id);
    let token = token.as_str().to_owned();
    client.user_manager().get(&id).unwrap();

    client.logout().unwrap();
    assert_eq!(client.token(), None);
    if server.refuses_revoked_tokens() {
        let revoked = server.with_token(&token);
        let message = unauthorized_message(&revoked, &id);
        assert!(
            message.contains("revoked") && !message.contains(&token),
            "{message}"
        );
    }
    assert!(
        matches!(client.logout(), Err(Error::InvalidArgument(_))),
        "no token left"
    );

    // AuthN issues the same token for the same user, second and lifetime: log in again with
    // another lifetime to get a fresh one.
    let fresh = client
        .login(&id, "pw", Some(Duration::from_secs(3600)))
        .unwrap();
    assert_ne!(fresh.as_str(), token);
    client.user_manager().get(&id).unwrap();
}

#[test]
fn any_holder_can_revoke_any_token() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = unique("rev");
    admin.user_manager().create(&id, &[], "pw").unwrap();
    let user = server.login(&id, "pw");
    let token = user.token().unwrap();

    // No admin rights needed: an anonymous client revokes it.
    server.anonymous().token_manager().revoke(&token).unwrap();
    if server.refuses_revoked_tokens() {
        assert!(unauthorized_message(&user, &id).contains("revoked"));
    }
    // Revoking twice is fine; a token AuthN did not sign, or an empty one, is not.
    server.anonymous().token_manager().revoke(&token).unwrap();
    // (Servers before v1.4.4 answer 400 for a token they did not sign.)
    let err = admin.token_manager().revoke("not.a.token").unwrap_err();
    match server.older_than("v1.4.4") {
        true => assert!(matches!(err, Error::Api { status: 400, .. }), "{err:?}"),
        false => assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}"),
    }
    assert!(matches!(
        admin.token_manager().revoke(" "),
        Err(Error::InvalidArgument(_))
    ));
    // Other tokens keep working.
    admin.user_manager().get(&id).unwrap();
}

/// Logs in as admin and as a user with cluster and bucket ACLs on `server`; checks that both
/// tokens decode to the right claims and are accepted by the server.
fn tokens_decode_and_authorize(server: &TestServer, algorithm: &str) -> (Token, Token) {
    let admin = server.admin();
    let admin_token = Token::parse(&admin.token().unwrap()).unwrap();
    assert_eq!(
        (admin_token.algorithm(), admin_token.subject()),
        (algorithm, server.admin_user.as_str())
    );
    assert!(admin_token.is_admin() && !admin_token.is_expired());
    assert!(
        admin_token.claims().clusters.is_empty(),
        "admin tokens carry no ACLs"
    );
    let left = admin_token.time_left();
    assert!(
        left > Duration::from_secs(23 * 3600) && left <= Duration::from_secs(24 * 3600),
        "{left:?}"
    );
    admin.user_manager().list().unwrap();

    let c = cluster(&admin);
    let role = unique("r");
    let spec = RoleInfo::new(&role, "")
        .with_cluster(&c.alias, AccessAttr::ACCESS_RO)
        .with_bucket(&c.alias, "ais", "b1", AccessAttr::ACCESS_RW);
    admin.role_manager().create_role(&spec).unwrap();
    let id = unique("u");
    admin.user_manager().create(&id, &[&role], "pw").unwrap();
    let user = server.login(&id, "pw");
    let token = Token::parse(&user.token().unwrap()).unwrap();
    let claims = token.claims();
    assert_eq!(
        (token.algorithm(), claims.subject.as_str(), claims.admin),
        (algorithm, id.as_str(), false)
    );
    if server.older_than("v1.4.4") {
        // Before v1.4.4 tokens name neither their issuer nor their clusters.
        assert_eq!(
            (claims.issuer.as_str(), claims.audience.as_slice()),
            ("", [String::new()].as_slice())
        );
    } else {
        assert!(claims.audience.contains(&c.id), "{:?}", claims.audience);
        assert!(claims.issuer.starts_with("http"), "{}", claims.issuer);
    }
    assert_eq!(claims.clusters.len(), 1);
    assert_eq!(
        (claims.clusters[0].id.as_str(), claims.clusters[0].perm),
        (c.id.as_str(), AccessAttr::ACCESS_RO)
    );
    assert_eq!(claims.buckets.len(), 1);
    assert_eq!(claims.buckets[0].bucket.name, "b1");
    assert_eq!(claims.buckets[0].bucket.namespace.uuid, c.id);
    assert_eq!(claims.buckets[0].perm, AccessAttr::ACCESS_RW);
    user.user_manager().get(&id).unwrap();
    assert!(!format!("{token:?}").contains(token.as_str()));
    (admin_token, token)
}

#[test]
fn hmac_tokens_decode_and_authorize() {
    let server = TestServer::from_local(LocalServer::start().unwrap());
    let (admin, _) = tokens_decode_and_authorize(&server, "HS256");
    assert_eq!(admin.key_id(), None);
}

#[test]
fn rsa_tokens_decode_and_authorize() {
    let Some(server) = rsa_server() else {
        return;
    };
    let (admin, user) = tokens_decode_and_authorize(&server, "RS256");
    let kids: Vec<String> = server
        .anonymous()
        .server_manager()
        .jwks()
        .unwrap()
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    for token in [&admin, &user] {
        let kid = token.key_id().expect("RS256 tokens name their key");
        assert!(kids.iter().any(|k| k == kid), "{kid} in {kids:?}");
    }
}

#[test]
fn whoami_shows_claims_and_current_roles() {
    let server = TestServer::start();
    let admin = server.admin();
    let c = cluster(&admin);
    let (r1, r2) = (unique("r"), unique("r"));
    for (r, perm) in [(&r1, AccessAttr::GET), (&r2, AccessAttr::ACCESS_RW)] {
        admin
            .role_manager()
            .create(r, "", &c.alias, perm, None)
            .unwrap();
    }
    let id = unique("who");
    admin.user_manager().create(&id, &[&r1], "pw").unwrap();
    let me = server.login(&id, "pw");

    let who = me.whoami().unwrap();
    assert_eq!(
        (who.claims.subject.as_str(), who.user.id.as_str()),
        (id.as_str(), id.as_str())
    );
    assert_eq!(who.user.roles.names().collect::<Vec<_>>(), [r1.as_str()]);
    // Roles change on the server; the token does not until the next login.
    admin
        .user_manager()
        .update(&id, None, Some(&[&r2]))
        .unwrap();
    let who = me.whoami().unwrap();
    assert_eq!(who.user.roles.names().collect::<Vec<_>>(), [r2.as_str()]);
    let perms: Vec<AccessAttr> = who.claims.clusters.iter().map(|a| a.perm).collect();
    assert_eq!(perms, [AccessAttr::GET], "the token still carries r1's ACL");
    let relogged = server.login(&id, "pw").whoami().unwrap();
    let perms: Vec<AccessAttr> = relogged.claims.clusters.iter().map(|a| a.perm).collect();
    assert_eq!(perms, [AccessAttr::ACCESS_RW], "a new login carries r2's");

    let admin_who = admin.whoami().unwrap();
    assert!(admin_who.claims.admin && admin_who.user.is_admin());
    assert!(matches!(
        server.anonymous().whoami(),
        Err(Error::InvalidArgument(_))
    ));
    let err = server.with_token("garbage").whoami().unwrap_err();
    assert!(matches!(err, Error::InvalidToken(_)), "{err:?}");
}

//! Offline verification (feature `verify`) of tokens from the real AuthN server, in both
//! signing modes, and the refusals: tampered, foreign, unsigned, confused, expired, garbage.
//!
//! Run with `cargo test --features verify --test verify` (the `[[test]]` entry in Cargo.toml
//! requires the feature; `.ci/run` runs it).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{self, cluster, unique, TestServer};
use aistore_authn::{
    AccessAttr, Bucket, Client, DenyReason, Error, RejectReason, RoleInfo, Token, VerifiedToken,
    Verifier,
};
use aistore_authn_testkit::LocalServer;
use base64::Engine as _;
use proptest::prelude::{any, prop_assert};

fn hmac_server() -> TestServer {
    TestServer::from_local(LocalServer::start().unwrap())
}

/// An RSA server, or `None` (the skip recorded) before v1.4.2, which has no RSA signing, and
/// before `since` when the test needs more (the public key and rotation: v1.4.4).
fn rsa_server(since: &str) -> Option<TestServer> {
    let server = support::rsa_server()?;
    server
        .requires(since, "the public key and key rotation")
        .then_some(server)
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn unb64(part: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap()
}

/// `header.claims.signature`, each part as a string.
fn parts(jwt: &str) -> [String; 3] {
    let p: Vec<&str> = jwt.split('.').collect();
    assert_eq!(p.len(), 3, "not a JWT");
    [p[0].to_owned(), p[1].to_owned(), p[2].to_owned()]
}

/// The token's claims as JSON.
fn claims_json(jwt: &str) -> serde_json::Value {
    serde_json::from_slice(&unb64(&parts(jwt)[1])).unwrap()
}

/// A token with this header and these claims, HMAC-SHA256-signed with `secret`.
fn sign_hs256(header: &serde_json::Value, claims: &serde_json::Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

/// The same token with its claims replaced and its signature kept.
fn with_claims(jwt: &str, claims: &serde_json::Value) -> String {
    let [header, _, signature] = parts(jwt);
    format!(
        "{header}.{}.{signature}",
        b64(claims.to_string().as_bytes())
    )
}

fn rejected(result: Result<VerifiedToken, Error>) -> RejectReason {
    match result {
        Err(Error::TokenRejected {
            reason, message, ..
        }) => {
            assert!(!message.is_empty());
            reason
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A user on `admin`'s server with a role: read-only on a new cluster, read-write on its
/// bucket `s3://logs`. Returns the user's client and the cluster's ID.
fn user_with_role(server: &TestServer, admin: &Client) -> (Client, String) {
    let c = cluster(admin);
    let role = unique("r");
    let spec = RoleInfo::new(&role, "verify test")
        .with_cluster(&c.alias, AccessAttr::ACCESS_RO | AccessAttr::LIST_BUCKETS)
        .with_bucket(&c.alias, "s3", "logs", AccessAttr::ACCESS_RW);
    admin.role_manager().create_role(&spec).unwrap();
    let id = unique("u");
    admin.user_manager().create(&id, &[&role], "pw").unwrap();
    (server.login(&id, "pw"), c.id)
}

/// What a verified user token from [`user_with_role`] must say and allow.
fn check_user_token(token: &VerifiedToken, user: &Client, cluster_id: &str) {
    let jwt = user.token().unwrap();
    assert_eq!(token.token().as_str(), jwt);
    assert_eq!(token.claims(), Token::parse(&jwt).unwrap().claims());
    assert!(!token.is_admin());
    assert!(token.expires_at() > SystemTime::now() + Duration::from_secs(3600));
    let logs = Bucket::parse("s3://logs").unwrap();
    let raw = Bucket::parse("ais://raw").unwrap();
    assert!(token.allows(cluster_id, Some(&logs), AccessAttr::PUT));
    assert!(token.allows(cluster_id, Some(&raw), AccessAttr::GET));
    assert!(token.allows(cluster_id, None, AccessAttr::LIST_BUCKETS));
    let denied = token
        .check(cluster_id, Some(&raw), AccessAttr::PUT)
        .unwrap_err();
    assert_eq!(
        (denied.reason, denied.missing),
        (DenyReason::ClusterAclLacks, AccessAttr::PUT)
    );
    let denied = token
        .check("another-cluster", Some(&logs), AccessAttr::GET)
        .unwrap_err();
    assert_eq!(denied.reason, DenyReason::NoClusterAcl);
    assert!(!format!("{token:?}").contains(&jwt));
}

#[test]
fn hmac_tokens_verify_with_the_servers_secret() {
    let server = hmac_server();
    let admin = server.admin();
    let config = admin.server_manager().config().unwrap();
    let verifier = Verifier::hmac(config.secret().unwrap()).unwrap();
    assert!(!format!("{verifier:?}").contains(config.secret().unwrap()));

    let (user, cluster_id) = user_with_role(&server, &admin);
    let token = verifier.verify(&user.token().unwrap()).unwrap();
    check_user_token(&token, &user, &cluster_id);

    // The admin's token: allowed everything, on any cluster.
    let admin_token = verifier.verify(&admin.token().unwrap()).unwrap();
    assert!(admin_token.is_admin());
    assert_eq!(admin_token.subject(), server.admin_user);
    assert!(admin_token.allows("any", None, AccessAttr::ACCESS_SU));

    // Issuer and audience, as the server writes them (servers before v1.4.4 write neither).
    if !server.requires("v1.4.4", "the iss and aud claims") {
        return;
    }
    let issuer = admin.server_manager().oidc_configuration().unwrap().issuer;
    let jwt = user.token().unwrap();
    let strict = verifier.clone().issuer(&issuer).audience(&cluster_id);
    assert_eq!(strict.verify(&jwt).unwrap().subject(), token.subject());
    assert_eq!(
        rejected(verifier.clone().issuer("https://elsewhere").verify(&jwt)),
        RejectReason::WrongIssuer
    );
    assert_eq!(
        rejected(verifier.clone().audience("another-cluster").verify(&jwt)),
        RejectReason::WrongAudience
    );
}

#[test]
fn altered_foreign_unsigned_expired_and_garbage_tokens_are_refused() {
    let server = hmac_server();
    let admin = server.admin();
    let secret = admin
        .server_manager()
        .config()
        .unwrap()
        .secret()
        .unwrap()
        .to_owned();
    let verifier = Verifier::hmac(&secret).unwrap();
    let (user, _) = user_with_role(&server, &admin);
    let jwt = user.token().unwrap();
    verifier.verify(&jwt).unwrap();

    // The payload re-encoded with admin: true, the signature kept.
    let mut claims = claims_json(&jwt);
    claims["admin"] = true.into();
    let promoted = with_claims(&jwt, &claims);
    assert!(Token::parse(&promoted).unwrap().is_admin());
    assert_eq!(
        rejected(verifier.verify(&promoted)),
        RejectReason::BadSignature
    );

    // Another server's token, and this server's token under another server's secret.
    let other = hmac_server();
    let other_admin = other.admin();
    let other_secret = other_admin.server_manager().config().unwrap();
    let other_verifier = Verifier::hmac(other_secret.secret().unwrap()).unwrap();
    assert_eq!(
        rejected(verifier.verify(&other_admin.token().unwrap())),
        RejectReason::BadSignature
    );
    assert_eq!(
        rejected(other_verifier.verify(&jwt)),
        RejectReason::BadSignature
    );

    // alg: none, with the real claims and no signature (or the real one).
    let [_, payload, signature] = parts(&jwt);
    let none = b64(br#"{"alg":"none","typ":"JWT"}"#);
    for unsigned in [
        format!("{none}.{payload}."),
        format!("{none}.{payload}.{signature}"),
    ] {
        assert_eq!(
            rejected(verifier.verify(&unsigned)),
            RejectReason::WrongAlgorithm
        );
    }

    // Signed with the right secret, but expired a minute ago.
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    let mut claims = claims_json(&jwt);
    claims["exp"] = (unix_now() - 60).into();
    claims["iat"] = (unix_now() - 3600).into();
    let expired = sign_hs256(&header, &claims, secret.as_bytes());
    assert_eq!(rejected(verifier.verify(&expired)), RejectReason::Expired);
    // A verifier with a leeway over a minute still takes it.
    verifier
        .clone()
        .leeway(Duration::from_secs(120))
        .verify(&expired)
        .unwrap();
    // Issued in the future: AIStore does not check `iat`, nor does the verifier; the server
    // takes the token too.
    claims["exp"] = (unix_now() + 3600).into();
    claims["iat"] = (unix_now() + 600).into();
    let future_iat = sign_hs256(&header, &claims, secret.as_bytes());
    verifier.verify(&future_iat).unwrap();
    server.with_token(&future_iat).whoami().unwrap();
    // Not valid before a time to come: refused by both.
    claims["nbf"] = (unix_now() + 600).into();
    let future_nbf = sign_hs256(&header, &claims, secret.as_bytes());
    assert_eq!(
        rejected(verifier.verify(&future_nbf)),
        RejectReason::NotYetValid
    );
    // The crafted token with sane times verifies: the refusals above are the times'.
    claims["iat"] = unix_now().into();
    claims["nbf"] = unix_now().into();
    verifier
        .verify(&sign_hs256(&header, &claims, secret.as_bytes()))
        .unwrap();

    // The server agrees: it refuses the altered, the expired and the not-yet-valid token.
    for bad in [&promoted, &expired, &future_nbf] {
        let err = server.with_token(bad).whoami().unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    }

    for garbage in [
        "",
        "garbage",
        "a.b.c",
        "...",
        "eyJ.eyJ.eyJ",
        "\u{0}\u{7f}é.x.y",
    ] {
        assert_eq!(
            rejected(verifier.verify(garbage)),
            RejectReason::Malformed,
            "{garbage:?}"
        );
    }
}

#[test]
fn rsa_tokens_verify_with_the_pem_the_jwks_and_the_server() {
    let Some(server) = rsa_server("v1.4.4") else {
        return;
    };
    let admin = server.admin();
    let keys = admin.server_manager();
    let pem = keys.public_key().unwrap();
    let by_pem = Verifier::rsa_public_key_pem(&pem).unwrap();
    let by_jwks = Verifier::from_jwks(&keys.jwks().unwrap()).unwrap();
    let by_server = Verifier::from_server(&server.anonymous().server_manager()).unwrap();

    let (user, cluster_id) = user_with_role(&server, &admin);
    let jwt = user.token().unwrap();
    assert_eq!(Token::parse(&jwt).unwrap().algorithm(), "RS256");
    for verifier in [&by_pem, &by_jwks, &by_server] {
        check_user_token(&verifier.verify(&jwt).unwrap(), &user, &cluster_id);
        assert!(verifier.verify(&admin.token().unwrap()).unwrap().is_admin());
        let mut claims = claims_json(&jwt);
        claims["admin"] = true.into();
        assert_eq!(
            rejected(verifier.verify(&with_claims(&jwt, &claims))),
            RejectReason::BadSignature
        );
    }

    // The classic confusion: the public key (which anyone may read) as an HMAC secret.
    // A token signed that way is refused by the RSA verifiers, whatever its kid...
    let kid = Token::parse(&jwt).unwrap().key_id().unwrap().to_owned();
    let forged = sign_hs256(
        &serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &claims_json(&jwt),
        pem.as_bytes(),
    );
    for verifier in [&by_pem, &by_jwks, &by_server] {
        assert_eq!(
            rejected(verifier.verify(&forged)),
            RejectReason::WrongAlgorithm
        );
    }
    // ...and an RSA token is refused by an HMAC verifier holding the PEM as its secret.
    let confused = Verifier::hmac(&pem).unwrap();
    assert_eq!(
        rejected(confused.verify(&jwt)),
        RejectReason::WrongAlgorithm
    );
    // The forged token passes only a verifier that has the PEM as an HMAC secret: proof
    // the forgery is real, and that only the algorithm pin stops it.
    confused.verify(&forged).unwrap();

    // Another RSA server's key: a bad signature for one key, an unknown kid for a key set.
    let other = rsa_server("v1.4.4").unwrap();
    let other_keys = other.anonymous();
    let other_pem =
        Verifier::rsa_public_key_pem(&other_keys.server_manager().public_key().unwrap()).unwrap();
    let other_jwks = Verifier::from_jwks(&other_keys.server_manager().jwks().unwrap()).unwrap();
    assert_eq!(rejected(other_pem.verify(&jwt)), RejectReason::BadSignature);
    assert_eq!(rejected(other_jwks.verify(&jwt)), RejectReason::UnknownKey);
    // ... the same with that server's kid written into this server's token.
    let [_, payload, signature] = parts(&jwt);
    let other_kid = Token::parse(&other.admin().token().unwrap())
        .unwrap()
        .key_id()
        .unwrap()
        .to_owned();
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": other_kid});
    let relabeled = format!(
        "{}.{payload}.{signature}",
        b64(header.to_string().as_bytes())
    );
    assert_eq!(
        rejected(other_jwks.verify(&relabeled)),
        RejectReason::BadSignature
    );

    // A server in HMAC mode has no key set.
    let hmac = hmac_server();
    let err = Verifier::from_server(&hmac.anonymous().server_manager()).unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, .. }), "{err:?}");
}

#[test]
fn after_a_key_rotation_the_server_verifier_fetches_the_new_key_once() {
    let Some(server) = rsa_server("v1.4.4") else {
        return;
    };
    let admin = server.admin();
    let keys = admin.server_manager();
    let old_pem = Verifier::rsa_public_key_pem(&keys.public_key().unwrap()).unwrap();
    let old_jwks = Verifier::from_jwks(&keys.jwks().unwrap()).unwrap();
    let anonymous = server.anonymous();
    let following = Verifier::from_server(&anonymous.server_manager())
        .unwrap()
        .min_refetch_interval(Duration::ZERO);
    // This one refetches at most once an hour: after its first refetch, it is stuck.
    let slow = Verifier::from_server(&anonymous.server_manager()).unwrap();
    let (user, cluster_id) = user_with_role(&server, &admin);
    let old_token = user.token().unwrap();
    let old_kid = Token::parse(&old_token)
        .unwrap()
        .key_id()
        .unwrap()
        .to_owned();

    // An unknown kid: one refetch for it, then no more for the same kid.
    let [_, payload, signature] = parts(&old_token);
    let unknown = |kid: &str| {
        let header = serde_json::json!({"alg": "RS256", "kid": kid});
        format!(
            "{}.{payload}.{signature}",
            b64(header.to_string().as_bytes())
        )
    };
    let message = |result| match result {
        Err(Error::TokenRejected {
            reason: RejectReason::UnknownKey,
            message,
            ..
        }) => message,
        other => panic!("{other:?}"),
    };
    let first = message(following.verify(&unknown("no-such-key")));
    assert!(first.contains("even refetched"), "{first}");
    let again = message(following.verify(&unknown("no-such-key")));
    assert!(again.contains("refetched once already"), "{again}");
    let slow = slow.min_refetch_interval(Duration::from_secs(3600));
    let first = message(slow.verify(&unknown("no-such-key")));
    assert!(first.contains("even refetched"), "{first}");
    let throttled = message(slow.verify(&unknown("another-key")));
    assert!(throttled.contains("s ago"), "{throttled}");

    keys.rotate_key().unwrap();
    let mut fresh = server.anonymous();
    fresh
        .login(
            &user.token_claims().unwrap().subject,
            "pw",
            Some(Duration::from_secs(900)),
        )
        .unwrap();
    let new_token = fresh.token().unwrap();
    let new_kid = Token::parse(&new_token)
        .unwrap()
        .key_id()
        .unwrap()
        .to_owned();
    assert_ne!(new_kid, old_kid);

    // The following verifier fetches the new key, and still has the old one.
    let verified = following.verify(&new_token).unwrap();
    assert_eq!(verified.token().key_id(), Some(new_kid.as_str()));
    // That refetch did not forget the key IDs refetched for before it.
    let again = message(following.verify(&unknown("no-such-key")));
    assert!(again.contains("refetched once already"), "{again}");
    assert!(verified.allows(
        &cluster_id,
        Some(&Bucket::parse("s3://logs").unwrap()),
        AccessAttr::PUT
    ));
    following.verify(&old_token).unwrap();
    assert!(format!("{following:?}").contains(&new_kid));
    // The fixed ones know only the old key; the throttled one cannot fetch the new one yet.
    assert_eq!(
        rejected(old_jwks.verify(&new_token)),
        RejectReason::UnknownKey
    );
    assert_eq!(
        rejected(old_pem.verify(&new_token)),
        RejectReason::BadSignature
    );
    assert_eq!(rejected(slow.verify(&new_token)), RejectReason::UnknownKey);
    old_jwks.verify(&old_token).unwrap();
    slow.verify(&old_token).unwrap();
}

/// An RSA key pair from the `openssl` command: (PKCS#1 `RSAPrivateKey` DER, SPKI PEM,
/// PKCS#1 PEM).
fn openssl_rsa_key(dir: &std::path::Path) -> (Vec<u8>, String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("this test makes an RSA key with the openssl command ({e}); install it (apt-get install openssl)"));
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-outform",
        "DER",
        "-out",
        "key.der",
    ]);
    run(&[
        "pkey", "-inform", "DER", "-in", "key.der", "-pubout", "-out", "spki.pem",
    ]);
    run(&[
        "rsa",
        "-inform",
        "DER",
        "-in",
        "key.der",
        "-RSAPublicKey_out",
        "-out",
        "pkcs1.pem",
    ]);
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    (
        read("key.der"),
        String::from_utf8(read("spki.pem")).unwrap(),
        String::from_utf8(read("pkcs1.pem")).unwrap(),
    )
}

#[test]
fn rs384_and_rs512_verify_and_are_pinned_per_key() {
    // AuthN signs RS256 only; AIStore accepts RS384 and RS512 too, so the verifier does,
    // checked here with a key and signatures made outside AuthN.
    let dir = std::env::temp_dir().join(format!("aistore-authn-verify-{}", std::process::id()));
    let (private, spki, pkcs1) = openssl_rsa_key(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let pair = ring::rsa::KeyPair::from_der(&private).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let claims = serde_json::json!({"sub": "alice", "exp": unix_now() + 600, "clusters": null});
    let sign = |alg: &str, kid: Option<&str>| {
        let mut header = serde_json::json!({"alg": alg, "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = kid.into();
        }
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let padding: &'static dyn ring::signature::RsaEncoding = match alg {
            "RS256" => &ring::signature::RSA_PKCS1_SHA256,
            "RS384" => &ring::signature::RSA_PKCS1_SHA384,
            _ => &ring::signature::RSA_PKCS1_SHA512,
        };
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(padding, &rng, input.as_bytes(), &mut sig)
            .unwrap();
        format!("{input}.{}", b64(&sig))
    };
    for pem in [&spki, &pkcs1] {
        let verifier = Verifier::rsa_public_key_pem(pem).unwrap();
        for alg in ["RS256", "RS384", "RS512"] {
            let token = verifier.verify(&sign(alg, None)).unwrap();
            assert_eq!((token.subject(), token.token().algorithm()), ("alice", alg));
        }
        // A SHA-384 signature under a header that says RS512 (the header re-encoded).
        let [_, payload, signature] = parts(&sign("RS384", None));
        let header = b64(br#"{"alg":"RS512","typ":"JWT"}"#);
        assert_eq!(
            rejected(verifier.verify(&format!("{header}.{payload}.{signature}"))),
            RejectReason::BadSignature
        );
    }

    // A JWKS entry that names RS256 accepts RS256 only; one without alg takes all three.
    let components: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
    let (n, e) = (b64(&components.n), b64(&components.e));
    let jwks = serde_json::json!({"keys": [
        {"kid": "k-256", "kty": "RSA", "alg": "RS256", "n": n, "e": e},
        {"kid": "k-any", "kty": "RSA", "n": n, "e": e},
    ]});
    let verifier = Verifier::from_jwks(&serde_json::from_value(jwks).unwrap()).unwrap();
    for alg in ["RS256", "RS384", "RS512"] {
        verifier.verify(&sign(alg, Some("k-any"))).unwrap();
        let pinned = verifier.verify(&sign(alg, Some("k-256")));
        if alg == "RS256" {
            pinned.unwrap();
        } else {
            assert_eq!(rejected(pinned), RejectReason::WrongAlgorithm, "{alg}");
        }
    }
}

/// A real RSA token with any one character changed never verifies; nothing panics.
#[test]
fn a_changed_real_token_never_verifies() {
    let Some(server) = rsa_server("v1.4.2") else {
        return;
    };
    let jwt = server.admin().token().unwrap();
    let jwks = server.anonymous().server_manager().jwks().unwrap();
    let verifier = Verifier::from_jwks(&jwks).unwrap();
    verifier.verify(&jwt).unwrap();
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(512));
    runner
        .run(&(any::<usize>(), "[A-Za-z0-9_.=-]"), |(at, c)| {
            let at = at % jwt.len();
            let mut changed = jwt.clone();
            changed.replace_range(at..=at, &c);
            if changed != jwt {
                prop_assert!(verifier.verify(&changed).is_err(), "{changed}");
            }
            Ok(())
        })
        .unwrap();
}

//! Property tests: nothing a server or a user can send makes this crate panic, and the
//! permission encodings round-trip.

use std::time::Duration;

use proptest::prelude::*;

use crate::error::{from_status, Entity};
use crate::model::server::{parse_go_duration, ServerConfig};
use crate::model::token::tests::jwt;
use crate::secret::redact_tokens;
use crate::transport::names::{check_new_name, segment};
use crate::{
    AccessAttr, Bucket, ClusterMap, Error, Jwks, OidcConfiguration, RoleInfo, RolesList, Token,
    UserInfo, UserMap,
};

/// Bytes shaped like JSON often enough to reach past the first character.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "[\\[\\]{}\":,a-z0-9 ._\\-]{0,200}".prop_map(String::into_bytes),
        (
            "[a-z_]{1,8}",
            prop_oneof![
                Just("null".to_owned()),
                "\"[a-z0-9]{0,6}\"",
                "-?[0-9]{1,25}",
                Just("[]".to_owned()),
                Just("{}".to_owned())
            ]
        )
            .prop_map(|(k, v)| format!(
                r#"{{"{k}":{v},"id":"a","name":"b","roles":{v},"clusters":{v},"perm":{v}}}"#
            )
            .into_bytes()),
    ]
}

fn entity(choice: u8, name: &str) -> Entity<'_> {
    match choice % 5 {
        0 => Entity::None,
        1 => Entity::User(name),
        2 => Entity::Role(name),
        3 => Entity::Cluster(name),
        _ => Entity::Login(name),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn error_replies_never_panic_and_keep_tokens_out(
        status in 300u16..600,
        body in jsonish(),
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
        choice in any::<u8>(),
        name in ".{0,20}",
        token in "[A-Za-z0-9._-]{8,40}",
        pad in 0usize..1200,
    ) {
        // The token after up to 1200 bytes, so that it also straddles the message cut.
        let mut with_token = body.clone();
        with_token.extend(std::iter::repeat_n(b'x', pad));
        with_token.extend_from_slice(token.as_bytes());
        for b in [&body, &with_token] {
            let e = from_status(status, b, method, "/v1/x", entity(choice, &name), &[Some(&token)]);
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains(&token), "{}", shown);
            if let Error::Api { message, .. } | Error::Unauthorized { message, .. } | Error::Forbidden { message, .. } = &e {
                prop_assert!(message.len() <= 1024 + 3);
            }
            let _ = (e.status(), e.is_not_found());
        }
    }

    #[test]
    fn replies_decode_or_fail_without_panicking(body in jsonish()) {
        let _ = serde_json::from_slice::<UserInfo>(&body);
        let _ = serde_json::from_slice::<UserMap>(&body);
        let _ = serde_json::from_slice::<RoleInfo>(&body);
        let _ = serde_json::from_slice::<RolesList>(&body);
        let _ = serde_json::from_slice::<ClusterMap>(&body);
        let _ = serde_json::from_slice::<OidcConfiguration>(&body);
        let _ = serde_json::from_slice::<Jwks>(&body);
    }

    #[test]
    fn roles_lists_come_out_sorted(names in proptest::collection::vec("[a-zA-Z0-9]{1,6}", 0..12)) {
        let json = serde_json::to_string(&names.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>()).unwrap();
        let list: RolesList = serde_json::from_str(&json).unwrap();
        let got: Vec<&str> = list.names().collect();
        prop_assert!(got.windows(2).all(|w| w[0] <= w[1]));
        for n in &names {
            prop_assert!(list.get(n).is_some());
        }
    }

    #[test]
    fn tokens_parse_or_fail_without_panicking(text in ".{0,200}", claims in jsonish()) {
        let _ = Token::parse(&text);
        if let Ok(t) = Token::parse(&jwt(&String::from_utf8_lossy(&claims))) {
            let _ = (t.is_expired(), t.time_left(), format!("{t:?}"));
        }
    }

    #[test]
    fn any_access_set_displays_and_parses_back(bits in any::<u64>()) {
        let p = AccessAttr::from_bits(bits);
        prop_assert_eq!(AccessAttr::parse(&p.to_string()).unwrap(), p);
        let wire = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(wire.clone(), format!("\"{bits}\""));
        prop_assert_eq!(serde_json::from_str::<AccessAttr>(&wire).unwrap(), p);
    }

    #[test]
    fn bucket_uris_parse_or_fail_and_round_trip(
        text in ".{0,40}",
        scheme in "(ais|s3|aws|gs|gcp|az|azure|oc|oci)",
        uuid in "[A-Za-z0-9_.-]{0,8}",
        ns in "[A-Za-z0-9_.-]{0,8}",
        name in "[A-Za-z0-9_.-]{1,12}",
    ) {
        if let Ok(b) = Bucket::parse(&text) {
            prop_assert_eq!(Bucket::parse(&b.to_string()).unwrap(), b);
        }
        let at = if uuid.is_empty() { String::new() } else { format!("@{uuid}") };
        let hash = if ns.is_empty() { String::new() } else { format!("#{ns}") };
        let slash = if at.is_empty() && hash.is_empty() { "" } else { "/" };
        let uri = format!("{scheme}://{at}{hash}{slash}{name}");
        let b = Bucket::parse(&uri).unwrap();
        prop_assert_eq!((&b.namespace.uuid, &b.namespace.name, &b.name), (&uuid, &ns, &name));
        prop_assert_eq!(Bucket::parse(&b.to_string()).unwrap(), b);
    }

    #[test]
    fn access_text_never_panics(
        text in ".{0,60}",
        number in "[-+]?[0-9]{1,25}([.][0-9]{1,3})?(e[0-9])?",
    ) {
        let _ = AccessAttr::parse(&text);
        let _ = serde_json::from_str::<AccessAttr>(&format!("{text:?}"));
        // The wire decoder, on quoted and bare numbers of every shape: what it accepts is
        // exactly a u64.
        for json in [format!("\"{number}\""), number.clone()] {
            if let Ok(p) = serde_json::from_str::<AccessAttr>(&json) {
                prop_assert_eq!(Ok(p.bits()), number.parse::<u64>());
            }
        }
    }

    #[test]
    fn text_helpers_never_panic(text in ".{0,120}") {
        let once = redact_tokens(&text);
        prop_assert_eq!(redact_tokens(&once), once.clone());
        let _ = parse_go_duration(&text);
        let _ = check_new_name("user ID", &text);
        if let Ok(seg) = segment("user ID", &text) {
            prop_assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        }
    }

    #[test]
    fn server_durations_never_panic(parts in proptest::collection::vec(
        ("[0-9]{1,22}(\\.[0-9]{1,4})?", prop::sample::select(vec!["h", "m", "s", "ms", "us", "µs", "ns", "x", ""])),
        1..5,
    )) {
        let text: String = parts.iter().map(|(n, u)| format!("{n}{u}")).collect();
        if let Some(d) = parse_go_duration(&text) {
            prop_assert!(d >= Duration::ZERO);
        }
    }

    #[test]
    fn configuration_replies_never_panic(
        secret in prop_oneof![Just(serde_json::Value::Null), any::<String>().prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from)],
        expiry in prop_oneof![Just(serde_json::json!(null)), "[0-9]{1,20}[hms]{1,2}".prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from)],
        level in prop_oneof![Just(serde_json::json!("3")), any::<String>().prop_map(serde_json::Value::from), any::<u64>().prop_map(serde_json::Value::from)],
        port in prop_oneof![any::<u64>().prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from), any::<String>().prop_map(serde_json::Value::from)],
        https in prop_oneof![any::<bool>().prop_map(serde_json::Value::from), any::<String>().prop_map(serde_json::Value::from)],
        shape in 0u8..4,
    ) {
        let json = match shape {
            0 => serde_json::json!({"auth": {"secret": secret, "expiration_time": expiry,
                "max_token_age": expiry}, "log": {"level": level},
                "net": {"http": {"port": port, "use_https": https}}}),
            1 => serde_json::json!({"auth": secret, "log": level, "net": port}),
            2 => serde_json::json!([secret, expiry]),
            _ => serde_json::json!({"auth": {"secret": {"nested": secret}}}),
        };
        let config = ServerConfig::from_json(json);
        let _ = (config.expiration_time(), config.max_token_age(), config.log_level());
        let _ = (config.port(), config.uses_https(), format!("{config:?}"));
        let shown = serde_json::to_value(&config).unwrap();
        prop_assert!(shown.pointer("/auth/secret").is_none() || config.secret().is_none());
    }
}

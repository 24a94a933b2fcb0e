//! The server's configuration: `show config`, `set config`.

use aistore_authn::ConfigUpdate;
use serde_json::{json, Value};

use super::{parse_duration, Ctx};
use crate::output;
use crate::Failure;

pub(super) fn show(ctx: &Ctx, prefix: Option<String>) -> Result<(), Failure> {
    let config = ctx.logged_in()?.server_manager().config()?;
    // as_json shows the HMAC secret as [redacted].
    if ctx.json {
        output::json(config.as_json());
        return Ok(());
    }
    let prefix = prefix.unwrap_or_default();
    let rows: Vec<Vec<String>> = output::flatten(config.as_json())
        .into_iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, value)| vec![name, value])
        .collect();
    if rows.is_empty() && !prefix.is_empty() {
        return Err(Failure::usage(format!(
            "no configuration name starts with {prefix:?}"
        )));
    }
    ctx.table(&["PROPERTY", "VALUE"], &rows);
    Ok(())
}

pub(super) fn set(
    ctx: &Ctx,
    mut pairs: Vec<String>,
    secret_stdin: bool,
    secret_file: Option<std::path::PathBuf>,
) -> Result<(), Failure> {
    let secret = match (secret_stdin, &secret_file) {
        (true, _) => Some(crate::prompt::line_from_stdin("--secret-stdin")?),
        (false, Some(file)) => Some(crate::prompt::line_from_file(file, "--secret-file")?),
        (false, None) => None,
    };
    if let Some(secret) = secret {
        if pairs
            .iter()
            .any(|p| p.trim_start().starts_with("auth.secret"))
        {
            return Err(Failure::usage(
                "auth.secret is given twice: as NAME=VALUE and by --secret-stdin/--secret-file",
            ));
        }
        pairs.push(format!("auth.secret={secret}"));
    }
    let (update, shown) = config_update(&pairs)?;
    ctx.logged_in()?.server_manager().set_config(&update)?;
    if ctx.json {
        let map: serde_json::Map<String, Value> = shown
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect();
        output::json(&json!({ "updated": map }));
    } else {
        let list: Vec<String> = shown.iter().map(|(n, v)| format!("{n}={v}")).collect();
        output::line(&format!("Updated {}", list.join(", ")));
    }
    if shown.iter().any(|(n, _)| n == "auth.secret") {
        eprintln!(
            "ais-authn: note: tokens issued before the new secret, the saved one \
             included, no longer work: log in again"
        );
    }
    Ok(())
}

/// `NAME=VALUE` or `NAME VALUE` pairs for `set config`: the update, and what it sets (the
/// secret shown as `[redacted]`).
fn config_update(pairs: &[String]) -> Result<(ConfigUpdate, Vec<(String, String)>), Failure> {
    let mut update = ConfigUpdate::new();
    let mut shown = Vec::new();
    let mut items = pairs.iter();
    while let Some(item) = items.next() {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name.trim().to_owned(), value.trim().to_owned()),
            None => {
                let value = items.next().ok_or_else(|| {
                    Failure::usage(format!("set config {item}: the value is missing"))
                })?;
                (item.trim().to_owned(), value.trim().to_owned())
            }
        };
        if value.is_empty() {
            return Err(Failure::usage(format!(
                "set config {name}: the value is empty"
            )));
        }
        let shown_value = match name.as_str() {
            "auth.expiration_time" => {
                let lifetime = parse_duration(&value).map_err(|why| {
                    Failure::usage(format!("auth.expiration_time={value}: {why}"))
                })?;
                update = update.expiration_time(lifetime);
                value
            }
            "log.level" => {
                let level: u8 = value.parse().map_err(|_| {
                    Failure::usage(format!("log.level={value}: a number from 0 to 5"))
                })?;
                update = update.log_level(level);
                value
            }
            "auth.secret" => {
                update = update.secret(&value);
                "[redacted]".to_owned()
            }
            other => {
                return Err(Failure::usage(format!(
                    "{other:?} cannot be set: AuthN v1.5.0 changes auth.expiration_time, \
                     log.level and auth.secret"
                )))
            }
        };
        shown.push((name, shown_value));
    }
    Ok((update, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_pairs() {
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (_, shown) =
            config_update(&words(&["auth.expiration_time=2h", "log.level", "4"])).unwrap();
        assert_eq!(
            shown,
            [
                ("auth.expiration_time".to_owned(), "2h".to_owned()),
                ("log.level".to_owned(), "4".to_owned())
            ]
        );
        let (_, shown) = config_update(&words(&["auth.secret", "s3cr3t"])).unwrap();
        assert_eq!(shown[0].1, "[redacted]");
        for bad in [
            &["log.level"][..],
            &["log.level="],
            &["log.level=loud"],
            &["net.http.port=1"],
            &["auth.expiration_time=soon"],
        ] {
            assert!(
                matches!(config_update(&words(bad)), Err(Failure::Usage(_))),
                "{bad:?}"
            );
        }
    }
}

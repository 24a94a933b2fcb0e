//! Clusters: `show cluster`, `add cluster`, `set cluster`.

use aistore_authn::env::{cli_config_dir, CLI_CONFIG_FILE};
use aistore_authn::ClusterInfo;

use super::Ctx;
use crate::Failure;

pub(super) fn show(ctx: &Ctx, id: Option<String>) -> Result<(), Failure> {
    let client = ctx.client()?;
    let clusters = client.cluster_manager();
    match id {
        Some(id) => print_clusters(ctx, &[clusters.get(&id)?], true),
        None => {
            let all: Vec<ClusterInfo> = clusters.list()?.into_values().collect();
            print_clusters(ctx, &all, false)
        }
    }
}

pub(super) fn add(
    ctx: &Ctx,
    args: Vec<String>,
    id: Option<String>,
    allow_plain_http: bool,
) -> Result<(), Failure> {
    let (urls, names) = split_urls(&args);
    let alias = match names.as_slice() {
        [] => "",
        [alias] => alias,
        [_, extra, ..] => {
            return Err(Failure::usage(format!(
                "either an invalid URL or a second alias: {extra:?} (URLs start with \
                 http:// or https://)"
            )))
        }
    };
    let client = ctx.logged_in()?;
    let clusters = client.cluster_manager().allow_plain_http(allow_plain_http);
    let cluster = match &id {
        Some(id) => clusters.register_with_id(id, alias, &urls)?,
        // No URL: the cluster the ais CLI is configured for, as `ais auth add cluster ALIAS`.
        None if urls.is_empty() => clusters.register(alias, &[&ais_endpoint()?])?,
        None => clusters.register(alias, &urls)?,
    };
    tell_what_urls_receive(&cluster.urls);
    print_clusters(ctx, &[cluster], true)
}

pub(super) fn set(
    ctx: &Ctx,
    cluster: String,
    args: Vec<String>,
    alias: Option<String>,
    allow_plain_http: bool,
) -> Result<(), Failure> {
    // As `ais auth set cluster` (cmd/cli/cli/auth_hdlr.go parseClusterSpecs): after the
    // cluster come URLs; a word that is no URL is an error there too. A new alias: --alias.
    let (urls, names) = split_urls(&args);
    if let Some(word) = names.first() {
        return Err(Failure::usage(format!(
            "either an invalid URL or a second alias: {word:?} (URLs start with http:// or \
             https://; a new alias is given with --alias)"
        )));
    }
    let alias = alias.as_deref();
    let new_urls = !urls.is_empty();
    let urls = new_urls.then_some(urls.as_slice());
    let cluster = ctx
        .logged_in()?
        .cluster_manager()
        .allow_plain_http(allow_plain_http)
        .update(&cluster, alias, urls)?;
    if new_urls {
        tell_what_urls_receive(&cluster.urls);
    }
    print_clusters(ctx, &[cluster], true)
}

/// The AIS cluster the ais CLI talks to, which `ais auth add cluster ALIAS` registers when
/// given no URL (cmd/cli/cli/init.go getClusterEndpoint, cmd/cli/config/config.go defaults):
/// `AIS_ENDPOINT`, else `cluster.url` in the ais CLI's cli.json, else its default.
fn ais_endpoint() -> Result<String, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut cli_json = None;
    if let Some(path) = cli_config_dir().map(|dir| dir.join(CLI_CONFIG_FILE)) {
        match std::fs::read_to_string(&path) {
            Ok(text) => cli_json = Some((path, text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::failed(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        }
    }
    let https = var("AIS_USE_HTTPS").is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "1" | "t" | "true" | "y" | "yes" | "on"
        )
    });
    let text = cli_json.as_ref().map(|(_, text)| text.as_str());
    endpoint(var("AIS_ENDPOINT"), text, https).map_err(|e| {
        let path = cli_json.map(|(path, _)| path.display().to_string());
        Failure::failed(format!("cannot read {}: {e}", path.unwrap_or_default()))
    })
}

/// The first of: `env` (`AIS_ENDPOINT`), `cluster.url` in `cli_json`, and the ais CLI's
/// default `http://127.0.0.1:8080` (`https://` with `AIS_USE_HTTPS`).
fn endpoint(
    env: Option<String>,
    cli_json: Option<&str>,
    https: bool,
) -> Result<String, serde_json::Error> {
    if let Some(url) = env {
        return Ok(url);
    }
    if let Some(text) = cli_json {
        let config: serde_json::Value = serde_json::from_str(text)?;
        if let Some(url) = config["cluster"]["url"].as_str().filter(|u| !u.is_empty()) {
            return Ok(url.to_owned());
        }
    }
    let scheme = if https { "https" } else { "http" };
    Ok(format!("{scheme}://127.0.0.1:8080"))
}

/// Says on stderr which URLs AuthN contacts and what it hands them (see
/// `ClusterManager::register_with_id`).
fn tell_what_urls_receive(urls: &[String]) {
    if !urls.is_empty() {
        eprintln!(
            "AuthN hands each of these URLs an admin token (valid 5 minutes), now and on every \
             token revocation, and what checks its tokens (a hash of its HMAC secret, or its \
             public key):"
        );
        for url in urls {
            eprintln!("  {url}");
        }
    }
}

/// A table, or JSON: an object for `one` named cluster, else an array (of any length).
pub(super) fn print_clusters(
    ctx: &Ctx,
    clusters: &[ClusterInfo],
    one: bool,
) -> Result<(), Failure> {
    if ctx.json {
        return match clusters {
            [single] if one => ctx.print_json(single),
            all => ctx.print_json(all),
        };
    }
    let rows: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| vec![c.id.clone(), c.alias.clone(), c.urls.join(", ")])
        .collect();
    ctx.table(&["CLUSTER ID", "ALIAS", "URLs"], &rows);
    Ok(())
}

/// The words that are URLs (`http://`, `https://`, any case) and the others.
fn split_urls(words: &[String]) -> (Vec<&str>, Vec<&str>) {
    words.iter().map(String::as_str).partition(|w| {
        let lower = w.to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    })
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn the_ais_clis_cluster_endpoint() {
        let json = r#"{"cluster": {"url": "https://ais.example:51080"}, "auth": {}}"#;
        let env = Some("http://10.0.0.1:8080".to_owned());
        assert_eq!(
            endpoint(env, Some(json), false).unwrap(),
            "http://10.0.0.1:8080"
        );
        assert_eq!(
            endpoint(None, Some(json), false).unwrap(),
            "https://ais.example:51080"
        );
        assert_eq!(
            endpoint(None, Some("{}"), false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            endpoint(None, None, true).unwrap(),
            "https://127.0.0.1:8080"
        );
        assert!(endpoint(None, Some("{not json"), false).is_err());
    }
}

//! Clusters: `show cluster`, `add cluster`, `set cluster`.

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
        None if urls.is_empty() => {
            return Err(Failure::usage(
                "add cluster needs the cluster's URL (to ask it for its ID), or --id",
            ))
        }
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
    // As `ais auth set cluster`: a word that is no URL is the new alias (or --alias).
    let (urls, names) = split_urls(&args);
    let alias = match (names.as_slice(), alias.as_deref()) {
        ([], alias) => alias,
        ([alias], None) => Some(*alias),
        _ => {
            return Err(Failure::usage(
                "set cluster takes one new alias (or --alias) and URLs",
            ))
        }
    };
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

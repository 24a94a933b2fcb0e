//! Buckets as AIStore names them, and the `provider://name` URIs of the `ais` CLI.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Each backend provider as AIS stores it, with the short URI scheme the `ais` CLI prints for
/// it. Both spellings are accepted wherever a provider is read.
const PROVIDERS: [(&str, &str); 5] = [
    ("ais", "ais"),
    ("aws", "s3"),
    ("gcp", "gs"),
    ("azure", "az"),
    ("oci", "oc"),
];

/// The provider name AIS stores (`aws`) for a provider or its URI scheme (`aws` or `s3`, in any
/// case); `None` for anything else.
pub(crate) fn provider_name(provider: &str) -> Option<&'static str> {
    PROVIDERS
        .iter()
        .find(|(long, short)| {
            provider.eq_ignore_ascii_case(long) || provider.eq_ignore_ascii_case(short)
        })
        .map(|(long, _)| *long)
}

/// The URI scheme the `ais` CLI prints for a stored provider name (`s3` for `aws`); an unknown
/// provider as it is, and an empty one as `ais` (AIS's default provider).
fn uri_scheme(provider: &str) -> &str {
    if provider.is_empty() {
        return "ais";
    }
    PROVIDERS
        .iter()
        .find(|(long, _)| *long == provider)
        .map_or(provider, |(_, short)| short)
}

/// A bucket as AIStore names it: provider, name and namespace.
///
/// [`Bucket::parse`] reads the `ais` CLI's URIs (`s3://logs`) and `Display` writes them;
/// [`Bucket::new`] builds one from its parts. On the wire (serde) it is AIS's
/// `{"name", "provider", "namespace": {"uuid", "name"}}`.
///
/// # Example
/// ```
/// use aistore_authn::Bucket;
///
/// let logs = Bucket::parse("s3://logs")?;
/// assert_eq!((logs.provider.as_str(), logs.name.as_str()), ("aws", "logs"));
/// assert_eq!(logs.to_string(), "s3://logs");
/// assert_eq!(logs, Bucket::new("aws", "logs"));
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Bucket {
    /// The bucket name.
    pub name: String,
    /// The backend provider as AIS stores it: `ais`, `aws`, `gcp`, `azure` or `oci`.
    #[serde(default)]
    pub provider: String,
    /// The namespace. In a role's bucket ACL its `uuid` is the ID of the cluster that holds
    /// the bucket.
    #[serde(default)]
    pub namespace: Namespace,
}

/// A bucket namespace: the cluster (`uuid`) and the namespace within it (`name`), written
/// `@uuid#name` in a bucket URI.
///
/// # Example
/// ```
/// use aistore_authn::Bucket;
///
/// let remote = Bucket::parse("ais://@c1-uuid#prod/raw")?;
/// let namespace = &remote.namespace;
/// assert_eq!((namespace.uuid.as_str(), namespace.name.as_str()), ("c1-uuid", "prod"));
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Namespace {
    /// The ID of the cluster.
    #[serde(default)]
    pub uuid: String,
    /// The namespace name within the cluster; usually empty.
    #[serde(default)]
    pub name: String,
}

impl Namespace {
    /// True for the global namespace (no cluster, no name), which a URI does not show.
    fn is_global(&self) -> bool {
        self.uuid.is_empty() && self.name.is_empty()
    }
}

impl Bucket {
    /// The bucket `name` of `provider`, in the global namespace. The provider may be given by
    /// its URI scheme: `s3`, `gs`, `az` and `oc` become `aws`, `gcp`, `azure` and `oci`, as
    /// AIS stores them. Nothing is checked (an unknown provider is kept as given); use
    /// [`Bucket::parse`] for text from users.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::Bucket;
    ///
    /// let models = Bucket::new("gs", "models");
    /// assert_eq!(models.provider, "gcp");
    /// assert_eq!(models.to_string(), "gs://models");
    /// ```
    pub fn new(provider: &str, name: &str) -> Bucket {
        Bucket {
            name: name.to_owned(),
            provider: provider_name(provider).unwrap_or(provider).to_owned(),
            namespace: Namespace::default(),
        }
    }

    /// Parses a bucket URI as the `ais` CLI writes it: `ais://name`, `s3://name`,
    /// `gs://name`, `az://name`, `oc://name`, or with the long provider names (`aws://`,
    /// `gcp://`, `azure://`, `oci://`). The provider is stored by its long name, as AIS does:
    /// `s3://logs` is provider `aws`. A namespace goes before the name:
    /// `ais://@uuid#namespace/name`, `ais://@uuid/name` or `ais://#namespace/name`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `uri` for: no `://` (a plain name: use `ais://name`),
    /// an unknown provider, an empty bucket name, a name with `/`, an empty namespace part
    /// (`@` or `#` followed by nothing), or a namespace without `/name` after it.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::{Bucket, Error};
    ///
    /// let b = Bucket::parse("az://images")?;
    /// assert_eq!((b.provider.as_str(), b.name.as_str()), ("azure", "images"));
    /// let b = Bucket::parse("ais://@c1-uuid/raw")?;
    /// assert_eq!((b.namespace.uuid.as_str(), b.name.as_str()), ("c1-uuid", "raw"));
    ///
    /// assert!(matches!(Bucket::parse("logs"), Err(Error::InvalidArgument(_))));
    /// assert!(matches!(Bucket::parse("ftp://logs"), Err(Error::InvalidArgument(_))));
    /// # Ok::<(), aistore_authn::Error>(())
    /// ```
    pub fn parse(uri: &str) -> Result<Bucket, Error> {
        let bad = |why: &str| Error::InvalidArgument(format!("bucket {uri:?}: {why}"));
        let Some((scheme, rest)) = uri.split_once("://") else {
            return Err(bad(
                "not a bucket URI: use ais://name (or s3://, gs://, az://, oc://)",
            ));
        };
        let provider = provider_name(scheme).ok_or_else(|| {
            bad(&format!(
                "unknown provider {scheme:?}: use ais, s3 (aws), gs (gcp), az (azure) or oc (oci)"
            ))
        })?;
        let (namespace, name) = if rest.starts_with(['@', '#']) {
            let (namespace, name) = rest.split_once('/').ok_or_else(|| {
                bad("a namespace is followed by the bucket name: ais://@uuid#namespace/name")
            })?;
            (parse_namespace(namespace).map_err(bad)?, name)
        } else {
            (Namespace::default(), rest)
        };
        if name.is_empty() {
            return Err(bad("no bucket name"));
        }
        if name.contains('/') {
            return Err(bad("a bucket name has no '/'"));
        }
        Ok(Bucket {
            name: name.to_owned(),
            provider: provider.to_owned(),
            namespace,
        })
    }
}

/// `@uuid#name`, `@uuid` or `#name`.
fn parse_namespace(text: &str) -> Result<Namespace, &'static str> {
    let (uuid, name) = match text.strip_prefix('@') {
        Some(rest) => match rest.split_once('#') {
            Some((uuid, name)) => (uuid, Some(name)),
            None => (rest, None),
        },
        None => ("", text.strip_prefix('#')),
    };
    if text.starts_with('@') && uuid.is_empty() {
        return Err("'@' is followed by the cluster UUID");
    }
    if name == Some("") {
        return Err("'#' is followed by the namespace name");
    }
    Ok(Namespace {
        uuid: uuid.to_owned(),
        name: name.unwrap_or_default().to_owned(),
    })
}

/// The bucket as a URI with the `ais` CLI's short scheme: `s3://logs`, `gs://models`,
/// `ais://@uuid#namespace/raw`. [`Bucket::parse`] reads it back. An unknown provider is
/// written as it is, an empty one as `ais`.
///
/// # Example
/// ```
/// use aistore_authn::Bucket;
///
/// for uri in ["ais://raw", "s3://logs", "gs://models", "az://images", "oc://backups"] {
///     assert_eq!(Bucket::parse(uri)?.to_string(), uri);
/// }
/// assert_eq!(Bucket::parse("aws://logs")?.to_string(), "s3://logs");
/// # Ok::<(), aistore_authn::Error>(())
/// ```
impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut uri = format!("{}://", uri_scheme(&self.provider));
        let namespace = &self.namespace;
        if !namespace.uuid.is_empty() {
            uri.push('@');
            uri.push_str(&namespace.uuid);
        }
        if !namespace.name.is_empty() {
            uri.push('#');
            uri.push_str(&namespace.name);
        }
        if !namespace.is_global() {
            uri.push('/');
        }
        uri.push_str(&self.name);
        f.pad(&uri)
    }
}

impl FromStr for Bucket {
    type Err = Error;
    /// As [`Bucket::parse`].
    fn from_str(uri: &str) -> Result<Bucket, Error> {
        Bucket::parse(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(b: &Bucket) -> (&str, &str, &str, &str) {
        (
            b.provider.as_str(),
            b.name.as_str(),
            b.namespace.uuid.as_str(),
            b.namespace.name.as_str(),
        )
    }

    #[test]
    fn parses_every_provider_spelling() {
        for (uri, provider) in [
            ("ais://b", "ais"),
            ("s3://b", "aws"),
            ("aws://b", "aws"),
            ("gs://b", "gcp"),
            ("gcp://b", "gcp"),
            ("az://b", "azure"),
            ("azure://b", "azure"),
            ("oc://b", "oci"),
            ("oci://b", "oci"),
            ("S3://b", "aws"),
        ] {
            let b = Bucket::parse(uri).unwrap();
            assert_eq!(parts(&b), (provider, "b", "", ""), "{uri}");
            assert_eq!(uri.parse::<Bucket>().unwrap(), b);
        }
    }

    #[test]
    fn display_writes_the_cli_scheme_and_round_trips() {
        for (uri, shown) in [
            ("ais://raw", "ais://raw"),
            ("s3://logs", "s3://logs"),
            ("aws://logs", "s3://logs"),
            ("gcp://m", "gs://m"),
            ("azure://i", "az://i"),
            ("oci://x", "oc://x"),
            ("ais://@uuid-1#prod/raw", "ais://@uuid-1#prod/raw"),
            ("ais://@uuid-1/raw", "ais://@uuid-1/raw"),
            ("ais://#prod/raw", "ais://#prod/raw"),
            ("s3://@uuid-1/logs.2024_01", "s3://@uuid-1/logs.2024_01"),
        ] {
            let b = Bucket::parse(uri).unwrap();
            assert_eq!(b.to_string(), shown, "{uri}");
            assert_eq!(Bucket::parse(shown).unwrap(), b, "{shown}");
        }
        assert_eq!(
            parts(&Bucket::parse("ais://@u1#ns/raw").unwrap()),
            ("ais", "raw", "u1", "ns")
        );
        assert_eq!(
            format!("[{:<12}]", Bucket::new("s3", "logs")),
            "[s3://logs   ]"
        );
    }

    #[test]
    fn display_of_stored_buckets() {
        // What a server or a caller may have stored, not only what parse makes.
        let mut b = Bucket::new("", "raw");
        assert_eq!(b.to_string(), "ais://raw", "AIS's default provider");
        b.provider = "ht".into();
        assert_eq!(b.to_string(), "ht://raw", "an unknown provider as it is");
        b.provider = "aws".into();
        b.namespace.uuid = "c1".into();
        assert_eq!(b.to_string(), "s3://@c1/raw");
    }

    #[test]
    fn new_shares_the_provider_table() {
        for (given, stored) in [
            ("s3", "aws"),
            ("gs", "gcp"),
            ("az", "azure"),
            ("oc", "oci"),
            ("ais", "ais"),
            ("aws", "aws"),
            ("ht", "ht"),
        ] {
            assert_eq!(Bucket::new(given, "b").provider, stored, "{given}");
        }
    }

    #[test]
    fn refusals_name_the_input() {
        for (uri, why) in [
            ("logs", "use ais://name"),
            ("", "use ais://name"),
            ("ais:/logs", "use ais://name"),
            ("ftp://logs", "unknown provider \"ftp\""),
            ("://logs", "unknown provider \"\""),
            ("ais://", "no bucket name"),
            ("s3://a/b", "no '/'"),
            ("s3://logs/", "no '/'"),
            ("ais://@/b", "cluster UUID"),
            ("ais://@u1#/b", "namespace name"),
            ("ais://#/b", "namespace name"),
            ("ais://@u1", "followed by the bucket name"),
            ("ais://@u1/", "no bucket name"),
            ("ais://@u1/a/b", "no '/'"),
        ] {
            match Bucket::parse(uri) {
                Err(Error::InvalidArgument(m)) => assert!(
                    m.contains(&format!("{uri:?}")) && m.contains(why),
                    "{uri}: {m}"
                ),
                other => panic!("{uri}: {other:?}"),
            }
        }
    }

    #[test]
    fn wire_shape_is_ais_bck() {
        let b = Bucket::parse("s3://@u1/logs").unwrap();
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"name": "logs", "provider": "aws", "namespace": {"uuid": "u1", "name": ""}})
        );
    }
}

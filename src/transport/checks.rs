//! What is checked before anything is sent: that a base URL is one the client can use, that a
//! URL is safe to send a token to, and that a token fits in a header.

use crate::error::Error;

/// Whether `host` (a name or an IP address, without brackets) is this machine's loopback:
/// `localhost`, `*.localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Whether a bearer token may be sent to `url` without anyone on the way reading it: to this
/// machine's loopback, or over TLS whose certificate is checked (`certificates_checked`:
/// with `skip_verify`, an `https://` server may be anyone).
pub(crate) fn token_safe_to_send(url: &str, certificates_checked: bool) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let host = uri.host().unwrap_or_default();
    (uri.scheme_str() == Some("https") && certificates_checked) || is_loopback_host(host)
}

/// Whether the host of a URL (IPv6 in brackets) is this machine's loopback.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    is_loopback(host.trim_start_matches('[').trim_end_matches(']'))
}

/// Trims trailing slashes and refuses URLs the client cannot use safely.
pub(crate) fn normalize_base_url(url: &str) -> Result<String, Error> {
    // A URL with `user:password@` is never repeated in an error.
    let shown = if url.contains('@') {
        "(not shown: it has an @)"
    } else {
        url
    };
    let invalid = |why: &str| Err(Error::InvalidArgument(format!("base URL {shown:?} {why}")));
    let rest = match url.strip_prefix("https://") {
        Some(rest) if cfg!(any(feature = "rustls", feature = "native-tls")) => rest,
        Some(_) => return invalid("is https, but this build has no TLS feature"),
        None => match url.strip_prefix("http://") {
            Some(rest) => rest,
            None => return invalid("must start with http:// or https://"),
        },
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return invalid("has no host");
    }
    if authority.contains('@') {
        return invalid("must not contain credentials");
    }
    if url.contains(['?', '#']) {
        return invalid("must not have a query or fragment");
    }
    if url.parse::<ureq::http::Uri>().is_err() {
        return invalid("is not a valid URL");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A token must fit in an `Authorization` header: visible ASCII only.
pub(crate) fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidArgument(
            "the token is empty or has characters an HTTP header cannot carry".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("http://h:52001/").unwrap(),
            "http://h:52001"
        );
        assert_eq!(
            normalize_base_url("https://h/authn/").unwrap(),
            "https://h/authn"
        );
        for bad in [
            "h:52001",
            "http://",
            "http:///x",
            "http://u:p@h",
            "ftp://u:p@h",
            "http://h/?a",
            "http://h/#x",
            "ftp://h",
            "http://h h",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn credentials_in_a_bad_url_are_not_repeated() {
        for url in ["http://u:s3cr3t@h", "ftp://u:s3cr3t@h", "h:s3cr3t@x"] {
            let e = normalize_base_url(url).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn tokens_go_only_over_tls_or_loopback() {
        for safe in [
            "https://ais:8080",
            "http://127.0.0.1:8080",
            "http://[::1]:1",
            "http://localhost",
        ] {
            assert!(token_safe_to_send(safe, true), "{safe}");
        }
        for unsafe_ in ["http://ais:8080", "http://10.0.0.1:8080", "not a url"] {
            assert!(!token_safe_to_send(unsafe_, true), "{unsafe_}");
        }
        // With certificate checks off, an https server may be anyone: loopback only.
        assert!(!token_safe_to_send("https://ais:8080", false));
        assert!(token_safe_to_send("https://127.0.0.1:8080", false));
        assert!(token_safe_to_send("http://localhost", false));
    }
}

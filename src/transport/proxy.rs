//! Which proxy a request goes through, chosen from the environment as Go's and curl's clients
//! choose one.

use crate::error::Error;
use crate::transport::checks::is_loopback;

/// A non-empty environment variable.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The proxy for requests to `url`, from the environment (`var` reads it), as Go's and curl's
/// clients choose one: `HTTPS_PROXY` for `https://` and `HTTP_PROXY` for `http://` targets
/// (either case), else `ALL_PROXY`; none for loopback targets (`localhost`, `127.0.0.0/8`,
/// `::1`), whatever is set; none for hosts `NO_PROXY` names (`*`, a host, or a domain, with
/// or without a leading `.` or `*.`, matching its subdomains too).
///
/// # Errors
/// [`Error::Config`] naming the variable whose value is not a proxy URL.
pub(crate) fn proxy_for(
    url: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ureq::Proxy>, Error> {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return Ok(None);
    };
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if is_loopback(host) || no_proxy_matches(host, var("NO_PROXY").or_else(|| var("no_proxy"))) {
        return Ok(None);
    }
    let names: &[&str] = match uri.scheme_str() {
        Some("https") => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    let Some((name, value)) = names.iter().find_map(|n| var(n).map(|v| (*n, v))) else {
        return Ok(None);
    };
    ureq::Proxy::new(value.trim()).map(Some).map_err(|_| {
        // The value may hold proxy credentials: name the variable, not its value.
        Error::Config(format!(
            "{name} is not a proxy URL (http://host:port, socks5://...)"
        ))
    })
}

/// Whether a `NO_PROXY` list names `host`.
fn no_proxy_matches(host: &str, list: Option<String>) -> bool {
    let Some(list) = list else { return false };
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            // A port in the entry (`host:8080`) is ignored, as for any port.
            let entry = match entry.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
                    h.to_owned()
                }
                _ => entry,
            };
            let domain = entry.trim_start_matches('*').trim_start_matches('.');
            host == domain || host.ends_with(&format!(".{domain}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        let var = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        proxy_for(url, var)
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn proxies_are_chosen_by_scheme_and_never_for_loopback() {
        let all = [
            ("HTTP_PROXY", "http://hp:1"),
            ("HTTPS_PROXY", "http://sp:2"),
            ("ALL_PROXY", "http://ap:3"),
        ];
        assert_eq!(proxy("http://authn:52001", &all).as_deref(), Some("hp:1"));
        assert_eq!(proxy("https://authn:52001", &all).as_deref(), Some("sp:2"));
        // Only the other scheme's variable: no proxy (ureq itself would use it).
        assert_eq!(
            proxy("http://authn", &[("HTTPS_PROXY", "http://sp:2")]),
            None
        );
        assert_eq!(
            proxy("https://authn", &[("http_proxy", "http://hp:1")]),
            None
        );
        assert_eq!(
            proxy("https://authn", &[("all_proxy", "http://ap:3")]).as_deref(),
            Some("ap:3")
        );
        for loopback in [
            "http://127.0.0.1:52001",
            "http://127.8.9.10",
            "http://[::1]:52001",
            "https://localhost:52001",
            "http://api.localhost",
        ] {
            assert_eq!(proxy(loopback, &all), None, "{loopback}");
        }
        assert_eq!(
            proxy("http://10.0.0.1:52001", &all).as_deref(),
            Some("hp:1")
        );
    }

    #[test]
    fn no_proxy_lists() {
        let with = |list: &str| {
            let vars = [("HTTP_PROXY", "http://hp:1"), ("NO_PROXY", list)];
            proxy("http://authn.corp.example:52001", &vars)
        };
        for bypass in [
            "*",
            "authn.corp.example",
            "corp.example",
            ".corp.example",
            "*.example",
            "other, AUTHN.corp.example:52001",
        ] {
            assert_eq!(with(bypass), None, "{bypass}");
        }
        for kept in ["authn.corp", "rp.example", "other.example", "10.0.0.1"] {
            assert_eq!(with(kept).as_deref(), Some("hp:1"), "{kept}");
        }
    }

    #[test]
    fn a_bad_proxy_names_the_variable_not_the_value() {
        let e = proxy_for("http://authn", |n: &str| {
            (n == "HTTP_PROXY").then(|| "ftp://u:s3cr3t@x y".to_owned())
        })
        .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            shown.contains("HTTP_PROXY") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}

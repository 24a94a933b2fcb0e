//! Which proxy a request goes through, chosen from the environment as Go's and curl's clients
//! choose one.

use std::net::IpAddr;

use crate::error::Error;
use crate::transport::checks::is_loopback;

/// A non-empty environment variable.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The proxy for requests to `url`, from the environment (`var` reads it), as Go's and curl's
/// clients choose one: `HTTPS_PROXY` for `https://` and `HTTP_PROXY` for `http://` targets
/// (either case), else `ALL_PROXY`; none for loopback targets (`localhost`, `127.0.0.0/8`,
/// `::1`), whatever is set; none for targets `NO_PROXY` names, read as Go's
/// `golang.org/x/net/http/httpproxy` reads it (and so the `ais` CLI): see [`NoProxy`].
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
    let https = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let no_proxy = NoProxy::parse(
        &var("NO_PROXY")
            .or_else(|| var("no_proxy"))
            .unwrap_or_default(),
    );
    if is_loopback(host) || no_proxy.matches(host, port) {
        return Ok(None);
    }
    let names: &[&str] = match https {
        true => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        false => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
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

/// A `NO_PROXY` list, entry by entry as Go's `httpproxy` reads it: `*` (every host); an IPv4
/// or IPv6 range (`10.0.0.0/8`, `fd00::/8`); an IP address (`10.1.2.3`, `::1`), with or
/// without a port (`10.1.2.3:8080`, `[fd00::1]:8080`); a domain (`corp.example` matches it
/// and its subdomains; `.corp.example` and `*.corp.example` only the subdomains), with or
/// without a port. An entry with a port matches only that port (80 or 443 when the URL has
/// none). IP entries match only IP targets; domain entries are suffixes of the target as
/// written, an IP address included (`1.2.3` matches `10.1.2.3`, as in Go).
#[derive(Debug, Default)]
pub(crate) struct NoProxy {
    all: bool,
    ranges: Vec<(IpAddr, u8)>,
    ips: Vec<(IpAddr, Option<u16>)>,
    /// (suffix with its leading dot, whether the bare domain matches too, port).
    domains: Vec<(String, bool, Option<u16>)>,
}

impl NoProxy {
    pub(crate) fn parse(list: &str) -> NoProxy {
        let mut rules = NoProxy::default();
        for entry in list.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                rules.all = true;
                continue;
            }
            if let Some(range) = parse_cidr(&entry) {
                rules.ranges.push(range);
                continue;
            }
            let (host, port) = split_port(&entry);
            if let Ok(ip) = host.parse::<IpAddr>() {
                rules.ips.push((ip, port));
                continue;
            }
            if host.is_empty() {
                continue; // ":8080": no host, malformed; Go ignores it too
            }
            let host = host.strip_prefix('*').unwrap_or(host);
            match host.strip_prefix('.') {
                Some(_) => rules.domains.push((host.to_owned(), false, port)),
                None => rules.domains.push((format!(".{host}"), true, port)),
            }
        }
        rules
    }

    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let port_ok = |want: &Option<u16>| want.is_none_or(|p| p == port);
        if let Ok(ip) = host.parse::<IpAddr>() {
            let ip = ip.to_canonical();
            if self
                .ranges
                .iter()
                .any(|(net, bits)| in_range(ip, *net, *bits))
                || self
                    .ips
                    .iter()
                    .any(|(i, p)| i.to_canonical() == ip && port_ok(p))
            {
                return true;
            }
        }
        self.domains.iter().any(|(suffix, bare, p)| {
            (host.ends_with(suffix.as_str()) || (*bare && host == &suffix[1..])) && port_ok(p)
        })
    }
}

/// `10.0.0.0/8` or `fd00::/8` as a network address and a prefix length.
fn parse_cidr(entry: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = entry.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

/// Whether `ip` is in the range `net/bits` (of the same family; an IPv4-mapped IPv6 address is
/// compared as the IPv4 address it holds, as Go does).
fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip.to_canonical(), net.to_canonical()) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// `host:port`, `[v6]:port`, or a bare host or IPv6 address.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match entry.rsplit_once(':') {
        // One colon: a port. More: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
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
        for kept in [
            "authn.corp",
            "rp.example",
            "other.example",
            "10.0.0.1",
            // A port in an entry must be the target's.
            "authn.corp.example:8080",
            "corp.example:52002",
        ] {
            assert_eq!(with(kept).as_deref(), Some("hp:1"), "{kept}");
        }
    }

    #[test]
    fn no_proxy_takes_ip_ranges_and_addresses_as_go_does() {
        let with = |url: &str, list: &str| {
            let vars = [("HTTP_PROXY", "http://hp:1"), ("NO_PROXY", list)];
            proxy(url, &vars)
        };
        let direct = [
            ("http://10.255.255.1:52001", "10.0.0.0/8"),
            ("http://10.255.255.1:52001", "192.168.0.0/16, 10.255.0.0/16"),
            ("http://10.255.255.1:52001", "10.255.255.1/32"),
            ("http://10.255.255.1:52001", "10.255.255.1"),
            ("http://10.255.255.1:52001", "10.255.255.1:52001"),
            ("http://10.255.255.1", "10.255.255.1:80"),
            ("http://10.255.255.1:52001", "0.0.0.0/0"),
            ("http://[fd00::1]:52001", "fd00::/8"),
            ("http://[fd00::1]:52001", "fd00::1"),
            ("http://[fd00::1]:52001", "[fd00::1]:52001"),
            ("http://[::ffff:10.1.2.3]:52001", "10.0.0.0/8"),
            ("http://[2001:db8::5]:52001", "::/0"),
            ("http://[::ffff:10.1.2.3]:52001", "10.1.2.3"),
            // A domain entry is a suffix of the target as written, as in Go.
            ("http://10.1.2.3", "1.2.3"),
        ];
        for (url, list) in direct {
            assert_eq!(with(url, list), None, "{url} with NO_PROXY={list}");
        }
        let proxied = [
            ("http://10.255.255.1:52001", "11.0.0.0/8"),
            ("http://10.255.255.1:52001", "10.255.255.0/32"),
            ("http://10.255.255.1:52001", "10.255.255.1:8080"),
            ("http://10.255.255.1:52001", "10.255.255.1/33"), // not a range, not a host
            ("http://[fd00::1]:52001", "fe00::/8"),
            ("http://[fd00::1]:52001", "10.0.0.0/8"),
            // IP entries never match host names.
            ("http://authn.corp.example", "10.0.0.0/8"),
            ("http://10.1.2.3", "0.1.2.3"),
        ];
        for (url, list) in proxied {
            assert_eq!(
                with(url, list).as_deref(),
                Some("hp:1"),
                "{url} with NO_PROXY={list}"
            );
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

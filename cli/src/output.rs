//! Writing to stdout: lines, aligned tables, JSON, and times.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `text` and a newline to stdout. Unlike std's `println!`, which panics when stdout is
/// a closed pipe (`ais-authn show user | head -1`), it then ends the process quietly with 0:
/// there is no one left to tell.
pub fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// Writes `text` as it is (no newline added), with [`line()`]'s handling of a closed pipe.
pub fn raw(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// `value` as indented JSON.
pub fn json(value: &serde_json::Value) {
    // Serializing a Value cannot fail.
    line(&serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Rows under headers (left out with `no_headers`), each column as wide as its widest cell
/// and two spaces apart; trailing spaces trimmed.
pub fn table(headers: &[&str], rows: &[Vec<String>], no_headers: bool) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let print = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        line(padded.join("  ").trim_end());
    };
    if !no_headers {
        print(headers);
    }
    for row in rows {
        print(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// Name/value pairs, the names in a column as wide as the widest.
pub fn pairs(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, value) in pairs {
        line(format!("{name:<width$}  {value}").trim_end());
    }
}

/// A JSON document as `dotted.name` / value pairs, sorted by name, as `ais auth show config`
/// lists it: objects are walked into, lists joined with ", ", null is empty.
pub fn flatten(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let name = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&name, v, out);
                }
            }
            other => out.push((prefix.to_owned(), scalar(other))),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out.sort();
    out
}

fn scalar(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Seconds since 1970 (0 for earlier times).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `2026-05-01T12:00:00Z`: RFC 3339 in UTC, as the ais CLI shows token expiry.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = unix_secs(t);
    let (days, rest) = (secs / 86400, secs % 86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The calendar date `days` after 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// A duration as Go writes a rounded one: `23h59m`, `45m`, `0m`.
pub fn hours_minutes(secs: u64) -> String {
    let minutes = (secs + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        let at = |s| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(at(1_767_225_600 + 3661), "2026-01-01T01:01:01Z");
    }

    #[test]
    fn durations() {
        assert_eq!(hours_minutes(0), "0m");
        assert_eq!(hours_minutes(89), "1m");
        assert_eq!(hours_minutes(86_399), "24h0m");
        assert_eq!(hours_minutes(3600 + 1800), "1h30m");
    }

    #[test]
    fn flattening() {
        let v = serde_json::json!({"b": {"y": 1, "x": null}, "a": ["p", "q"], "c": true});
        let flat = flatten(&v);
        let names: Vec<&str> = flat.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b.x", "b.y", "c"]);
        assert_eq!(flat[0].1, "p, q");
        assert_eq!(flat[1].1, "");
        assert_eq!(flat[3].1, "true");
    }
}

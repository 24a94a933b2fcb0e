//! A string that must never be printed: passwords and tokens.

use std::fmt;

/// A secret string whose `Debug` prints `[redacted]`. It has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself. Never log it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// 32 hex digits from the operating system's CSPRNG (`/dev/urandom`): for names that must not
/// be guessed, such as a temporary file's. Where that device is missing (not Unix), from std's
/// randomly keyed hasher, which the OS seeds.
pub(crate) fn random_id() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_os.is_err() {
        bytes[..8].copy_from_slice(&random_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&random_u64().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces every JWT-shaped word (three base64url parts joined by dots, starting `eyJ`)
/// in `text` with `[redacted]`. AuthN echoes the whole token in its 401 messages.
pub(crate) fn redact_tokens(text: &str) -> String {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        out.push_str(&rest[..start]);
        let word = &rest[start..];
        let len = word
            .find(|c: char| !(is_b64(c) || c == '.'))
            .unwrap_or(word.len());
        if word[..len].matches('.').count() >= 2 {
            out.push_str("[redacted]");
        } else {
            out.push_str(&word[..len]);
        }
        rest = &word[len..];
    }
    out.push_str(rest);
    out
}

/// A random number from the standard library's randomly keyed hasher: good enough for jitter
/// and throwaway test credentials, with no extra dependency. Not for cryptography.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_long_and_differ() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn jwts_are_redacted_and_other_text_kept() {
        let msg = r#"not authorized (invalid token: token revoked): "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_x""#;
        assert_eq!(
            redact_tokens(msg),
            r#"not authorized (invalid token: token revoked): "[redacted]""#
        );
        assert_eq!(redact_tokens("eyJ alone, eyJa.b"), "eyJ alone, eyJa.b");
        assert_eq!(
            redact_tokens("a eyJx.y.z b eyJq.r.s"),
            "a [redacted] b [redacted]"
        );
    }
}

//! Where a user's password is read from: the environment or a file, never the spec itself.
//! Public through [`provision`](crate::provision).

use std::fmt;
use std::path::PathBuf;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::secret::Secret;
use crate::transport::names::check_password;

/// The fields of a password source; any other is refused.
pub(crate) const PASSWORD_FIELDS: &[&str] = &["env", "file"];

/// Where a user's password comes from: `{"env": "VAR"}` (an environment variable) or
/// `{"file": "path"}` (a file's contents without the trailing newline; a relative path is
/// relative to the current directory).
///
/// A password written inline in the spec (`"password": "s3cret"`) deserializes as
/// [`Inline`](PasswordSource::Inline), which keeps nothing of it and which
/// [`Spec::validate`](crate::provision::Spec::validate) refuses: passwords do not belong in files that get committed.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file, without a trailing newline.
    File(PathBuf),
    /// A password written inline: refused by [`Spec::validate`](crate::provision::Spec::validate). The value is not kept.
    Inline,
}

impl fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::Env(var) => f.debug_tuple("Env").field(var).finish(),
            PasswordSource::File(path) => f.debug_tuple("File").field(path).finish(),
            PasswordSource::Inline => f.write_str("Inline([redacted])"),
        }
    }
}

impl Serialize for PasswordSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            PasswordSource::Env(var) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("env", var)?;
                map.end()
            }
            PasswordSource::File(path) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("file", path)?;
                map.end()
            }
            PasswordSource::Inline => s.serialize_str("[redacted]"),
        }
    }
}

impl<'de> Deserialize<'de> for PasswordSource {
    /// `{"env": "VAR"}`, `{"file": "path"}`, or a string (kept only as the fact that it was
    /// inline).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = PasswordSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"{"env": "VAR"} or {"file": "path"}"#)
            }
            fn visit_str<E: de::Error>(self, _inline: &str) -> Result<PasswordSource, E> {
                Ok(PasswordSource::Inline)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PasswordSource, A::Error> {
                let mut source = None;
                while let Some(key) = map.next_key::<String>()? {
                    let next = match key.as_str() {
                        "env" => PasswordSource::Env(map.next_value()?),
                        "file" => PasswordSource::File(map.next_value()?),
                        _ => return Err(de::Error::unknown_field(&key, PASSWORD_FIELDS)),
                    };
                    if source.replace(next).is_some() {
                        return Err(de::Error::custom(
                            r#"give one password source: "env" or "file""#,
                        ));
                    }
                }
                source.ok_or_else(|| de::Error::custom(r#"give "env" or "file""#))
            }
        }
        d.deserialize_any(SourceVisitor)
    }
}

impl PasswordSource {
    /// Reads the password, or says why not (naming the variable or file, never the value) and
    /// the JSON path below the `password` field it concerns.
    pub(crate) fn read(&self) -> Result<Secret, (&'static str, String)> {
        let checked = |password: String, whence: String| match check_password(&password) {
            Ok(()) => Ok(Secret::new(password)),
            Err(Error::InvalidArgument(why)) => Err(format!("{whence}: {why}")),
            Err(e) => Err(format!("{whence}: {e}")),
        };
        match self {
            PasswordSource::Env(var) if var.is_empty() || var.contains(['=', '\0']) => Err((
                ".env",
                format!("{var:?} is not an environment variable name"),
            )),
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(value) => {
                    checked(value, format!("environment variable {var}")).map_err(|e| (".env", e))
                }
                Err(std::env::VarError::NotPresent) => {
                    Err((".env", format!("environment variable {var} is not set")))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err((".env", format!("environment variable {var} is not UTF-8")))
                }
            },
            PasswordSource::File(path) => match std::fs::read_to_string(path) {
                Ok(mut text) => {
                    let kept = text.trim_end_matches(['\n', '\r']).len();
                    text.truncate(kept);
                    checked(text, format!("file {}", path.display())).map_err(|e| (".file", e))
                }
                Err(e) => Err((".file", format!("cannot read {}: {e}", path.display()))),
            },
            PasswordSource::Inline => Err((
                "",
                r#"an inline password is refused: use {"env": "VAR"} or {"file": "path"}"#.into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_from_files_lose_the_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("spec-pw-{}", crate::secret::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "s3cret\r\n").unwrap();
        let source = PasswordSource::File(file.clone());
        assert_eq!(source.read().unwrap().expose(), "s3cret");
        std::fs::write(&file, "\n").unwrap();
        let (path, why) = source.read().unwrap_err();
        assert_eq!(path, ".file");
        assert!(why.contains("empty or blank"), "{why}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Where a user's password is read from: the environment or a file, never the spec itself.
//! Public through [`provision`](crate::provision).

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::secret::Secret;
use crate::transport::names::check_password;

/// The fields of a password source; any other is refused.
pub(crate) const PASSWORD_FIELDS: &[&str] = &["env", "file"];

/// The most bytes a password file may hold: a password is at most 72 bytes, and a file of a
/// few lines is room enough for it and a newline. A larger file is refused unread.
pub const MAX_PASSWORD_FILE_BYTES: u64 = 4096;

/// Where a user's password comes from: `{"env": "VAR"}` (an environment variable) or
/// `{"file": "path"}` (a regular file of at most [`MAX_PASSWORD_FILE_BYTES`], its contents
/// without the trailing newline; a FIFO, a device or a directory is refused). A relative path
/// is relative to the spec's directory when the spec says where it came from
/// ([`Spec::with_base_dir`](crate::provision::Spec::with_base_dir), as `ais-authn` does), else
/// to the current directory.
///
/// A password written inline in the spec (`"password": "s3cret"`) deserializes as
/// [`Inline`](PasswordSource::Inline), which keeps nothing of it and which
/// [`Spec::validate`](crate::provision::Spec::validate) refuses: passwords do not belong in files that get committed.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this regular file, without a trailing newline.
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

/// Why a password could not be read: the JSON path below the `password` field, the message
/// (naming the variable or file, never the value), and the I/O error behind it, if any.
#[derive(Debug)]
pub(crate) struct Unreadable {
    pub(crate) below: &'static str,
    pub(crate) message: String,
    pub(crate) cause: Option<io::Error>,
}

impl Unreadable {
    fn new(below: &'static str, message: String) -> Unreadable {
        Unreadable {
            below,
            message,
            cause: None,
        }
    }
}

impl PasswordSource {
    /// Reads the password, or says why not. A relative file path is taken from `base` when
    /// given.
    pub(crate) fn read(&self, base: Option<&Path>) -> Result<Secret, Unreadable> {
        let checked = |password: String, whence: String| match check_password(&password) {
            Ok(()) => Ok(Secret::new(password)),
            Err(Error::InvalidArgument(why)) => Err(format!("{whence}: {why}")),
            Err(e) => Err(format!("{whence}: {e}")),
        };
        match self {
            PasswordSource::Env(var) if var.is_empty() || var.contains(['=', '\0']) => {
                Err(Unreadable::new(
                    ".env",
                    format!("{var:?} is not an environment variable name"),
                ))
            }
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(value) => checked(value, format!("environment variable {var}"))
                    .map_err(|e| Unreadable::new(".env", e)),
                Err(std::env::VarError::NotPresent) => Err(Unreadable::new(
                    ".env",
                    format!("environment variable {var} is not set"),
                )),
                Err(std::env::VarError::NotUnicode(_)) => Err(Unreadable::new(
                    ".env",
                    format!("environment variable {var} is not UTF-8"),
                )),
            },
            PasswordSource::File(path) => {
                let path = match base {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path.clone(),
                };
                let mut text = read_small_file(&path)?;
                let kept = text.trim_end_matches(['\n', '\r']).len();
                text.truncate(kept);
                checked(text, format!("file {}", path.display()))
                    .map_err(|e| Unreadable::new(".file", e))
            }
            PasswordSource::Inline => Err(Unreadable::new(
                "",
                r#"an inline password is refused: use {"env": "VAR"} or {"file": "path"}"#.into(),
            )),
        }
    }
}

/// The text of a regular file of at most [`MAX_PASSWORD_FILE_BYTES`]. Anything else is
/// refused before a byte is read: a FIFO would block, a device (`/dev/zero`) never ends.
fn read_small_file(path: &Path) -> Result<String, Unreadable> {
    let shown = path.display();
    let io = |e: io::Error| Unreadable {
        below: ".file",
        message: format!("cannot read {shown}: {e}"),
        cause: Some(e),
    };
    let refuse = |meta: &Metadata| -> Result<(), Unreadable> {
        if !meta.is_file() {
            return Err(Unreadable::new(
                ".file",
                format!(
                    "{shown} is {}: a password file must be a regular file",
                    file_type(meta)
                ),
            ));
        }
        if meta.len() > MAX_PASSWORD_FILE_BYTES {
            return Err(too_large(path));
        }
        Ok(())
    };
    // Checked by path before opening (opening a FIFO waits for a writer), then on the open
    // file (the path may name another file by then), then by the bytes read.
    refuse(&std::fs::metadata(path).map_err(io)?)?;
    let file = File::open(path).map_err(io)?;
    refuse(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_PASSWORD_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_PASSWORD_FILE_BYTES {
        return Err(too_large(path));
    }
    String::from_utf8(bytes)
        .map_err(|_| Unreadable::new(".file", format!("{shown} is not UTF-8 text")))
}

fn too_large(path: &Path) -> Unreadable {
    Unreadable::new(
        ".file",
        format!(
            "{} is larger than {MAX_PASSWORD_FILE_BYTES} bytes: a password file holds one \
             password (at most 72 bytes)",
            path.display()
        ),
    )
}

/// What a file that is not a regular one is, in words (a symbolic link is followed: it is
/// what it points at).
fn file_type(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
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
        assert_eq!(source.read(None).unwrap().expose(), "s3cret");
        std::fs::write(&file, "\n").unwrap();
        let why = source.read(None).unwrap_err();
        assert_eq!(why.below, ".file");
        assert!(why.message.contains("empty or blank"), "{}", why.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue 17, item 4: only a small regular file is read; anything else is refused before
    /// a byte is read, naming the path and never the contents.
    #[test]
    fn only_small_regular_files_are_read() {
        let dir = std::env::temp_dir().join(format!("spec-pw-{}", crate::secret::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refused = |path: &Path| {
            let why = PasswordSource::File(path.to_owned())
                .read(None)
                .unwrap_err();
            assert_eq!(why.below, ".file");
            assert!(
                why.message.contains(&path.display().to_string()),
                "{}",
                why.message
            );
            why.message
        };
        let big = dir.join("big");
        std::fs::write(&big, "x".repeat(MAX_PASSWORD_FILE_BYTES as usize + 1)).unwrap();
        let message = refused(&big);
        assert!(message.contains("larger than 4096 bytes"), "{message}");
        assert!(!message.contains("xxx"), "{message}");
        assert!(refused(&dir).contains("is a directory"));
        assert!(refused(Path::new("/dev/zero")).contains("is a device"));
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening it would wait for a writer forever.
        assert!(refused(&fifo).contains("is a FIFO"));
        // Exactly the cap is read.
        let full = dir.join("full");
        std::fs::write(
            &full,
            format!("{}{}", "p".repeat(72), "\n".repeat(4096 - 72)),
        )
        .unwrap();
        assert_eq!(
            PasswordSource::File(full)
                .read(None)
                .unwrap()
                .expose()
                .len(),
            72
        );
        // A missing file keeps its io::Error.
        let why = PasswordSource::File(dir.join("none"))
            .read(None)
            .unwrap_err();
        assert_eq!(why.cause.map(|e| e.kind()), Some(io::ErrorKind::NotFound));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn relative_paths_start_at_the_base_dir() {
        let dir = std::env::temp_dir().join(format!("spec-pw-{}", crate::secret::random_id()));
        std::fs::create_dir_all(dir.join("secrets")).unwrap();
        std::fs::write(dir.join("secrets/bob"), "b0b-s3cret\n").unwrap();
        let source = PasswordSource::File("secrets/bob".into());
        assert_eq!(source.read(Some(&dir)).unwrap().expose(), "b0b-s3cret");
        let why = source.read(None).unwrap_err(); // the current directory has none
        assert!(
            why.message.contains("cannot read secrets/bob"),
            "{}",
            why.message
        );
        let absolute = PasswordSource::File(dir.join("secrets/bob"));
        let elsewhere = Path::new("/nonexistent");
        assert_eq!(
            absolute.read(Some(elsewhere)).unwrap().expose(),
            "b0b-s3cret"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Reading a spec and checking it, for `validate`, `plan` and `apply`: no server needed.

use std::path::{Path, PathBuf};

use aistore_authn::provision::{Spec, ValidationErrors};
use serde_json::json;

use super::Ctx;
use crate::output;
use crate::Failure;

/// The spec named as SPEC, else by `-f/--file` (which names the spec for the commands that
/// take one).
pub(super) fn path(ctx: &Ctx, given: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    given
        .or(ctx.spec_file.as_ref())
        .cloned()
        .ok_or_else(|| Failure::usage("which spec? give it as SPEC or -f/--file SPEC"))
}

/// The spec at `path`, or every problem it has (each with its JSON path).
fn check(path: &Path) -> Result<Spec, Problems> {
    let text = std::fs::read_to_string(path).map_err(|e| Problems::Unreadable(e.to_string()))?;
    // Relative password files are the spec's neighbours, wherever ais-authn runs from.
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    Spec::from_json_checked(&text, dir).map_err(Problems::Invalid)
}

enum Problems {
    Unreadable(String),
    Invalid(ValidationErrors),
}

impl Problems {
    fn lines(&self) -> Vec<String> {
        match self {
            Problems::Unreadable(e) => vec![e.clone()],
            Problems::Invalid(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// A usage error (nothing was sent): the first line says what, one problem per line after.
    fn into_failure(self, path: &Path) -> Failure {
        let lines = self.lines();
        let head = match self {
            Problems::Unreadable(_) => format!("cannot read the spec {}:", path.display()),
            Problems::Invalid(_) => format!(
                "the spec {} is not valid ({} problem{}):",
                path.display(),
                lines.len(),
                if lines.len() == 1 { "" } else { "s" }
            ),
        };
        Failure::usage(format!("{head}\n{}", lines.join("\n")))
    }
}

/// The spec at `path`, checked; a usage error listing every problem otherwise.
pub(super) fn read(path: &Path) -> Result<Spec, Failure> {
    check(path).map_err(|p| p.into_failure(path))
}

/// `validate SPEC`: exit 0 and a summary when the spec is valid, else exit 2 and every
/// problem, one per line (`--json`: `{"valid", "problems"}` on stdout either way).
pub(super) fn validate(ctx: &Ctx, given: Option<&PathBuf>) -> Result<(), Failure> {
    let path = path(ctx, given)?;
    match (check(&path), ctx.json) {
        (Ok(_), true) => {
            output::json(&json!({"valid": true, "problems": []}));
            Ok(())
        }
        (Ok(spec), false) => {
            output::line(&format!(
                "The spec {} is valid: {} clusters, {} roles, {} users.",
                path.display(),
                spec.clusters.len(),
                spec.roles.len(),
                spec.users.len()
            ));
            Ok(())
        }
        (Err(problems), true) => {
            output::json(&json!({"valid": false, "problems": problems.lines()}));
            Err(Failure::Exit(2))
        }
        (Err(problems), false) => Err(problems.into_failure(&path)),
    }
}

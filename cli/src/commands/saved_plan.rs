//! Saved plans: `plan -o FILE` writes one, `apply FILE` carries it out exactly or refuses it.

use std::path::Path;

use aistore_authn::provision::{Plan, SavedPlan, SavedPlanError};
use aistore_authn::Client;

use super::Ctx;
use crate::args::Provision;
use crate::Failure;

/// `plan -o FILE`: the plan saved to `path`, replacing what is there in one rename, readable
/// and writable by its owner only (it lists the server's users and roles; it holds no
/// password and no token).
pub(super) fn write(path: &Path, planned: &Plan) -> Result<(), Failure> {
    Ok(planned.save()?.write_file(path)?)
}

/// For `apply`: when the file named is a saved plan (a JSON object with a `format` field),
/// the client and the plan it gives, checked against the server; `None` for a spec.
pub(super) fn read(ctx: &Ctx, target: &Provision) -> Result<Option<(Client, Plan)>, Failure> {
    let path = super::spec::path(ctx, target.spec.as_ref())?;
    // A file that cannot be read is reported as the spec it would be.
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    // A spec has no `format` field; a damaged plan file is still named as a plan.
    let saved = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(json) => json.get("format").is_some(),
        Err(_) => text.contains(SavedPlan::FORMAT),
    };
    if !saved {
        return Ok(None);
    }
    let flags = [
        (target.prune, "--prune"),
        (target.allow_own_admin_removal, "--allow-own-admin-removal"),
    ];
    if let Some((_, flag)) = flags.iter().find(|(given, _)| *given) {
        return Err(Failure::usage(format!(
            "{flag} cannot be given with a saved plan: {} carries the options it was made \
             with (make the plan again to change them)",
            path.display()
        )));
    }
    let saved = SavedPlan::from_json(&text).map_err(|e| refused(&path, e))?;
    let client = ctx.logged_in()?;
    let planned = saved.check(&client).map_err(|e| refused(&path, e))?;
    Ok(Some((client, planned)))
}

/// A usage error when nothing was sent (a file that is not a plan, or made for another
/// server), else a failure (exit 1: the reads were sent); nothing was written either way.
fn refused(path: &Path, e: SavedPlanError) -> Failure {
    let head = format!("the saved plan {} is refused:", path.display());
    match e {
        SavedPlanError::Plan(e) => Failure::from(e),
        e @ (SavedPlanError::Malformed(_) | SavedPlanError::OtherServer { .. }) => {
            Failure::usage(format!("{head} {e}"))
        }
        e => Failure::failed(format!("{head} {e}")),
    }
}

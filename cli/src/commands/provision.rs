//! Provisioning from a spec: `plan`, `apply`, `export`.

use std::io::IsTerminal;

use aistore_authn::Client;
use serde_json::json;

use super::{applying, Ctx};
use crate::args::{Apply, Plan, Provision};
use crate::output;
use crate::{plan_text, prompt, Failure};

/// `plan`: the plan, printed; with `--detailed-exitcode`, exit 2 when it has changes.
pub(super) fn show_plan(ctx: &Ctx, args: &Plan) -> Result<(), Failure> {
    let (_, planned) = plan(ctx, &args.target)?;
    if let Some(out) = &args.out {
        super::saved_plan::write(out, &planned)?;
    }
    match ctx.json {
        true => ctx.print_json(&planned)?,
        false => plan_text::print(&planned),
    }
    match args.detailed_exitcode && !planned.is_empty() {
        true => Err(Failure::Exit(2)),
        false => Ok(()),
    }
}

/// `export`: the server's users, roles and clusters as a spec.
pub(super) fn export(ctx: &Ctx) -> Result<(), Failure> {
    let spec = aistore_authn::provision::export(&ctx.logged_in()?)?;
    ctx.print_json(&spec)
}

/// The spec named on the command line, checked, and the plan that makes the server match it.
fn plan(
    ctx: &Ctx,
    target: &Provision,
) -> Result<(Client, aistore_authn::provision::Plan), Failure> {
    use aistore_authn::provision::PlanOptions;
    let path = super::spec::path(ctx, target.spec.as_ref())?;
    // Every problem of the spec at once, each with its JSON path; nothing was sent.
    let spec = super::spec::read(&path)?;
    let client = ctx.logged_in()?;
    let options = PlanOptions::new()
        .prune(target.prune)
        .allow_own_admin_removal(target.allow_own_admin_removal);
    let planned = aistore_authn::provision::plan(&client, &spec, &options).map_err(after_reads)?;
    Ok((client, planned))
}

/// A planning error: the spec was checked before anything was sent, so a problem the SDK
/// finds now (a role the server lacks, Admin taken from the logged-in user) was found after
/// the plan's reads: exit 1, not 2 (which says nothing was sent).
fn after_reads(e: aistore_authn::Error) -> Failure {
    match e {
        aistore_authn::Error::InvalidArgument(msg) => Failure::failed(msg),
        other => other.into(),
    }
}

/// `apply`: the plan, a confirmation, the changes with progress on stderr, and the report.
pub(super) fn apply(ctx: &Ctx, args: &Apply) -> Result<(), Failure> {
    use aistore_authn::provision::ApplyOptions;
    let (client, planned) = match super::saved_plan::read(ctx, &args.target)? {
        Some(saved) => saved,
        None => plan(ctx, &args.target)?,
    };
    if planned.is_empty() {
        match ctx.json {
            true => output::json(&json!({"plan": planned, "report": null})),
            false => output::line("No changes. The server matches the spec."),
        }
        return Ok(());
    }
    let changes = planned.len();
    // Before the question, or before applying with --yes: a CI log records what changed.
    plan_text::print_before_apply(&planned, ctx.json);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            // Exit 1, not 2: the plan's requests were sent.
            return Err(Failure::failed(format!(
                "apply would make {changes} changes: confirm with --yes (stdin is not a terminal)"
            )));
        }
        if !prompt::confirm(&format!("Make these {changes} changes?"))? {
            return Err(Failure::failed("nothing applied"));
        }
    }
    let options = ApplyOptions::new()
        .parallel(args.parallel)
        .progress(applying::progress());
    let report = aistore_authn::provision::apply(&client, &planned, &options);
    match ctx.json {
        true => ctx.print_json(&report)?,
        false => output::line(&applying::text(&report)),
    }
    applying::exit(&report)
}

//! `apply`'s output: a line per change as it is made (a bar on a terminal), the report (every
//! change and what became of it, then the counts), and the exit code.

use std::io::IsTerminal;

use aistore_authn::provision::{ApplyReport, Progress};

use crate::Failure;

/// The exit codes of `apply`, for its help.
pub const APPLY_EXIT_CODES: &str = "\
Output: one line per change on stderr as it is made (a progress bar on a terminal); then on
stdout every change with what became of it (done, failed, may have been applied, skipped,
not attempted) and the counts; --json prints the whole report instead.

A change whose request timed out or lost its connection after it was sent may have been
applied: it is reported so, not as failed (the next plan shows whether it was). After 3
such transport failures (timeouts, refused or broken connections) no new change is started;
the rest are reported not attempted. Each request is bounded by --timeout.

Exit codes:
  0  done: every change was made (or there was nothing to do)
  1  nothing applied: no change was made (each failed, was skipped or not attempted; the
     confirmation was refused; or the plan could not be made: a read failed, or the server
     showed a problem in the spec)
  2  usage: a bad command line or an invalid spec; nothing was sent
  3  partly applied: some changes were made, or may have been, and others not (the report
     says which; run `plan` to see what is left)";

/// Shows each finished change on stderr: a bar redrawn in place on a terminal, else one line
/// per change (`ais-authn: [3/10] #2 create user bob: done`) for logs. The counts are the
/// report's.
pub(super) fn progress() -> impl Fn(Progress<'_>) + Send + Sync + 'static {
    let terminal = std::io::stderr().is_terminal();
    move |p: Progress<'_>| {
        if terminal {
            let filled = p.finished * 30 / p.total.max(1);
            eprint!(
                "\r[{}{}] {}/{} ({})",
                "#".repeat(filled),
                ".".repeat(30 - filled),
                p.finished,
                p.total,
                p.counts
            );
            if p.finished == p.total {
                eprintln!();
            }
        } else {
            eprintln!("ais-authn: [{}/{}] {}", p.finished, p.total, p.outcome);
        }
    }
}

/// The report for people: every change with its outcome, then the counts, why the apply
/// stopped (if it did) and a failed read-back.
pub(super) fn text(report: &ApplyReport) -> String {
    let mut lines: Vec<String> = report.outcomes.iter().map(ToString::to_string).collect();
    lines.push(report.counts().to_string());
    if let Some(n) = report.stopped_after {
        lines.push(stopped(n));
    }
    if let Some(e) = &report.verification {
        lines.push(format!("the users could not be read back: {e}"));
    }
    lines.join("\n")
}

fn stopped(failures: usize) -> String {
    format!(
        "apply stopped after {failures} transport failure{}: nothing more was sent",
        if failures == 1 { "" } else { "s" }
    )
}

/// Exit 0 when every change was made; 1 when none was (nor may have been); 3 otherwise.
pub(super) fn exit(report: &ApplyReport) -> Result<(), Failure> {
    if report.is_success() {
        return Ok(());
    }
    let counts = report.counts();
    let mut msg = match (counts.done, counts.unknown) {
        (0, 0) => format!("nothing applied: {counts}"),
        (0, _) => format!("partly applied (perhaps): {counts}"),
        _ => format!("partly applied: {counts}"),
    };
    if let Some(n) = report.stopped_after {
        msg.push_str(&format!(
            "\n{} (is the server up? each request waits up to --timeout)",
            stopped(n)
        ));
    }
    msg.push_str("\nthe report lists each change; `ais-authn plan SPEC` shows what is left");
    match counts.done + counts.unknown {
        0 => Err(Failure::failed(msg)),
        _ => Err(Failure::Partial(msg)),
    }
}

//! What an apply did: each action's outcome, and the counts. Public through
//! [`provision`](crate::provision).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::Error;
use crate::provision::plan::{Kind, Op};

/// What became of one action.
#[derive(Debug)]
#[non_exhaustive]
pub enum Status {
    /// Every request succeeded.
    Done,
    /// A request failed with this error ([`Outcome::completed`] lists those that succeeded
    /// before it), or the verification found a role missing from the user.
    Failed(Error),
    /// Not tried: an action it depends on was not done, or is not in the plan (dropped by
    /// [`Plan::retain`](crate::provision::Plan::retain)). The reason names that action.
    Skipped(String),
}

/// One action's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The action's [`id`](crate::provision::Action::id) in the plan.
    pub id: usize,
    /// What the action does.
    pub op: Op,
    /// What it acts on.
    pub kind: Kind,
    /// The cluster ID, role name or user ID.
    pub name: String,
    /// Done, failed or skipped.
    pub status: Status,
    /// The requests that succeeded, in order: all of the action's when done; for a failed
    /// re-creation, `DELETE` alone means the entity was deleted and not created again.
    pub completed: Vec<String>,
}

impl Outcome {
    /// True when the action was done.
    ///
    /// # Example
    /// ```no_run
    /// # fn f(client: &aistore_authn::Client, plan: &aistore_authn::provision::Plan) {
    /// let report = aistore_authn::provision::apply(client, plan, &Default::default());
    /// let done = report.outcomes.iter().filter(|o| o.is_done()).count();
    /// # }
    /// ```
    pub fn is_done(&self) -> bool {
        matches!(self.status, Status::Done)
    }
}

impl fmt::Display for Outcome {
    /// `#3 update role ops: done`, `...: failed after DELETE /v1/roles/ops: <error>`,
    /// `...: skipped: <reason>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} {} {}: ", self.id, self.op, self.kind, self.name)?;
        match &self.status {
            Status::Done => f.write_str("done"),
            Status::Failed(e) if self.completed.is_empty() => write!(f, "failed: {e}"),
            Status::Failed(e) => write!(f, "failed after {}: {e}", self.completed.join(", ")),
            Status::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

impl Serialize for Outcome {
    /// `{"id", "op", "kind", "name", "status": "done" | "failed" | "skipped", "error"?,
    /// "reason"?, "completed"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            id: usize,
            op: Op,
            kind: Kind,
            name: &'a str,
            status: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'a str>,
            completed: &'a [String],
        }
        let (status, error, reason) = match &self.status {
            Status::Done => ("done", None, None),
            Status::Failed(e) => ("failed", Some(e.to_string()), None),
            Status::Skipped(why) => ("skipped", None, Some(why.as_str())),
        };
        Shown {
            id: self.id,
            op: self.op,
            kind: self.kind,
            name: &self.name,
            status,
            error,
            reason,
            completed: &self.completed,
        }
        .serialize(s)
    }
}

/// What [`apply`](crate::provision::apply()) did: one [`Outcome`] per action, in plan order. `Display` writes a count
/// line, then each action that was not done; `Serialize` writes JSON.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct ApplyReport {
    /// The outcome of each action, in plan order (`outcomes[i]` is `plan.actions()[i]`'s).
    pub outcomes: Vec<Outcome>,
    /// The error of the verifying `GET /v1/users` (see [`ApplyOptions::verify`](crate::provision::ApplyOptions::verify)), when it
    /// failed: the user actions are then reported as the server acknowledged them.
    #[serde(serialize_with = "error_text")]
    pub verification: Option<Error>,
}

fn error_text<S: Serializer>(e: &Option<Error>, s: S) -> Result<S::Ok, S::Error> {
    e.as_ref().map(ToString::to_string).serialize(s)
}

impl ApplyReport {
    /// True when every action was done (and the verification, if any, succeeded).
    ///
    /// # Example
    /// ```no_run
    /// # fn f(client: &aistore_authn::Client, plan: &aistore_authn::provision::Plan) {
    /// let report = aistore_authn::provision::apply(client, plan, &Default::default());
    /// if !report.is_success() {
    ///     eprintln!("{report}");
    /// }
    /// # }
    /// ```
    pub fn is_success(&self) -> bool {
        self.verification.is_none() && self.outcomes.iter().all(Outcome::is_done)
    }

    /// The outcomes that are not done: failed or skipped.
    ///
    /// # Example
    /// ```no_run
    /// # fn f(client: &aistore_authn::Client, plan: &aistore_authn::provision::Plan) {
    /// let report = aistore_authn::provision::apply(client, plan, &Default::default());
    /// for outcome in report.not_done() {
    ///     eprintln!("{outcome}");
    /// }
    /// # }
    /// ```
    pub fn not_done(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.is_done())
    }

    /// How many actions were done, failed and skipped.
    ///
    /// # Example
    /// ```no_run
    /// # fn f(client: &aistore_authn::Client, plan: &aistore_authn::provision::Plan) {
    /// let report = aistore_authn::provision::apply(client, plan, &Default::default());
    /// let counts = report.counts();
    /// println!("{} done, {} failed, {} skipped", counts.done, counts.failed, counts.skipped);
    /// # }
    /// ```
    pub fn counts(&self) -> ApplyCounts {
        let mut counts = ApplyCounts::default();
        for o in &self.outcomes {
            match o.status {
                Status::Done => counts.done += 1,
                Status::Failed(_) => counts.failed += 1,
                Status::Skipped(_) => counts.skipped += 1,
            }
        }
        counts
    }
}

/// How many actions an apply did, failed and skipped, from [`ApplyReport::counts`]. `Display`
/// writes `3 done, 1 failed, 2 skipped`.
///
/// # Example
/// ```
/// let counts = aistore_authn::provision::ApplyCounts::default();
/// assert_eq!((counts.done, counts.failed, counts.skipped), (0, 0, 0));
/// assert_eq!(counts.to_string(), "0 done, 0 failed, 0 skipped");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ApplyCounts {
    /// Actions whose every request succeeded.
    pub done: usize,
    /// Actions that failed (a request, or the verification).
    pub failed: usize,
    /// Actions not tried because one they depend on was not done.
    pub skipped: usize,
}

impl fmt::Display for ApplyCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} done, {} failed, {} skipped",
            self.done, self.failed, self.skipped
        )
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.counts())?;
        if let Some(e) = &self.verification {
            write!(f, "\nthe users could not be read back: {e}")?;
        }
        for o in self.not_done() {
            write!(f, "\n{o}")?;
        }
        Ok(())
    }
}

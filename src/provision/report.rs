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
    /// before it), or the verification found a role missing from the user. The failed
    /// request was not carried out.
    Failed(Error),
    /// A request failed in a way that may have reached the server
    /// ([`Error::may_have_arrived`]: a timeout waiting for the reply, a connection broken
    /// mid-way): the change may have been applied. The next
    /// [`plan`](crate::provision::plan()) shows whether it was. Neither done nor failed.
    Unknown(Error),
    /// Not tried: an action it depends on was not done, or is not in the plan (dropped by
    /// [`Plan::retain`](crate::provision::Plan::retain)). The reason names that action.
    Skipped(String),
    /// Not tried: the apply stopped starting actions after repeated transport failures
    /// ([`ApplyOptions::stop_after_transport_failures`](crate::provision::ApplyOptions::stop_after_transport_failures));
    /// the reason says so.
    NotAttempted(String),
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
    /// Done, failed, unknown (may have been applied), skipped or not attempted.
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

impl Outcome {
    /// What became of the action, in words: `done`, `failed: <error>`, `failed after DELETE
    /// /v1/roles/ops: <error>`, `may have been applied: <error> (the next plan shows whether
    /// it was)`, `skipped: <reason>`, `not attempted: <reason>`. [`Display`](fmt::Display)
    /// puts the action before it.
    ///
    /// # Example
    /// ```no_run
    /// # fn f(client: &aistore_authn::Client, plan: &aistore_authn::provision::Plan) {
    /// let report = aistore_authn::provision::apply(client, plan, &Default::default());
    /// for o in &report.outcomes {
    ///     println!("{} {} {}: {}", o.op, o.kind, o.name, o.status_text());
    /// }
    /// # }
    /// ```
    pub fn status_text(&self) -> String {
        let after = match self.completed.is_empty() {
            true => String::new(),
            false => format!(" after {}", self.completed.join(", ")),
        };
        match &self.status {
            Status::Done => "done".to_owned(),
            Status::Failed(e) => format!("failed{after}: {e}"),
            Status::Unknown(e) => {
                format!("may have been applied{after}: {e} (the next plan shows whether it was)")
            }
            Status::Skipped(why) => format!("skipped: {why}"),
            Status::NotAttempted(why) => format!("not attempted: {why}"),
        }
    }
}

impl fmt::Display for Outcome {
    /// `#3 update role ops: ` and [`Outcome::status_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {} {}: {}",
            self.id,
            self.op,
            self.kind,
            self.name,
            self.status_text()
        )
    }
}

impl Serialize for Outcome {
    /// `{"id", "op", "kind", "name", "status": "done" | "failed" | "unknown" | "skipped" |
    /// "not_attempted", "error"? (failed, unknown), "reason"? (skipped, not attempted),
    /// "completed"}`.
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
            Status::Unknown(e) => ("unknown", Some(e.to_string()), None),
            Status::Skipped(why) => ("skipped", None, Some(why.as_str())),
            Status::NotAttempted(why) => ("not_attempted", None, Some(why.as_str())),
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

/// What [`apply`](crate::provision::apply()) did: one [`Outcome`] per action, in plan order.
/// `Display` writes a count line, then `apply stopped after N transport failures` if it
/// stopped, then each action that was not done; `Serialize` writes JSON (with
/// `"stopped_after": N` or `null`).
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct ApplyReport {
    /// The outcome of each action, in plan order (`outcomes[i]` is `plan.actions()[i]`'s).
    pub outcomes: Vec<Outcome>,
    /// The error of the verifying `GET /v1/users` (see [`ApplyOptions::verify`](crate::provision::ApplyOptions::verify)), when it
    /// failed: the user actions are then reported as the server acknowledged them.
    #[serde(serialize_with = "error_text")]
    pub verification: Option<Error>,
    /// `Some(n)` when the apply stopped starting actions after `n` transport failures
    /// ([`ApplyOptions::stop_after_transport_failures`](crate::provision::ApplyOptions::stop_after_transport_failures)):
    /// the actions not started are [`Status::NotAttempted`], and nothing more was sent (not
    /// even the verification).
    pub stopped_after: Option<usize>,
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

    /// The outcomes that are not done: failed, unknown, skipped or not attempted.
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

    /// How many actions were done, failed, may have been applied, were skipped and were not
    /// attempted.
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
            counts.add(&o.status);
        }
        counts
    }
}

/// How many actions of an apply came to each [`Status`], from [`ApplyReport::counts`] (and
/// as far as the apply has come, in [`Progress`](crate::provision::Progress)). `Display`
/// writes `3 done, 1 failed, 2 skipped`, with `N may have been applied` after the failed and
/// `N not attempted` at the end when they are not 0.
///
/// # Example
/// ```
/// let counts = aistore_authn::provision::ApplyCounts::default();
/// assert_eq!((counts.done, counts.failed, counts.skipped), (0, 0, 0));
/// assert_eq!((counts.unknown, counts.not_attempted), (0, 0));
/// assert_eq!(counts.to_string(), "0 done, 0 failed, 0 skipped");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ApplyCounts {
    /// Actions whose every request succeeded.
    pub done: usize,
    /// Actions that failed (a request, or the verification).
    pub failed: usize,
    /// Actions that may have been applied ([`Status::Unknown`]).
    pub unknown: usize,
    /// Actions not tried because one they depend on was not done.
    pub skipped: usize,
    /// Actions not tried because the apply stopped after repeated transport failures.
    pub not_attempted: usize,
}

impl ApplyCounts {
    /// The actions counted, whatever their outcome.
    ///
    /// # Example
    /// ```
    /// let counts = aistore_authn::provision::ApplyCounts::default();
    /// assert_eq!(counts.total(), 0);
    /// ```
    pub fn total(&self) -> usize {
        self.done + self.failed + self.unknown + self.skipped + self.not_attempted
    }

    /// Counts one more action with `status`.
    pub(crate) fn add(&mut self, status: &Status) {
        let count = match status {
            Status::Done => &mut self.done,
            Status::Failed(_) => &mut self.failed,
            Status::Unknown(_) => &mut self.unknown,
            Status::Skipped(_) => &mut self.skipped,
            Status::NotAttempted(_) => &mut self.not_attempted,
        };
        *count += 1;
    }
}

impl fmt::Display for ApplyCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} done, {} failed, ", self.done, self.failed)?;
        if self.unknown > 0 {
            write!(f, "{} may have been applied, ", self.unknown)?;
        }
        write!(f, "{} skipped", self.skipped)?;
        if self.not_attempted > 0 {
            write!(f, ", {} not attempted", self.not_attempted)?;
        }
        Ok(())
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.counts())?;
        if let Some(n) = self.stopped_after {
            write!(f, "\n{}", stopped_reason(n))?;
        }
        if let Some(e) = &self.verification {
            write!(f, "\nthe users could not be read back: {e}")?;
        }
        for o in self.not_done() {
            write!(f, "\n{o}")?;
        }
        Ok(())
    }
}

/// Why an apply stopped starting actions: the reason of each [`Status::NotAttempted`].
pub(crate) fn stopped_reason(failures: usize) -> String {
    format!(
        "apply stopped after {failures} transport failure{}",
        if failures == 1 { "" } else { "s" }
    )
}

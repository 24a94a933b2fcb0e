//! A plan as text a reviewer can approve from, in the manner of `terraform plan`: one marker
//! per action (`+` create, `~` update, `-/+` recreate, `-` delete), the attributes that change
//! one per line (everything for a create or a delete), the notes, a closing count, and what
//! pruning keeps. `plan` prints it; `apply` prints it before asking (or before applying, with
//! `--yes`). The requests each action sends are in `--json` only.
//!
//! ```text
//!   ~ role ops [#0]
//!       ~ acls:
//!           ~ c1: ro -> rw
//!           + c2 ais://raw: GET,PUT
//!
//! -/+ role viewers [#1]
//!       ~ acls:
//!           - c1 s3://logs: GET
//!       # the spec drops the entry for bucket s3://logs of cluster c1, [...]
//!       # deleting the role takes it from bob; given back to bob (#2)
//!
//!   ~ user bob [#2, after #0, #1]
//!       ~ roles:
//!           - Guest-c1
//!           + ops
//!       # gives back viewers after its re-creation (action #1)
//!
//! Plan: 0 to create, 2 to change, 1 to recreate, 0 to delete.
//! ```
//!
//! Colour (green `+`, yellow `~`, red `-`) only on a terminal and when `NO_COLOR` is unset or
//! empty (<https://no-color.org>).

use std::io::IsTerminal;

use aistore_authn::provision::{AclSpec, Action, ClusterSpec, Op, Plan, RoleSpec, State};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";

/// Whether to colour the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint(bool);

impl Paint {
    /// Colour for a stream that is a terminal, unless `NO_COLOR` is set to something.
    pub fn for_stream(terminal: bool) -> Paint {
        Paint::new(terminal, std::env::var_os("NO_COLOR").as_deref())
    }

    /// Colour on a terminal, unless `no_color` (`NO_COLOR`'s value) is set and not empty.
    fn new(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Paint {
        Paint(terminal && no_color.is_none_or(|v| v.is_empty()))
    }

    fn paint(self, code: &str, text: &str) -> String {
        match self.0 {
            true => format!("{code}{text}{RESET}"),
            false => text.to_owned(),
        }
    }

    /// A marker, right-aligned in `width` columns, in its colour.
    fn mark(self, mark: Mark, width: usize) -> String {
        let pad = " ".repeat(width.saturating_sub(mark.text().len()));
        let text = match mark {
            Mark::Add => self.paint(GREEN, "+"),
            Mark::Remove => self.paint(RED, "-"),
            Mark::Change => self.paint(YELLOW, "~"),
            Mark::Replace => format!("{}{}{}", self.paint(RED, "-"), "/", self.paint(GREEN, "+")),
        };
        format!("{pad}{text}")
    }
}

/// What happens to an action's entity, or to one of its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Add,
    Remove,
    Change,
    Replace,
}

impl Mark {
    fn text(self) -> &'static str {
        match self {
            Mark::Add => "+",
            Mark::Remove => "-",
            Mark::Change => "~",
            Mark::Replace => "-/+",
        }
    }

    fn of(op: Op) -> Mark {
        match op {
            Op::Create => Mark::Add,
            Op::Delete => Mark::Remove,
            Op::Recreate => Mark::Replace,
            _ => Mark::Change,
        }
    }
}

/// Prints the plan to stdout, coloured when stdout is a terminal.
pub fn print(plan: &Plan) {
    crate::output::line(&render(
        plan,
        Paint::for_stream(std::io::stdout().is_terminal()),
    ));
}

/// `apply`'s copy before it asks or applies: on stdout, or on stderr with `--json` (stdout
/// then holds the JSON alone).
pub fn print_before_apply(plan: &Plan, json: bool) {
    match json {
        false => {
            print(plan);
            // A blank line between the plan and the report that follows it.
            crate::output::line("");
        }
        true => eprintln!(
            "{}",
            render(plan, Paint::for_stream(std::io::stderr().is_terminal()))
        ),
    }
}

/// The whole text: the actions, a blank line between them, the count line and the `kept:`
/// lines.
pub fn render(plan: &Plan, paint: Paint) -> String {
    let mut blocks: Vec<String> = plan
        .actions()
        .iter()
        .map(|a| action(a, paint).join("\n"))
        .collect();
    blocks.push(count_line(plan, paint));
    let mut text = blocks.join("\n\n");
    for p in plan.protected() {
        text.push_str(&format!("\nkept: {} {} ({})", p.kind, p.name, p.reason));
    }
    text
}

/// `Plan: 1 to create, 0 to change, 0 to recreate, 2 to delete.`, or that nothing changes.
fn count_line(plan: &Plan, paint: Paint) -> String {
    if plan.is_empty() {
        return paint.paint(BOLD, "No changes. The server matches the spec.");
    }
    let n = |op: Op| plan.actions().iter().filter(|a| a.op == op).count();
    format!(
        "{} {} to create, {} to change, {} to recreate, {} to delete.",
        paint.paint(BOLD, "Plan:"),
        n(Op::Create),
        n(Op::Update),
        n(Op::Recreate),
        n(Op::Delete)
    )
}

/// One action's lines: the header, the attributes, the token warning, the notes.
fn action(a: &Action, paint: Paint) -> Vec<String> {
    let state = a.after.as_ref().or(a.before.as_ref());
    let name = match state {
        Some(State::Cluster(c)) if !c.alias.is_empty() => format!("{} (id {})", c.alias, a.name),
        _ => a.name.clone(),
    };
    let mut ids = format!("#{}", a.id);
    if !a.depends_on.is_empty() {
        let after: Vec<String> = a.depends_on.iter().map(|d| format!("#{d}")).collect();
        ids.push_str(&format!(", after {}", after.join(", ")));
    }
    let mut lines = vec![format!(
        "{} {} [{ids}]",
        paint.mark(Mark::of(a.op), 3),
        paint.paint(BOLD, &format!("{} {name}", a.kind))
    )];
    let attributes = match (&a.before, &a.after) {
        (Some(State::Cluster(b)), Some(State::Cluster(f))) => cluster(Some(b), Some(f)),
        (None, Some(State::Cluster(f))) => cluster(None, Some(f)),
        (Some(State::Cluster(b)), None) => cluster(Some(b), None),
        (Some(State::Role(b)), Some(State::Role(f))) => role(Some(b), Some(f)),
        (None, Some(State::Role(f))) => role(None, Some(f)),
        (Some(State::Role(b)), None) => role(Some(b), None),
        (b, f) => user_attributes(user_of(b.as_ref()), user_of(f.as_ref())),
    };
    lines.extend(attributes.iter().map(|l| l.render(paint)));
    if let Some(urls) = token_urls(a) {
        lines.push(format!(
            "      {}",
            paint.paint(
                YELLOW,
                &format!(
                    "warning: AuthN sends its admin token and a hash of its secret to: {}",
                    urls.join(", ")
                )
            )
        ));
    }
    lines.extend(a.notes.iter().map(|n| format!("      # {n}")));
    lines
}

/// The URLs AuthN sends its admin token to when this action registers a cluster or changes
/// its URLs.
fn token_urls(a: &Action) -> Option<&[String]> {
    let (before, Some(State::Cluster(after))) = (&a.before, &a.after) else {
        return None;
    };
    let changed = match (a.op, before) {
        (Op::Create | Op::Recreate, _) => true,
        (_, Some(State::Cluster(before))) => before.urls != after.urls,
        _ => false,
    };
    (changed && !after.urls.is_empty()).then_some(after.urls.as_slice())
}

/// One attribute line, or a collection's header with its elements below it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// `+ alias: c1`, `~ alias: c1 -> c2`.
    Attr(Mark, String),
    /// `~ roles:` and its `+ ops`, `- Guest` lines.
    List(Mark, &'static str, Vec<(Mark, String)>),
}

impl Line {
    fn render(&self, paint: Paint) -> String {
        match self {
            Line::Attr(mark, text) => format!("      {} {text}", paint.mark(*mark, 1)),
            Line::List(mark, name, items) => {
                let mut out = format!("      {} {name}:", paint.mark(*mark, 1));
                for (m, text) in items {
                    out.push_str(&format!("\n          {} {text}", paint.mark(*m, 1)));
                }
                out
            }
        }
    }
}

/// A scalar's line: added, removed or changed (nothing when it stays or stays empty).
fn scalar(name: &str, before: &str, after: &str) -> Option<Line> {
    match (before.is_empty(), after.is_empty()) {
        _ if before == after => None,
        (true, _) => Some(Line::Attr(Mark::Add, format!("{name}: {after}"))),
        (_, true) => Some(Line::Attr(Mark::Remove, format!("{name}: {before}"))),
        _ => Some(Line::Attr(
            Mark::Change,
            format!("{name}: {before} -> {after}"),
        )),
    }
}

/// A collection's lines, keyed elements with values: each added, removed or changed one,
/// in key order; nothing when it stays.
fn list(name: &'static str, before: &[(String, String)], after: &[(String, String)]) -> Vec<Line> {
    let mut keys: Vec<&String> = before.iter().chain(after).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    let find = |side: &[(String, String)], k: &str| {
        side.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let show = |k: &str, v: &str| match v.is_empty() {
        true => k.to_owned(),
        false => format!("{k}: {v}"),
    };
    let items: Vec<(Mark, String)> = keys
        .into_iter()
        .filter_map(|k| match (find(before, k), find(after, k)) {
            (None, Some(v)) => Some((Mark::Add, show(k, &v))),
            (Some(v), None) => Some((Mark::Remove, show(k, &v))),
            (Some(b), Some(a)) if b != a => Some((Mark::Change, format!("{k}: {b} -> {a}"))),
            _ => None,
        })
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    let mark = match (before.is_empty(), after.is_empty()) {
        (true, _) => Mark::Add,
        (_, true) => Mark::Remove,
        _ => Mark::Change,
    };
    vec![Line::List(mark, name, items)]
}

fn unkeyed(values: &[String]) -> Vec<(String, String)> {
    values.iter().map(|v| (v.clone(), String::new())).collect()
}

/// A cluster's alias, URLs and plain-http opt-in.
fn cluster(before: Option<&ClusterSpec>, after: Option<&ClusterSpec>) -> Vec<Line> {
    let empty = ClusterSpec::default();
    let (b, f) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut lines: Vec<Line> = scalar("alias", &b.alias, &f.alias).into_iter().collect();
    let mut urls = list("urls", &unkeyed(&b.urls), &unkeyed(&f.urls));
    if urls.is_empty() && b.urls != f.urls {
        // The same URLs in another order.
        let text = format!("urls: {} -> {}", b.urls.join(", "), f.urls.join(", "));
        urls.push(Line::Attr(Mark::Change, text));
    }
    lines.extend(urls);
    let plain = |c: &ClusterSpec| match c.allow_plain_http {
        true => "true",
        false => "",
    };
    lines.extend(scalar("allow_plain_http", plain(b), plain(f)));
    lines
}

/// A role's description and ACL entries, in the words of `show role`: the entry for every
/// cluster as `(all clusters)`, buckets as URIs, permissions as the CLI writes them.
fn role(before: Option<&RoleSpec>, after: Option<&RoleSpec>) -> Vec<Line> {
    let empty = RoleSpec::default();
    let (b, f) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let quoted = |d: &str| match d.is_empty() {
        true => String::new(),
        false => format!("{d:?}"),
    };
    let mut lines: Vec<Line> = scalar(
        "description",
        &quoted(&b.description),
        &quoted(&f.description),
    )
    .into_iter()
    .collect();
    let entries =
        |r: &RoleSpec| -> Vec<(String, String)> { r.acls.iter().map(acl_entry).collect() };
    lines.extend(list("acls", &entries(b), &entries(f)));
    lines
}

/// An ACL entry as `(cluster [bucket], permissions)`.
fn acl_entry(acl: &AclSpec) -> (String, String) {
    // The spec writes `*` for the entry `show role` calls "(all clusters)".
    let cluster = match acl.cluster.as_str() {
        "*" => crate::commands::cluster_id(""),
        name => name.to_owned(),
    };
    let key = match &acl.bucket {
        Some(bucket) => format!("{cluster} {bucket}"),
        None => cluster,
    };
    (key, acl.perms.clone())
}

/// A user's roles, and whether the action sets its password.
fn user_of(state: Option<&State>) -> Option<(&[String], bool)> {
    match state {
        Some(State::User(u)) => Some((u.roles.as_slice(), u.sets_password)),
        _ => None,
    }
}

/// A user's roles, and `password: (set)` when the action sets it (never the password).
fn user_attributes(
    before: Option<(&[String], bool)>,
    after: Option<(&[String], bool)>,
) -> Vec<Line> {
    let roles = |s: Option<(&[String], bool)>| unkeyed(s.map(|(r, _)| r).unwrap_or_default());
    let mut lines = list("roles", &roles(before), &roles(after));
    if let Some((_, true)) = after {
        let mark = match before {
            None => Mark::Add,
            Some(_) => Mark::Change,
        };
        lines.insert(0, Line::Attr(mark, "password: (set)".to_owned()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line], paint: Paint) -> Vec<String> {
        lines
            .iter()
            .flat_map(|l| {
                l.render(paint)
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn colour_marks_additions_green_removals_red_changes_yellow() {
        let paint = Paint(true);
        let (before, after) = (names(&["Guest", "ops"]), names(&["Admin", "ops"]));
        let lines = user_attributes(Some((&before, false)), Some((&after, true)));
        assert_eq!(
            text(&lines, paint),
            [
                "      \x1b[33m~\x1b[0m password: (set)",
                "      \x1b[33m~\x1b[0m roles:",
                "          \x1b[32m+\x1b[0m Admin",
                "          \x1b[31m-\x1b[0m Guest",
            ]
        );
        assert_eq!(
            paint.mark(Mark::Replace, 3),
            "\x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m"
        );
        assert_eq!(paint.mark(Mark::Add, 3), "  \x1b[32m+\x1b[0m");
        assert_eq!(Paint(false).mark(Mark::Replace, 3), "-/+");
        assert_eq!(Paint(false).mark(Mark::Change, 3), "  ~");
    }

    #[test]
    fn no_color_set_to_something_turns_colour_off() {
        use std::ffi::OsStr;
        assert_eq!(Paint::new(true, Some(OsStr::new("1"))), Paint(false));
        assert_eq!(Paint::new(true, Some(OsStr::new(""))), Paint(true));
        assert_eq!(Paint::new(true, None), Paint(true));
        assert_eq!(Paint::new(false, None), Paint(false));
    }

    #[test]
    fn attributes_show_what_changes_and_everything_on_create_and_delete() {
        let plain = Paint(false);
        let c1 = ClusterSpec::new("id1", "c1", &["https://a:8080"]);
        let c2 = ClusterSpec::new("id1", "prod", &["https://b:8080", "https://a:8080"]);
        assert_eq!(
            text(&cluster(Some(&c1), Some(&c2)), plain),
            [
                "      ~ alias: c1 -> prod",
                "      ~ urls:",
                "          + https://b:8080"
            ]
        );
        let reordered = ClusterSpec::new("id1", "c1", &["https://b:8080", "https://a:8080"]);
        let both = ClusterSpec::new("id1", "c1", &["https://a:8080", "https://b:8080"]);
        assert_eq!(
            text(&cluster(Some(&both), Some(&reordered)), plain),
            ["      ~ urls: https://a:8080, https://b:8080 -> https://b:8080, https://a:8080"]
        );
        assert_eq!(
            text(&cluster(Some(&c1), None), plain),
            [
                "      - alias: c1",
                "      - urls:",
                "          - https://a:8080"
            ]
        );
        let old = RoleSpec::new(
            "ops",
            "old",
            vec![
                AclSpec::new("*", None, "ro"),
                AclSpec::new("c1", None, "ro"),
                AclSpec::new("c1", Some("s3://logs"), "GET"),
            ],
        );
        let new = RoleSpec::new(
            "ops",
            "",
            vec![
                AclSpec::new("c1", None, "rw"),
                AclSpec::new("c1", Some("s3://logs"), "GET"),
                AclSpec::new("c2", Some("ais://@ns#x/b"), "ro,CREATE-BUCKET"),
            ],
        );
        assert_eq!(
            text(&role(Some(&old), Some(&new)), plain),
            [
                "      - description: \"old\"",
                "      ~ acls:",
                "          - (all clusters): ro",
                "          ~ c1: ro -> rw",
                "          + c2 ais://@ns#x/b: ro,CREATE-BUCKET",
            ]
        );
        let roles = names(&["ops"]);
        assert_eq!(
            text(&user_attributes(None, Some((&roles, true))), plain),
            [
                "      + password: (set)",
                "      + roles:",
                "          + ops"
            ]
        );
        // Roles given back after a re-creation: the same roles, nothing to show.
        assert!(user_attributes(Some((&roles, false)), Some((&roles, false))).is_empty());
    }
}

//! `ais-authn`: an admin CLI for the AIStore AuthN server, on the `aistore-authn` SDK, with the
//! verbs of `ais auth` v1.5.0 and the `ais` CLI's configuration and token file.
//!
//! Tables for people, `--json` for scripts. Exit codes: 0 done, 1 failed, 2 usage (a command
//! line, argument or spec refused before any request was sent), 3 partly applied (`apply`);
//! `plan --detailed-exitcode`: 0 no changes, 2 changes, 1 error.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod output;
mod plan_text;
mod prompt;
mod single_dash;

use std::process::ExitCode;
use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::FromArgMatches;

use args::{Add, Apply, Cli, Command, Login, Plan, Rm, Set, UserSpec};

/// Why a command did not succeed, and so the exit code.
#[derive(Debug)]
pub enum Failure {
    /// A bad command line, or an argument or spec refused before any request was sent: exit 2.
    /// One problem per line.
    Usage(String),
    /// Anything else: exit 1.
    Failed(String),
    /// `apply` did part of the plan: exit 3.
    Partial(String),
    /// An exit code that is an answer, not an error (`plan --detailed-exitcode`, a `can`
    /// that says no), with everything already printed.
    Exit(u8),
}

impl Failure {
    pub fn usage(msg: impl Into<String>) -> Failure {
        Failure::Usage(msg.into())
    }

    pub fn failed(msg: impl Into<String>) -> Failure {
        Failure::Failed(msg.into())
    }
}

/// The server the last client was built for, named in errors when it cannot be reached.
pub static SERVER_URL: OnceLock<String> = OnceLock::new();

impl From<aistore_authn::Error> for Failure {
    /// An argument the SDK refuses (it sent nothing) is a usage error; the rest failures. A
    /// server that cannot be reached is named, with where its URL comes from.
    fn from(e: aistore_authn::Error) -> Failure {
        match e {
            aistore_authn::Error::InvalidArgument(msg) => Failure::Usage(msg),
            e @ aistore_authn::Error::Transport { .. } => match SERVER_URL.get() {
                Some(url) => Failure::Failed(format!(
                    "{e} (AuthN at {url}: check --url, AIS_AUTHN_URL or auth.url in the ais \
                     CLI's cli.json)"
                )),
                None => Failure::Failed(e.to_string()),
            },
            other => Failure::Failed(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    init_logging();
    let command = args::command();
    let args = single_dash::with_two_dashes(&command, std::env::args_os().collect());
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e, json_requested(&args), detailed_exitcode(&args)),
    };
    warn_about_secrets(&cli.command);
    // `plan -f spec.json`, `apply -f spec.json`, `validate -f spec.json`: -f names the spec.
    let spec_arg = match &cli.command {
        Command::Plan(Plan { target: p, .. }) | Command::Apply(Apply { target: p, .. }) => {
            Some(&p.spec)
        }
        Command::Validate { spec } => Some(spec),
        _ => None,
    };
    let (token_file, spec_file) = match spec_arg {
        None => (cli.global.file.clone(), None),
        Some(Some(_)) if cli.global.file.is_some() => {
            let msg = "the spec is given twice, as SPEC and as -f/--file (which names the spec \
                       for plan, apply and validate; the login comes from AIS_AUTHN_TOKEN_FILE)";
            return report(msg, 2, cli.global.json);
        }
        Some(_) => (None, cli.global.file.clone()),
    };
    // `plan --detailed-exitcode`: 2 means changes, so every error is 1.
    let detailed = matches!(
        cli.command,
        Command::Plan(Plan {
            detailed_exitcode: true,
            ..
        })
    );
    let ctx = commands::Ctx {
        json: cli.global.json,
        no_headers: cli.global.no_headers,
        url: cli.global.url.clone(),
        file: token_file,
        spec_file,
        timeout: cli.global.timeout,
    };
    match commands::run(&ctx, cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, msg) = match failure {
                Failure::Usage(msg) => (if detailed { 1 } else { 2 }, msg),
                Failure::Failed(msg) => (1, msg),
                Failure::Partial(msg) => (3, msg),
                Failure::Exit(code) => return ExitCode::from(code),
            };
            report(&msg, code, ctx.json)
        }
    }
}

/// Writes an error to stderr and returns its exit code. One problem per line: the first line
/// `ais-authn: error: ...`, each further line (another problem, a tip, the usage) indented by
/// two spaces. With `json`, one line of JSON instead: `{"error": first line, "details":
/// [further lines], "exit_code": code}`.
fn report(msg: &str, code: u8, json: bool) -> ExitCode {
    let mut lines = msg.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("failed");
    let rest: Vec<&str> = lines.collect();
    if json {
        let value = serde_json::json!({"error": first, "details": rest, "exit_code": code});
        eprintln!("{value}");
    } else {
        eprintln!("ais-authn: error: {first}");
        for line in rest {
            eprintln!("  {line}");
        }
    }
    ExitCode::from(code)
}

/// Whether the raw command line is `plan ... --detailed-exitcode` (for errors clap finds).
fn detailed_exitcode(args: &[std::ffi::OsString]) -> bool {
    let words = || args.iter().skip(1).take_while(|a| *a != "--");
    words().any(|a| a == "plan") && words().any(|a| a == "--detailed-exitcode")
}

/// Whether the raw command line asks for JSON (for errors clap finds before there is a `Cli`).
fn json_requested(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json" || a == "-j")
}

/// Help and version go to stdout (exit 0); a usage error goes to stderr (exit 2) as
/// [`report`] writes errors: clap's error on the first line, with what is missing or wrong,
/// then clap's tip if it has one, and the command's usage.
fn clap_exit(e: &clap::Error, json: bool, detailed: bool) -> ExitCode {
    let usage = if detailed { 1 } else { 2 };
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            output::raw(&text);
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{text}");
            ExitCode::from(usage)
        }
        _ => report(&clap_lines(&text).join("\n"), usage, json),
    }
}

/// clap's rendered error as lines: `error: ...` with the indented lines under it (the
/// arguments not provided) joined onto it, `tip: ...`, and `usage: ...`.
fn clap_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    // Some(true) under an `error: ...:` line before its first item, Some(false) after it.
    let mut items: Option<bool> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(msg) = line.strip_prefix("error: ") {
            lines.push(msg.trim_end_matches(':').to_owned());
            items = msg.ends_with(':').then_some(true);
        } else if let (Some(first), true) = (items, raw.starts_with(' ') && !line.is_empty()) {
            let error = lines.last_mut().expect("an error line came first");
            error.push_str(if first { ": " } else { ", " });
            error.push_str(line);
            items = Some(false);
        } else {
            items = None;
            if let Some(tip) = line.strip_prefix("tip: ") {
                lines.push(tip.to_owned());
            } else if let Some(usage) = line.strip_prefix("Usage: ") {
                lines.push(format!("usage: {usage}"));
            }
        }
    }
    if lines.is_empty() {
        lines.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    lines
}

/// A password or secret given on the command line can be read by every user of the machine
/// (`ps`, /proc) and stays in the shell's history: say so, and how to avoid it.
fn warn_about_secrets(command: &Command) {
    let password = match command {
        Command::Login(Login { password, .. })
        | Command::Add(Add::User(UserSpec { password, .. }))
        | Command::Set(Set::User(UserSpec { password, .. })) => password.password.is_some(),
        _ => false,
    };
    if password {
        eprintln!(
            "ais-authn: warning: a password on the command line can be read by other users (ps) \
             and stays in shell history; use --password-stdin or the prompt"
        );
    }
    if let Command::Set(Set::Config { pairs, .. }) = command {
        if pairs
            .iter()
            .any(|p| p.trim_start().starts_with("auth.secret"))
        {
            eprintln!(
                "ais-authn: warning: a secret on the command line can be read by other users \
                 (ps) and stays in shell history; use --secret-stdin or --secret-file FILE"
            );
        }
    }
    if let Command::Rm(Rm::Token { token: Some(_), .. }) = command {
        eprintln!(
            "ais-authn: warning: a token on the command line can be read by other users (ps) \
             and stays in shell history; use --token-stdin or -f FILE"
        );
    }
}

/// `RUST_LOG` as usual (default: warnings), except that ureq, which logs request headers
/// (the bearer token among them) at TRACE, stays at INFO unless `RUST_LOG` names it
/// (`RUST_LOG=trace,ureq=trace`).
fn init_logging() {
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    if !std::env::var("RUST_LOG").is_ok_and(|filter| filter.contains("ureq")) {
        logger
            .filter_module("ureq", log::LevelFilter::Info)
            .filter_module("ureq_proto", log::LevelFilter::Info);
    }
    logger.init();
}

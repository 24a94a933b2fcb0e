//! `ais-authn`: an admin CLI for the AIStore AuthN server, on the `aistore-authn` SDK, with the
//! verbs of `ais auth` v1.5.0 and the `ais` CLI's configuration and token file.
//!
//! Tables for people, `--json` for scripts. Exit codes: 0 done, 1 failed, 2 usage (including
//! arguments refused before anything was sent), 3 partly applied (`apply`).

#![forbid(unsafe_code)]

mod args;
mod commands;
mod output;
mod prompt;

use std::process::ExitCode;
use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::Parser;

use args::{Add, Apply, Cli, Command, Login, Rm, Set, UserSpec};

/// Why a command did not succeed, and so the exit code.
#[derive(Debug)]
pub enum Failure {
    /// A bad command line or an argument refused before anything was sent: exit 2.
    Usage(String),
    /// Anything else: exit 1.
    Failed(String),
    /// `apply` did part of the plan: exit 3.
    Partial(String),
    /// The answer, already printed, is no (`can`): exit 1 with nothing more.
    Denied,
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    warn_about_secrets(&cli.command);
    // `plan -f spec.json` and `apply -f spec.json`: there -f names the spec.
    let spec_in_file = match &cli.command {
        Command::Plan(p) | Command::Apply(Apply { target: p, .. }) => p.spec.is_none(),
        _ => false,
    };
    let (token_file, spec_file) = match spec_in_file {
        true => (None, cli.global.file.clone()),
        false => (cli.global.file.clone(), None),
    };
    let ctx = commands::Ctx {
        json: cli.global.json,
        no_headers: cli.global.no_headers,
        url: cli.global.url.clone(),
        file: token_file,
        spec_file,
    };
    match commands::run(&ctx, cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("ais-authn: error: {}", one_line(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("ais-authn: error: {}", one_line(&msg));
            ExitCode::from(1)
        }
        Err(Failure::Denied) => ExitCode::from(1),
        Err(Failure::Partial(msg)) => {
            eprintln!("ais-authn: error: {}", one_line(&msg));
            ExitCode::from(3)
        }
    }
}

fn one_line(msg: &str) -> String {
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Help and version go to stdout (exit 0); a usage error is one line on stderr (exit 2): the
/// error, clap's tip if it has one, and the command's usage.
fn clap_exit(e: &clap::Error) -> ExitCode {
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            output::raw(&text);
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{text}");
            ExitCode::from(2)
        }
        _ => {
            let mut parts: Vec<String> = Vec::new();
            for line in text.lines().map(str::trim) {
                if let Some(msg) = line.strip_prefix("error: ") {
                    parts.push(msg.to_owned());
                } else if let Some(tip) = line.strip_prefix("tip: ") {
                    parts.push(tip.to_owned());
                } else if let Some(usage) = line.strip_prefix("Usage: ") {
                    parts.push(format!("usage: {usage}"));
                }
            }
            if parts.is_empty() {
                parts.push(one_line(&text));
            }
            eprintln!("ais-authn: error: {}", parts.join("; "));
            ExitCode::from(2)
        }
    }
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

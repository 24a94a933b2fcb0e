//! Questions on the terminal: passwords without echo, user names, confirmations.

use std::io::{BufRead, IsTerminal, Write};
use std::process::{Command, Stdio};

use crate::Failure;

/// The password from `-p`, from stdin with `--password-stdin`, or asked for: without echo on a
/// terminal, else the first line of stdin (for scripts).
pub fn password(given: &crate::args::Password, prompt: &str) -> Result<String, Failure> {
    match &given.password {
        Some(p) if p.is_empty() => Err(Failure::usage("-p/--password: the password is empty")),
        Some(p) => Ok(p.clone()),
        None if given.password_stdin => {
            let password = first_line()?;
            if password.is_empty() {
                return Err(Failure::usage("--password-stdin: stdin holds no password"));
            }
            Ok(password)
        }
        None => hidden(prompt),
    }
}

/// Asks for a password without echo (the terminal's echo is turned off with `stty`); reads
/// the first line of stdin when stdin is not a terminal.
pub fn hidden(prompt: &str) -> Result<String, Failure> {
    let password = if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        let stty = |arg: &str| {
            Command::new("stty")
                .arg(arg)
                .stdin(Stdio::inherit())
                .stderr(Stdio::null())
                .status()
        };
        let _ = stty("-echo");
        let read = first_line();
        let _ = stty("echo");
        eprintln!();
        read?
    } else {
        first_line()?
    };
    if password.is_empty() {
        return Err(Failure::usage("no password given"));
    }
    Ok(password)
}

/// The user name given, or asked for on a terminal (as `ais auth` does).
pub fn user_name(given: Option<&str>) -> Result<String, Failure> {
    if let Some(name) = given {
        return Ok(name.to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "USER_NAME is required (stdin is not a terminal to ask on)",
        ));
    }
    eprint!("User login: ");
    let _ = std::io::stderr().flush();
    let name = first_line()?;
    if name.trim().is_empty() {
        return Err(Failure::usage("no user name given"));
    }
    Ok(name.trim().to_owned())
}

/// Asks `question` and reads the answer from stdin, a terminal or not (as the ais CLI's
/// `confirm`: cmd/cli/cli/utils.go); true for what Go's `cos.ParseBool` reads as true (y, yes,
/// on, true, t, 1), false for anything else, no answer included.
pub fn confirm(question: &str) -> Result<bool, Failure> {
    eprint!("{question} [y/N]: ");
    let _ = std::io::stderr().flush();
    let answer = first_line()?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "on" | "true" | "t" | "1"
    ))
}

/// The first line of stdin, without its line ending.
/// The first line of stdin, which must hold something (`flag` names where it was asked for).
pub fn line_from_stdin(flag: &str) -> Result<String, Failure> {
    let line = first_line()?;
    if line.trim().is_empty() {
        return Err(Failure::usage(format!("{flag}: stdin holds nothing")));
    }
    Ok(line)
}

/// The longest secret file read: a secret or a token is a few KiB at most.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The first line of a secret file (without its line end): a regular file of at most 64 KiB
/// (not a FIFO or a device, which could block or never end). Errors name the file, never its
/// content.
pub fn line_from_file(path: &std::path::Path, flag: &str) -> Result<String, Failure> {
    use std::io::Read;
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| Failure::failed(format!("{flag} {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(Failure::usage(format!(
            "{flag} {shown}: not a regular file"
        )));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| Failure::failed(format!("{flag} {shown}: {e}")))?;
    if text.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(Failure::usage(format!("{flag} {shown}: over 64 KiB")));
    }
    let line = text.lines().next().unwrap_or_default().to_owned();
    if line.trim().is_empty() {
        return Err(Failure::usage(format!("{flag} {shown}: the file is empty")));
    }
    Ok(line)
}

fn first_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Failed(format!("cannot read stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

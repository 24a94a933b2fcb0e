//! `completions SHELL`: clap_complete's script, mended for a binary whose name has a hyphen.

use clap_complete::Shell;

use crate::output;

const BIN: &str = "ais-authn";

pub(super) fn print(shell: Shell) {
    output::raw(&script(shell));
}

/// The completion script for `shell`.
///
/// clap_complete 4.6's bash script names each subcommand's branch twice: the loop that walks
/// the words writes `ais__authn__subcmd__add` (the binary's `-` as `__`), the `case` that
/// completes writes `ais__subcmd__authn__subcmd__add` (the `-` as `__subcmd__`), so nothing
/// after the first word completed. The second spelling is made the first; zsh and fish name
/// their functions consistently and are left as they are.
pub fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::args::command(), BIN, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => {
            let wrong = format!("{}__subcmd__", BIN.replace('-', "__subcmd__"));
            let right = format!("{}__subcmd__", BIN.replace('-', "__"));
            text.replace(&wrong, &right)
        }
        _ => text,
    }
}

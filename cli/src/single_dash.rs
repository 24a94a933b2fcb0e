//! Long flags with one dash, as the ais CLI takes them: its parser (urfave/cli v1 on Go's
//! `flag` package) reads `-desc`, `-nv`, `-password x` and `-verbose` as `--desc`, `--nv`,
//! `--password x` and `--verbose`, so `ais auth` scripts use both forms.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;

/// `args` with every `-name` or `-name=value` whose name is a long flag (or alias) of `cmd`
/// given its second dash. A flag's value is never touched (`-p -desc` keeps the password
/// `-desc`), nor is anything after `--`; clusters of short flags (`-jH`) are not long names.
pub fn with_two_dashes(cmd: &clap::Command, args: Vec<OsString>) -> Vec<OsString> {
    let mut flags = Flags::default();
    let mut cmd = cmd.clone();
    cmd.build();
    flags.collect(&cmd);
    let mut out = Vec::with_capacity(args.len());
    let mut value_next = false;
    let mut rest = false;
    for (i, arg) in args.into_iter().enumerate() {
        let word = match arg.to_str() {
            Some(word) if i > 0 && !rest && !value_next => word.to_owned(),
            _ => {
                value_next = false;
                out.push(arg);
                continue;
            }
        };
        if word == "--" {
            rest = true;
        } else if let Some(body) = word.strip_prefix("--") {
            let (name, attached) = split(body);
            value_next = !attached && flags.long.get(name) == Some(&true);
        } else if let Some(body) = word.strip_prefix('-') {
            let (name, attached) = split(body);
            if let Some(&takes_value) = flags.long.get(name).filter(|_| name.len() > 1) {
                value_next = takes_value && !attached;
                out.push(OsString::from(format!("-{word}")));
                continue;
            }
            // A short flag: `-p` takes the next word, `-pVALUE` holds its value.
            let mut chars = body.chars();
            value_next = matches!((chars.next(), chars.next()), (Some(c), None) if flags.short_with_value.contains(&c));
        }
        out.push(OsString::from(word));
    }
    out
}

#[derive(Default)]
struct Flags {
    /// Every long name and alias, and whether it takes a value.
    long: HashMap<String, bool>,
    short_with_value: HashSet<char>,
}

impl Flags {
    fn collect(&mut self, cmd: &clap::Command) {
        for arg in cmd.get_arguments() {
            let takes_value = arg.get_action().takes_values();
            let longs = arg.get_long().into_iter();
            for name in longs.chain(arg.get_all_aliases().unwrap_or_default()) {
                self.long.insert(name.to_owned(), takes_value);
            }
            if let (Some(c), true) = (arg.get_short(), takes_value) {
                self.short_with_value.insert(c);
            }
        }
        for sub in cmd.get_subcommands() {
            self.collect(sub);
        }
    }
}

/// `name=value` as the name and whether a value is attached.
fn split(body: &str) -> (&str, bool) {
    match body.split_once('=') {
        Some((name, _)) => (name, true),
        None => (body, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(line: &[&str]) -> Vec<String> {
        let args = std::iter::once("ais-authn").chain(line.iter().copied());
        let args = args.map(OsString::from).collect();
        with_two_dashes(&crate::args::command(), args)
            .into_iter()
            .skip(1)
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn long_flags_get_their_second_dash_and_nothing_else_does() {
        assert_eq!(
            rewrite(&["add", "role", "r", "ro", "-desc", "x y", "-cluster=c1"]),
            ["add", "role", "r", "ro", "--desc", "x y", "--cluster=c1"]
        );
        assert_eq!(rewrite(&["show", "user", "-nv"]), ["show", "user", "--nv"]);
        assert_eq!(
            rewrite(&["show", "role", "-verbose"]),
            ["show", "role", "--verbose"]
        );
        // Values stay: a password that looks like a flag, after -p, --password or -password.
        for flag in ["-p", "--password", "-password"] {
            let out = rewrite(&["add", "user", "u", flag, "-desc"]);
            assert_eq!(out[4], "-desc", "{out:?}");
        }
        assert_eq!(rewrite(&["login", "u", "-pw"]), ["login", "u", "-pw"]);
        // Short clusters, `--` and unknown words stay.
        assert_eq!(rewrite(&["show", "user", "-jH"]), ["show", "user", "-jH"]);
        assert_eq!(
            rewrite(&["rm", "user", "--", "-json"]),
            ["rm", "user", "--", "-json"]
        );
        assert_eq!(
            rewrite(&["show", "user", "-bogus"]),
            ["show", "user", "-bogus"]
        );
    }

    #[test]
    fn a_value_attached_with_equals_leaves_the_next_word_a_flag() {
        for cluster in ["-cluster=c1", "--cluster=c1"] {
            let out = rewrite(&["add", "role", "r", "ro", cluster, "-desc", "x"]);
            assert_eq!(out[4..], ["--cluster=c1", "--desc", "x"], "{out:?}");
        }
        // The program's own name is not an argument, even when it starts with a dash (as a
        // login shell's does).
        let args = ["-nv", "show", "user", "-nv"].map(OsString::from).to_vec();
        assert_eq!(
            with_two_dashes(&crate::args::command(), args),
            ["-nv", "show", "user", "--nv"]
        );
    }
}

//! The command line itself: help, usage errors and completions, a closed stdout, and
//! passwords on the command line (warned about; stdin instead; never logged).

use std::process::{Command, Stdio};

use aistore_authn::env::load_token_file;

use crate::support::*;
use crate::versions;

#[test]
fn help_usage_errors_and_completions() {
    // No server needed: nothing here reaches one.
    let run = |args: &[&str]| run_bin(args, None, &[("AIS_AUTHN_URL", "http://127.0.0.1:9")]);
    for args in [&["--help"][..], &["help"], &["-h"]] {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for want in [
            "Usage: ais-authn",
            "rotate-key",
            "Exit codes:",
            "3  partly applied",
        ] {
            assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
        }
    }
    for verb in [
        &["login"][..],
        &["logout"],
        &["whoami"],
        &["show"],
        &["show", "role"],
        &["add", "cluster"],
        &["set", "config"],
        &["update", "user"],
        &["rm", "token"],
        &["rotate-key"],
        &["completions"],
    ] {
        let mut args = verb.to_vec();
        args.push("--help");
        let out = run(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains("Usage: ais-authn "),
            "{args:?}: {}",
            out.stdout
        );
    }
    let out = run(&["show", "role", "--help"]);
    assert!(out.stdout.contains("--cluster") && out.stdout.contains("--non-verbose"));
    let out = run(&["--version"]);
    assert_eq!((out.code, out.stdout.trim()), (0, "ais-authn 0.1.0"));

    // Usage errors: exit 2, one line.
    let usage = |args: &[&str], want: &str| assert_exit(&run(args), 2, args, want);
    usage(&["fly"], "unrecognized subcommand 'fly'");
    usage(
        &["show", "user", "--bogus"],
        "unexpected argument '--bogus'",
    );
    usage(&["show", "bogus"], "unrecognized subcommand 'bogus'");
    usage(
        &["login", "admin", "-p"],
        "a value is required for '--password",
    );
    usage(
        &["login", "admin", "-p", "x", "-e", "soon"],
        "--expire soon",
    );
    usage(
        &["login", "admin", "-p", "x", "--password-stdin"],
        "cannot be used with",
    );
    usage(&["rm", "user"], "USER_NAME");
    // What is missing is on the first line, the usage on an indented line under it.
    let out = run(&["rm", "user"]);
    let lines = error_lines(&out);
    assert_eq!(
        lines,
        [
            "ais-authn: error: the following required arguments were not provided: <USER_NAME>",
            "  usage: ais-authn rm user <USER_NAME>"
        ]
    );
    usage(&["add", "role", "r", "--bucket", "ais://b"], "--cluster");
    usage(&["set", "config"], "NAME=VALUE");
    usage(&["set", "config", "net.http.port=1"], "cannot be set");
    usage(&["set", "config", "log.level"], "the value is missing");
    usage(&["completions", "tcsh"], "invalid value 'tcsh'");
    // No command: the help, on stderr, and exit 2.
    for args in [&[][..], &["show"], &["rm"]] {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains("Usage: ais-authn"), "{}", out.stderr);
    }

    // Completion scripts.
    let out = run(&["completions", "bash"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.len() > 1000
            && out.stdout.contains("complete -F _ais__authn")
            && out.stdout.contains("rotate-key")
            && out.stdout.contains("--password-stdin"),
        "{}",
        out.stdout
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(
            out.code == 0 && out.stdout.contains("ais-authn"),
            "{shell}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let cli = Cli::new("pipe");
    cli.login_admin();
    for _ in 0..3 {
        cli.ok(&["add", "role", &unique("r"), "ro"]);
    }
    for args in [&["--help"][..], &["completions", "bash"], &["show", "role"]] {
        let mut child = Command::new(BIN)
            .args(args)
            .env("AIS_AUTHN_URL", &cli.url)
            .env("AIS_AUTHN_TOKEN_FILE", &cli.token_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before the first line is written
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn passwords_warn_stdin_works_and_ureq_never_logs_the_token() {
    let cli = Cli::new("pwwarn");
    let pw = cli.admin_password();
    let out = cli.ok(&["login", "admin", "-p", &pw]);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = cli.ok(&["add", "user", &unique("u"), &format!("--password={pw}")]);
    assert!(out.stderr.starts_with(PASSWORD_WARNING), "{}", out.stderr);
    let out = cli.run_with(
        &["login", "admin", "--password-stdin"],
        Some(&format!("{pw}\nignored\n")),
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "no warning for --password-stdin"
    );
    let empty = cli.run_with(&["login", "admin", "--password-stdin"], Some("\n"));
    assert_exit(&empty, 2, &["login"], "stdin holds no password");
    let wrong = cli.run_with(&["login", "admin", "--password-stdin"], Some("wrong\n"));
    assert_exit(&wrong, 1, &["login"], "invalid credentials");

    // RUST_LOG=trace: the SDK's own lines, but not ureq's header dumps with the token.
    let token = load_token_file(&cli.token_file).unwrap();
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("aistore_authn"), "{}", out.stderr);
    assert!(!out.stderr.contains(&token), "the token was logged");
    // Asking for ureq by name gets its lines: the filter above is what kept them out.
    let out = cli.run_env(&["show", "user"], None, &[("RUST_LOG", "trace,ureq=trace")]);
    assert!(out.stderr.contains("ureq"), "{}", out.stderr);
}

/// The candidates bash offers for the last word of `line`, through the script
/// `completions bash` prints: sourced in `bash`, its function called as bash's completion
/// would (COMP_WORDS, COMP_CWORD and the arguments command word, current word, previous word).
fn bash_completes(script: &std::path::Path, line: &[&str]) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_ais__authn ais-authn '{}' '{}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.join(" "),
        line.len() - 1,
        line[line.len() - 1],
        line[line.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// fish and zsh complete beyond the first word too, from the scripts `completions` writes: fish
/// through `complete -C`, zsh through a real interactive shell on a pseudo-terminal (zpty),
/// TAB pressed after `ais-authn apply --`.
#[test]
fn fish_and_zsh_complete_beyond_the_first_word() {
    let dir = std::env::temp_dir().join(format!("ais-authn-completion-fz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin_dir = std::path::Path::new(BIN)
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    if versions::program_present("fish", "fish completion") {
        let script = dir.join("ais-authn.fish");
        std::fs::write(&script, run_bin(&["completions", "fish"], None, &[]).stdout).unwrap();
        let command = format!(
            "source {}; complete -C 'ais-authn apply --'; echo ---; complete -C 'ais-authn show u'",
            script.display()
        );
        let out = bounded(
            Command::new("timeout")
                .args(["30", "fish", "-c", &command])
                .env("PATH", &path),
        );
        let (apply, show) = out.split_once("---").expect("both completions ran");
        let words = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split('\t').next())
                .map(str::to_owned)
                .collect()
        };
        lists_apply_flags("fish", &words(apply));
        assert_eq!(words(show.trim_start()), ["user"], "fish: {show}");
    }
    if versions::program_present("zsh", "zsh completion") {
        let functions = dir.join("zsh");
        std::fs::create_dir_all(&functions).unwrap();
        let zsh = run_bin(&["completions", "zsh"], None, &[]).stdout;
        std::fs::write(functions.join("_ais-authn"), zsh).unwrap();
        // An interactive zsh on a pseudo-terminal: compinit, then TAB twice after the words;
        // the read waits for the listing (bounded by `timeout`).
        let driver = format!(
            r#"zmodload zsh/zpty
zpty -b z 'PS1="> " zsh -f -i'
zpty -w z 'fpath=({} $fpath); autoload -U compinit; compinit -u; LISTMAX=1000'
zpty -w -n z $'ais-authn apply --\t\t'
zpty -r z listing '*--allow-own-admin-removal*--yes*'
print -r -- "$listing"
zpty -d z
"#,
            functions.display()
        );
        let out = bounded(
            Command::new("timeout")
                .args(["30", "zsh", "-f", "-c", &driver])
                .env("PATH", &path),
        );
        // The terminal's escape sequences (ESC, then up to a letter) are not words.
        let mut plain = String::new();
        let mut in_escape = false;
        for c in out.chars() {
            match (in_escape, c) {
                (_, '\u{1b}') => in_escape = true,
                (true, c) => in_escape = !c.is_ascii_alphabetic(),
                (false, c) => plain.push(c),
            }
        }
        let listed: Vec<String> = plain.split_whitespace().map(str::to_owned).collect();
        lists_apply_flags("zsh", &listed);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What every shell's completion of `ais-authn apply --` must offer, and not offer.
fn lists_apply_flags(shell: &str, listed: &[String]) {
    let flags = [
        "--prune",
        "--parallel",
        "--yes",
        "--timeout",
        "--allow-own-admin-removal",
        "--json",
        "--url",
        "--help",
    ];
    for want in flags {
        assert!(
            listed.iter().any(|w| w == want),
            "{shell}: {want} in {listed:?}"
        );
    }
    assert!(
        !listed.iter().any(|w| w == "--password"),
        "{shell}: {listed:?}"
    );
}

/// The stdout of a command that `timeout` bounds, which must succeed.
fn bounded(command: &mut Command) -> String {
    let out = command
        .stdin(Stdio::null())
        .output()
        .expect("the shell runs");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(
        out.status.success(),
        "{:?}: {text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn bash_completes_beyond_the_first_word() {
    let out = run_bin(&["completions", "bash"], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = std::env::temp_dir().join(format!("ais-authn-completion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("ais-authn.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    let first = bash_completes(&script, &["ais-authn", "ap"]);
    assert_eq!(first, ["apply"]);
    let mut apply = bash_completes(&script, &["ais-authn", "apply", "--"]);
    apply.sort();
    lists_apply_flags("bash", &apply);
    // A second-level word: `show u` is `show user`; a third-level flag after it.
    assert_eq!(
        bash_completes(&script, &["ais-authn", "show", "u"]),
        ["user"]
    );
    let show_user = bash_completes(&script, &["ais-authn", "show", "user", "--n"]);
    assert!(
        show_user.iter().any(|c| c == "--non-verbose"),
        "{show_user:?}"
    );
    // An alias of a verb and a hyphenated verb.
    let update = bash_completes(&script, &["ais-authn", "update", "r"]);
    assert_eq!(update, ["role"]);
    let rotate = bash_completes(&script, &["ais-authn", "rotate-key", "--"]);
    assert!(rotate.iter().any(|c| c == "--help"), "{rotate:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! The report: benches/verify/results.json, benches/verify/RESULTS.md, and that section put
//! into benches/RESULTS.md (between the `verify:` markers, which the authn_peers harness keeps
//! when it writes the file again).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::fixtures::Fixtures;
use crate::orchestrate::{Run, Settings, ALGS, IMPLS};
use crate::Res;

pub(crate) const BEGIN: &str = "<!-- verify:begin -->";
pub(crate) const END: &str = "<!-- verify:end -->";

/// `/proc/loadavg`'s three load averages, and the other builds and servers running.
pub(crate) fn load_now() -> String {
    let avg = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into());
    let mut others = std::collections::BTreeMap::<String, usize>::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        let comm = comm.trim();
        if [
            "cargo", "rustc", "cc1", "ld", "go", "compile", "link", "authn", "aisnode",
        ]
        .contains(&comm)
            || comm.starts_with("cargo-")
        {
            *others.entry(comm.to_owned()).or_default() += 1;
        }
    }
    let others: Vec<String> = others.iter().map(|(c, n)| format!("{n} {c}")).collect();
    format!(
        "load average {avg}; other processes: {}",
        if others.is_empty() {
            "none of cargo/rustc/go/authn/aisnode".to_owned()
        } else {
            others.join(", ")
        }
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn spread(v: &[f64]) -> (f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

fn cmd_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// The version of `name` starting with `major` (a Cargo.lock may hold several) in a Cargo.lock
/// or go.mod text.
fn locked_version(text: &str, name: &str, major: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let version = if line == format!("name = \"{name}\"") {
            lines
                .next()
                .and_then(|l| l.strip_prefix("version = "))
                .map(|v| v.trim_matches('"'))
        } else {
            let mut words = line.split_whitespace();
            (words.next() == Some(name)).then(|| words.next().unwrap_or("?"))
        };
        if let Some(v) = version.filter(|v| v.starts_with(major)) {
            return v.to_owned();
        }
    }
    "unknown".into()
}

/// How the report names an implementation.
fn label(implementation: &str) -> &str {
    match implementation {
        "jwt-aws-lc" => "jsonwebtoken 12 aws-lc",
        "jwt-rust-crypto" => "jsonwebtoken 12 RustCrypto",
        "jwt9-ring" => "jsonwebtoken 9 ring",
        "go" => "Go",
        other => other,
    }
}

pub(crate) fn write(
    root: &Path,
    settings: &Settings,
    fixtures: &Fixtures,
    runs: &[Run],
    instructions: &[(String, String, f64)],
    (load_start, load_end): (&str, &str),
) -> Res<()> {
    let here = root.join("benches/verify");
    let lock = std::fs::read_to_string(here.join("Cargo.lock")).unwrap_or_default();
    let go_mod = std::fs::read_to_string(here.join("go/go.mod")).unwrap_or_default();
    let v = |name: &str, major: &str| locked_version(&lock, name, major);
    let (jwt12, jwt9) = (v("jsonwebtoken", "12."), v("jsonwebtoken", "9."));
    let golang_jwt = locked_version(&go_mod, "github.com/golang-jwt/jwt/v5", "");
    let commit = cmd_out(
        "git",
        &[
            "-C",
            &root.to_string_lossy(),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    );
    let date = cmd_out("date", &["-u", "+%Y-%m-%d %H:%M"]);
    let note = std::env::var("BENCH_LOAD_NOTE").unwrap_or_else(|_| "not given".into());
    let ops = |r: &Run| r.iters as f64 / r.elapsed_s;
    let cpu_us = |r: &Run| r.cpu_s / r.iters as f64 * 1e6;
    let of = |imp: &str, alg: &str| -> Vec<&Run> {
        runs.iter()
            .filter(|r| r.implementation == imp && r.alg == alg)
            .collect()
    };
    // SDK/other per round, from the same round's runs: verifications/s, and the other's CPU
    // time per verification over the SDK's (both "how many times the SDK's").
    let ratios = |other: &str, alg: &str, cpu: bool| -> Vec<f64> {
        of("sdk", alg)
            .iter()
            .filter_map(|s| {
                of(other, alg).iter().find(|o| o.round == s.round).map(|o| {
                    if cpu {
                        cpu_us(o) / cpu_us(s)
                    } else {
                        ops(s) / ops(o)
                    }
                })
            })
            .collect()
    };
    let instr = |imp: &str, alg: &str| {
        instructions
            .iter()
            .find(|(i, a, _)| i == imp && a == alg)
            .map(|t| t.2)
    };

    let mut md = String::new();
    let w = &mut md;
    writeln!(w, "{BEGIN}")?;
    writeln!(
        w,
        "## Offline verification: this SDK's `Verifier`, `jsonwebtoken` (three builds), AIStore's Go validation\n"
    )?;
    writeln!(w, "Written by `bash benches/verify/run.sh` (benches/verify/, its own Cargo project); do not edit by hand. Commit {commit}, {date} UTC.\n")?;
    let f = &fixtures["hs256"];
    writeln!(w, "The tokens: a user's, as AuthN v1.5.0 issues it at login (`POST /v1/users/{{user}}`), from two servers the testkit started, one signing with an HMAC secret (HS256), one with its RSA key (RS256, 2048 bits). The user holds one role: read-only plus list on a registered cluster, read-write on its bucket `s3://logs`. Claims: {} ({} bytes of JWT for HS256, {} for RS256).\n",
        f.claims.as_object().map(|o| o.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
        f.token.len(), fixtures["rs256"].token.len())?;
    writeln!(w, "- **sdk**: `aistore_authn::Verifier::hmac(secret)` / `Verifier::rsa_public_key_pem(pem)`, made once; `verify(token)` checks the parts, the algorithm (pinned by the key), the signature, `sub` and `exp` (no leeway) and returns the decoded claims (`VerifiedToken`). Crypto: ring {}.", v("ring", "0.17"))?;
    writeln!(w, "- **jsonwebtoken** (all three): `DecodingKey::from_secret` / `from_rsa_pem` made once; `decode::<Claims>` with `Validation::new(HS256 | RS256)` (that one algorithm, `exp` required and checked), leeway 0, audience not checked (as the SDK and AIStore; jsonwebtoken refuses a token with an `aud` otherwise); the claims decode into a struct with AuthN's fields (the SDK's `ClusterAcl`/`BucketAcl` for the ACLs).")?;
    writeln!(
        w,
        "  - **{}**: `jsonwebtoken` {jwt12}, crypto aws-lc-rs {};",
        label("jwt-aws-lc"),
        v("aws-lc-rs", "1.")
    )?;
    writeln!(w, "  - **{}**: the same `jsonwebtoken` {jwt12} build, crypto RustCrypto (`rsa` {}, `hmac` {}, `sha2` {}); the build has both backends and each process installs its own (`CryptoProvider::install_default`) before making the key;", label("jwt-rust-crypto"), v("rsa", "0.10"), v("hmac", "0.13"), v("sha2", "0.11"))?;
    writeln!(
        w,
        "  - **{}**: `jsonwebtoken` {jwt9} (a renamed dependency), crypto ring {}, the SDK's own.",
        label("jwt9-ring"),
        v("ring", "0.17")
    )?;
    writeln!(w, "- **go**: AIStore v1.5.0's `cmd/authn/tok` as an AIS proxy makes it (`ais/prxauth.go`): `NewStaticKeyProvider` from the auth config (HS256 secret or RSA PEM), `NewTokenParser`, then `ValidateToken` (golang-jwt {golang_jwt}: RS256/384/512 and HS256 only, strict base64, `exp` required, a `sub`). {}; `GOMAXPROCS` left at its default, so its CPU time includes the garbage collector's.", cmd_out("go", &["version"]))?;
    writeln!(w, "\nEach measurement is one process verifying the same token on one thread for {} s after 200 warm-up verifications (every result checked); {} rounds, each running the {} in turn, starting with the next one each round. Verifications/s is over wall time; CPU is the process's user + system time (getrusage) per verification. Medians over the rounds, and the spread (min-max). The ratios say how many times the SDK's: its verifications/s over the other's, and the other's CPU time (or instructions) per verification over the SDK's; median (and min-max) of the per-round ratios (the CPU ratio depends less on the load than wall time); below 1.00x in bold. Instructions: `valgrind --tool=callgrind`, the difference between {} + 10 and 10 verifications, divided by {} (load-independent; the Go runtime is not measured this way).\n",
        settings.budget, settings.rounds, IMPLS.len(), settings.callgrind_iters, settings.callgrind_iters)?;
    writeln!(
        w,
        "Load: at the start {load_start}; at the end {load_end}. Note: {note}.\n"
    )?;

    let others = &IMPLS[1..];
    writeln!(
        w,
        "| algorithm | measure |{}",
        others
            .iter()
            .map(|o| format!(" SDK / {} |", label(o)))
            .collect::<String>()
    )?;
    writeln!(w, "|---|---|{}", "---:|".repeat(others.len()))?;
    let bold = |text: String, r: f64| {
        if r < 1.0 {
            format!("**{text}**")
        } else {
            text
        }
    };
    let mut json_ratios = Vec::new();
    for alg in ALGS {
        for (cpu, measure) in [
            (false, "verifications/s"),
            (true, "CPU time per verification (theirs / ours)"),
        ] {
            let mut cells = String::new();
            for other in others {
                let r = ratios(other, alg, cpu);
                let (m, s) = (median(r.clone()), spread(&r));
                let cell = bold(format!("{m:.2}x"), m);
                write!(cells, " {cell} ({:.2}-{:.2}) |", s.0, s.1)?;
                json_ratios.push(
                    json!({"alg": alg, "measure": if cpu { "cpu" } else { "ops_per_s" },
                    "other": other, "sdk_over_other": m, "spread": [s.0, s.1]}),
                );
            }
            writeln!(w, "| {} | {measure} |{cells}", alg.to_uppercase())?;
        }
        let mut cells = String::new();
        for other in others {
            match (instr("sdk", alg), instr(other, alg)) {
                (Some(ours), Some(theirs)) => {
                    let r = theirs / ours;
                    write!(cells, " {} |", bold(format!("{r:.2}x"), r))?;
                    json_ratios.push(json!({"alg": alg, "measure": "instructions",
                        "other": other, "sdk_over_other": r}));
                }
                _ => cells.push_str(" – |"),
            }
        }
        writeln!(
            w,
            "| {} | instructions per verification (theirs / ours) |{cells}",
            alg.to_uppercase()
        )?;
    }
    writeln!(w, "\n| algorithm | implementation | verifications/s | spread | CPU µs / verification | spread | instructions / verification |")?;
    writeln!(w, "|---|---|---:|---:|---:|---:|---:|")?;
    let mut json_rows = Vec::new();
    for alg in ALGS {
        for imp in IMPLS {
            let rs = of(imp, alg);
            let o: Vec<f64> = rs.iter().map(|r| ops(r)).collect();
            let c: Vec<f64> = rs.iter().map(|r| cpu_us(r)).collect();
            let (so, sc) = (spread(&o), spread(&c));
            let i = instr(imp, alg);
            writeln!(
                w,
                "| {} | {} | {:.0} | {:.0}-{:.0} | {:.2} | {:.2}-{:.2} | {} |",
                alg.to_uppercase(),
                label(imp),
                median(o.clone()),
                so.0,
                so.1,
                median(c.clone()),
                sc.0,
                sc.1,
                i.map_or("–".to_owned(), |i| format!("{i:.0}"))
            )?;
            json_rows.push(json!({"alg": alg, "impl": imp, "ops_per_s": median(o), "ops_per_s_spread": [so.0, so.1],
                "cpu_us": median(c), "cpu_us_spread": [sc.0, sc.1], "instructions": i}));
        }
    }
    writeln!(w, "\nWhat bounds each row: see \"Offline verification\" in the analysis below (benches/ANALYSIS.md).")?;
    writeln!(w, "{END}")?;

    std::fs::write(here.join("RESULTS.md"), &md)?;
    let report = json!({"commit": commit, "date": date, "load_start": load_start, "load_end": load_end,
        "load_note": note, "jsonwebtoken": jwt12, "jsonwebtoken9": jwt9, "golang_jwt": golang_jwt,
        "rounds": settings.rounds, "budget_s": settings.budget, "ratios": json_ratios,
        "rows": json_rows, "runs": runs,
        "instructions": instructions.iter().map(|(i, a, n)| json!({"impl": i, "alg": a, "per_verification": n})).collect::<Vec<_>>()});
    std::fs::write(
        here.join("results.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    splice(root, &md)?;
    eprintln!("wrote benches/verify/RESULTS.md, benches/verify/results.json, benches/RESULTS.md");
    Ok(())
}

/// `--splice`: benches/verify/RESULTS.md into benches/RESULTS.md again, measuring nothing.
pub(crate) fn splice_again() -> Res<()> {
    let root = crate::orchestrate::root();
    let section = std::fs::read_to_string(root.join("benches/verify/RESULTS.md"))?;
    splice(&root, &section)?;
    eprintln!("wrote benches/RESULTS.md");
    Ok(())
}

/// Puts the section into benches/RESULTS.md: in place of the old one, or else before the
/// analysis (which the authn_peers harness appends last); then the analysis as ANALYSIS.md
/// has it now, as `cargo bench --bench authn_peers -- --render` would write it.
fn splice(root: &Path, section: &str) -> Res<()> {
    let path = root.join("benches/RESULTS.md");
    let text = std::fs::read_to_string(&path)?;
    let analysis = std::fs::read_to_string(root.join("benches/ANALYSIS.md")).unwrap_or_default();
    let first_heading = analysis.lines().next().unwrap_or("\u{0}");
    let (before, after) = match (text.find(BEGIN), text.find(END)) {
        (Some(b), Some(e)) if b < e => (&text[..b], &text[e + END.len()..]),
        _ => match text.find(&format!("\n{first_heading}\n")) {
            Some(at) => (&text[..at + 1], &text[at + 1..]),
            None => (text.as_str(), ""),
        },
    };
    let after = after.trim_start_matches('\n');
    let tail = match after.find(first_heading) {
        Some(0) if !analysis.is_empty() => format!("{}\n\n", analysis.trim_end()),
        _ => after.to_owned(),
    };
    std::fs::write(&path, format!("{before}{section}\n{tail}"))?;
    Ok(())
}

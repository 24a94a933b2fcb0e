//! The provisioning section of RESULTS.md.

use serde_json::Value;

use crate::report::{fmt_num, fmt_ratio};

fn mark(held: &Value) -> &'static str {
    match held.as_bool() {
        Some(true) => "held",
        Some(false) => "**missed**",
        None => "n/a",
    }
}

fn requests_text(by: &Value) -> String {
    by.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("`{k}` × {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The RESULTS.md section.
pub(crate) fn markdown(prov: &Value, nproc: &str) -> String {
    let mut o = String::new();
    let mut line = |t: String| {
        o.push_str(&t);
        o.push('\n');
    };
    let users = prov["users"].as_u64().unwrap_or(0);
    line(
        "## Provisioning: 1,000 users with 3 roles each\n".replace("1,000", &fmt_thousands(users)),
    );
    line(format!(
        "A second, fresh AuthN server (so the rows above leave nothing in it) holding 3 roles \
         `prov-r1..3` (made beforehand by `apply` of the same spec without users). Each run \
         creates the same {} users holding all three roles, and is checked afterwards (every \
         user present with its 3 roles); the users are deleted before the next run. \
         Every run goes through a counting proxy: the plan's requests through one, the writes \
         through another; the proxy adds well under a millisecond per request to creates that \
         take tens of milliseconds of bcrypt each.\n",
        fmt_thousands(users)
    ));
    line("- **apply xN**: `provision::plan` of a `Spec` with the 3 roles and the users (each password `{\"env\": \"BENCH_PROV_PASSWORD\"}`), then `provision::apply(&client, &plan, &ApplyOptions::new().parallel(N))` (verifying: one `GET /v1/users` at the end). The time is the apply's; the plan's is its own column.".into());
    line("- **raw POSTs xN** (the server's capacity at that concurrency): the same `POST /v1/users` bodies `apply` sends, pre-built, over N keep-alive connections (one per worker), each worker taking the next user.".into());
    line("- **Python loop**: `aistore==2.0.0`, `user_manager().create(name, roles, password)` for each user in turn (it looks up each role, POSTs, reads the user back).".into());
    line(format!(
        "- AuthN hashes each new password with bcrypt on its own cores (here {nproc}, shared with the client).\n"
    ));
    line("| run | users/s | total s | plan ms | p50 ms / create | client CPU s | peak RSS MiB | requests (writes proxy) | plan requests | conns |".into());
    line("|---|---:|---:|---:|---:|---:|---:|---|---|---:|".into());
    let cells = prov["cells"].as_array().cloned().unwrap_or_default();
    for c in cells.iter().filter(|c| c["op"] != "plan") {
        let name = match c["peer"].as_str().unwrap_or_default() {
            "sdk" => format!("apply x{}", c["parallel"]),
            "limit" => format!("raw POSTs x{}", c["parallel"]),
            _ => "Python loop".to_owned(),
        };
        let opt = |v: &Value, scale: f64| {
            v.as_f64()
                .filter(|x| *x > 0.0)
                .map(|x| fmt_num(x * scale))
                .unwrap_or_else(|| "–".into())
        };
        line(format!(
            "| {name} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} |",
            opt(&c["users_per_s"], 1.0),
            opt(&c["elapsed_s"], 1.0),
            opt(&c["plan_ms"], 1.0),
            opt(&c["p50_us"], 1e-3),
            opt(&c["client_cpu_s"], 1.0),
            c["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
            requests_text(&c["requests"]),
            if c["peer"] == "sdk" {
                requests_text(&c["plan_requests"])
            } else {
                "–".into()
            },
            c["connections"],
        ));
    }
    line(String::new());
    line("| apply | apply / raw POSTs | apply / Python loop | POSTs | other requests | plan requests | targets |".into());
    line("|---|---:|---:|---:|---:|---:|---|".into());
    for t in prov["targets"].as_array().cloned().unwrap_or_default() {
        let targets: Vec<String> = t["targets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        format!(
                            "{}: {}",
                            x["target"].as_str().unwrap_or_default(),
                            mark(&x["held"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        line(format!(
            "| x{} | {} | {} | {} | {} | {} | {} |",
            t["parallel"],
            fmt_ratio(&t["apply_over_limit"]),
            fmt_ratio(&t["apply_over_python"]),
            t["posts"],
            t["other_requests"],
            t["plan_requests"],
            targets.join("; ")
        ));
    }
    line(String::new());
    if let Some(plan) = cells.iter().find(|c| c["op"] == "plan") {
        let times: Vec<f64> = plan["plan_times_ms"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        let reqs: u64 = plan["plan_requests"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        line(format!(
            "**Plan against the server holding the {} users** (nothing to do): p50 {:.1} ms, min {:.1} ms, max {:.1} ms over {} plans (client CPU {:.1} ms per plan); {} requests ({}): {}.\n",
            fmt_thousands(users),
            plan["p50_us"].as_f64().unwrap_or(0.0) / 1e3,
            times.first().copied().unwrap_or(0.0),
            times.last().copied().unwrap_or(0.0),
            times.len(),
            plan["client_cpu_s"].as_f64().unwrap_or(0.0) * 1e3 / times.len().max(1) as f64,
            reqs,
            requests_text(&plan["plan_requests"]),
            mark(&Value::Bool(reqs <= 3)).replace("held", "target <= 3 held").replace("**missed**", "target <= 3 **missed**"),
        ));
    }
    line(format!(
        "These rows took {:.0} s (server start, the runs, the checks and deletes between them).\n",
        prov["seconds"].as_f64().unwrap_or(0.0)
    ));
    o
}

fn fmt_thousands(n: u64) -> String {
    if n >= 1000 && n % 1000 == 0 {
        format!("{},000", n / 1000)
    } else {
        n.to_string()
    }
}

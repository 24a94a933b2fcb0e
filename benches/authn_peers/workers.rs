//! The Rust SDK and the limit peers (`--worker sdk|limit`), each in a process of its own
//! (for a clean peak RSS): the SDK as a user would use it, and the limit, the SDK's exact
//! requests as pre-built bytes on one keep-alive connection.

use std::sync::Mutex;
use std::time::Duration;

use aistore_authn::Client;

use crate::peers::{PeerRun, Spec};
use crate::raw_http::{host_of, request, RawConn};
use crate::timing::{peak_rss_kib, percentile_us, time_loop, Timed};
use crate::{flag, Res};

pub(crate) struct WorkerArgs {
    pub(crate) peer: String,
    pub(crate) spec: Spec,
    pub(crate) op: String,
    pub(crate) budget: Duration,
    pub(crate) max_iters: u64,
    pub(crate) warmup: u64,
    pub(crate) count_iters: u64,
}

pub(crate) fn worker(args: &[String]) -> Res<()> {
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("missing {name}"));
    let spec: Spec = serde_json::from_slice(&std::fs::read(need("--spec")?)?)?;
    let w = WorkerArgs {
        peer: args.first().cloned().ok_or("missing peer")?,
        spec,
        op: need("--op")?.to_owned(),
        budget: Duration::from_secs_f64(need("--budget")?.parse()?),
        max_iters: need("--max-iters")?.parse()?,
        warmup: need("--warmup")?.parse()?,
        count_iters: need("--count-iters")?.parse()?,
    };
    let run = match w.peer.as_str() {
        "sdk" => sdk_worker(&w)?,
        "limit" => limit_worker(&w)?,
        other => return Err(format!("unknown worker {other}").into()),
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

fn finish(w: &WorkerArgs, threads: usize, t: &Timed) -> PeerRun {
    let (lat, elapsed) = (&t.lat, t.elapsed);
    PeerRun {
        peer: w.peer.clone(),
        op: w.op.clone(),
        threads,
        iters: lat.len() as u64,
        elapsed_s: elapsed.as_secs_f64(),
        ops_per_s: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_us: percentile_us(lat, 0.50),
        p99_us: percentile_us(lat, 0.99),
        rss_kib: peak_rss_kib(),
        cpu_s: t.cpu_s,
        count_iters: w.count_iters,
    }
}

/// The SDK as a user would use it: one `Client`, the managers it hands out.
fn sdk_worker(w: &WorkerArgs) -> Res<PeerRun> {
    let s = &w.spec;
    let client_for = |url: &str| -> Res<Client> {
        Ok(Client::builder(url)
            .token(s.token.clone())
            .proxy_from_env(false)
            .build()?)
    };
    let new_user = format!("{}-sdk", s.new_user_prefix);
    let roles1: Vec<&str> = s.roles1.iter().map(String::as_str).collect();
    let roles5: Vec<&str> = s.roles5.iter().map(String::as_str).collect();
    // One iteration of the op on `client`.
    let one = |client: &mut Client| -> Res<()> {
        match w.op.as_str() {
            "get_user" | "get_user_mt" => drop(client.user_manager().get(&s.user)?),
            "list_users" => drop(client.user_manager().list()?),
            "get_role" => drop(client.role_manager().get(&s.role)?),
            "list_roles" => drop(client.role_manager().list()?),
            "create_delete_1" | "create_delete_5" => {
                let roles = if w.op == "create_delete_1" {
                    &roles1
                } else {
                    &roles5
                };
                let users = client.user_manager();
                users.create(&new_user, roles, &s.password)?;
                users.delete(&new_user, false)?;
            }
            "update_password" => {
                drop(
                    client
                        .user_manager()
                        .update(&s.upd_user, Some(&s.password), None)?,
                );
            }
            "update_roles_5" => {
                drop(
                    client
                        .user_manager()
                        .update(&s.upd_user, None, Some(&roles5))?,
                );
            }
            "login" => drop(client.login(&s.login_user, &s.password, None)?),
            other => return Err(format!("unknown op {other}").into()),
        }
        Ok(())
    };
    let (timed, threads) = if w.op == "get_user_mt" {
        // N threads sharing one client.
        let client = client_for(&s.url)?;
        let make = || -> Res<_> {
            let client = &client;
            Ok(move || -> Res<()> {
                client.user_manager().get(&s.user)?;
                Ok(())
            })
        };
        (time_loop(w, s.threads, make)?, s.threads)
    } else {
        let client = Mutex::new(client_for(&s.url)?);
        let make = || -> Res<_> {
            let client = &client;
            let one = &one;
            Ok(move || -> Res<()> { one(&mut client.lock().unwrap()) })
        };
        (time_loop(w, 1, make)?, 1)
    };
    let mut counted = client_for(&s.proxy_url)?;
    for _ in 0..w.count_iters {
        one(&mut counted)?;
    }
    Ok(finish(w, threads, &timed))
}

/// The same requests the SDK sends for `op`, pre-built for the server at `url`.
fn limit_requests(s: &Spec, op: &str, url: &str) -> Res<Vec<Vec<u8>>> {
    let host = host_of(url);
    let tok = Some(s.token.as_str());
    let get = |path: &str| request("GET", host, path, tok, None);
    let new_user = format!("{}-limit", s.new_user_prefix);
    // The full roles, as the SDK sends them (fetched once, here, untimed).
    let full_roles = |names: &[String]| -> Res<String> {
        let direct = host_of(&s.url);
        let mut conn = RawConn::connect(direct)?;
        let get = |path: &str| request("GET", direct, path, tok, None);
        let mut parts = Vec::new();
        for n in names {
            let body = conn.body_of(&get(&format!("/v1/roles/{n}")))?;
            parts.push(String::from_utf8(body)?.trim().to_owned());
        }
        Ok(format!("[{}]", parts.join(",")))
    };
    Ok(match op {
        "get_user" | "get_user_mt" => vec![get(&format!("/v1/users/{}", s.user))],
        "list_users" => vec![get("/v1/users")],
        "get_role" => vec![get(&format!("/v1/roles/{}", s.role))],
        "list_roles" => vec![get("/v1/roles")],
        "create_delete_1" | "create_delete_5" => {
            let (names, lookup) = if op == "create_delete_1" {
                (&s.roles1, get(&format!("/v1/roles/{}", s.roles1[0])))
            } else {
                (&s.roles5, get("/v1/roles"))
            };
            let body = format!(
                r#"{{"id":"{new_user}","pass":"{}","roles":{}}}"#,
                s.password,
                full_roles(names)?
            );
            vec![
                lookup,
                request("POST", host, "/v1/users", tok, Some(body.as_bytes())),
                get(&format!("/v1/users/{new_user}")),
                request("DELETE", host, &format!("/v1/users/{new_user}"), tok, None),
            ]
        }
        "update_password" => {
            let body = format!(r#"{{"id":"{}","pass":"{}"}}"#, s.upd_user, s.password);
            let path = format!("/v1/users/{}", s.upd_user);
            vec![
                request("PUT", host, &path, tok, Some(body.as_bytes())),
                get(&path),
            ]
        }
        "update_roles_5" => {
            let body = format!(
                r#"{{"id":"{}","roles":{}}}"#,
                s.upd_user,
                full_roles(&s.roles5)?
            );
            let path = format!("/v1/users/{}", s.upd_user);
            vec![
                get("/v1/roles"),
                request("PUT", host, &path, tok, Some(body.as_bytes())),
                get(&path),
            ]
        }
        "login" => {
            let body = format!(r#"{{"password":"{}"}}"#, s.password);
            vec![request(
                "POST",
                host,
                &format!("/v1/users/{}", s.login_user),
                None,
                Some(body.as_bytes()),
            )]
        }
        other => return Err(format!("unknown op {other}").into()),
    })
}

fn limit_worker(w: &WorkerArgs) -> Res<PeerRun> {
    let s = &w.spec;
    let threads = if w.op == "get_user_mt" { s.threads } else { 1 };
    let requests = limit_requests(s, &w.op, &s.url)?;
    // The limit cannot share one connection between threads: one connection per thread.
    let make = || -> Res<_> {
        let mut conn = RawConn::connect(host_of(&s.url))?;
        let requests = &requests;
        Ok(move || -> Res<()> {
            for r in requests {
                let status = conn.exchange(r)?;
                if status != 200 {
                    return Err(format!("HTTP {status}").into());
                }
            }
            Ok(())
        })
    };
    let timed = time_loop(w, threads, make)?;
    let counted = limit_requests(s, &w.op, &s.proxy_url)?;
    let mut conn = RawConn::connect(host_of(&s.proxy_url))?;
    for _ in 0..w.count_iters {
        for r in &counted {
            let status = conn.exchange(r)?;
            if status != 200 {
                return Err(format!("HTTP {status} through the proxy").into());
            }
        }
    }
    Ok(finish(w, threads, &timed))
}

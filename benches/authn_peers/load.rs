//! What else ran on the machine during the measurements: the harness samples `/proc` every
//! 2 s for build and server processes (`cargo`, `rustc`, `go`, `authn`, `aisnode`, ...)
//! that are neither its own ancestors (the `cargo bench` that started it) nor its
//! descendants (the peers and servers it started), and the 1-minute load average.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// Process names that mean someone else is building, testing or serving.
const WATCHED: &[&str] = &[
    "cargo",
    "rustc",
    "rustdoc",
    "go",
    "compile",
    "link",
    "cc1",
    "ld",
    "authn",
    "aisnode",
    "clippy-driver",
];

pub(crate) struct LoadWatch {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Value>,
}

#[derive(Default)]
struct Seen {
    samples: u64,
    foreign_samples: u64,
    /// Process name: in how many samples it was seen.
    names: BTreeMap<String, u64>,
    load1_sum: f64,
    load1_max: f64,
}

/// pid -> (ppid, comm) for every process.
fn processes() -> HashMap<u32, (u32, String)> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...; comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        out.insert(pid, (ppid, comm));
    }
    out
}

fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn sample(me: u32, seen: &mut Seen) {
    let procs = processes();
    let mut ancestors = vec![me];
    let mut p = me;
    while let Some(&(ppid, _)) = procs.get(&p) {
        if ppid == 0 || ancestors.contains(&ppid) {
            break;
        }
        ancestors.push(ppid);
        p = ppid;
    }
    let descends_from_me = |mut pid: u32| {
        for _ in 0..64 {
            if pid == me {
                return true;
            }
            match procs.get(&pid) {
                Some(&(ppid, _)) if ppid != 0 => pid = ppid,
                _ => return false,
            }
        }
        false
    };
    let mut foreign: Vec<&str> = procs
        .iter()
        .filter(|(pid, (_, comm))| {
            WATCHED.contains(&comm.as_str()) && !ancestors.contains(pid) && !descends_from_me(**pid)
        })
        .map(|(_, (_, comm))| comm.as_str())
        .collect();
    foreign.sort_unstable();
    foreign.dedup();
    let l = load1();
    seen.samples += 1;
    seen.load1_sum += l;
    seen.load1_max = seen.load1_max.max(l);
    if !foreign.is_empty() {
        seen.foreign_samples += 1;
    }
    for name in foreign {
        *seen.names.entry(name.to_owned()).or_insert(0) += 1;
    }
}

impl LoadWatch {
    pub(crate) fn start() -> LoadWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            let me = std::process::id();
            let mut seen = Seen::default();
            while !s.load(Ordering::SeqCst) {
                sample(me, &mut seen);
                for _ in 0..20 {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            json!({
                "samples": seen.samples,
                "samples_with_foreign_processes": seen.foreign_samples,
                "foreign_processes": seen.names,
                "load1_mean": if seen.samples > 0 { seen.load1_sum / seen.samples as f64 } else { 0.0 },
                "load1_max": seen.load1_max,
            })
        });
        LoadWatch { stop, handle }
    }

    /// Stops sampling; the summary as JSON.
    pub(crate) fn finish(self) -> Value {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap_or(Value::Null)
    }
}

/// One line for RESULTS.md.
pub(crate) fn describe(v: &Value) -> String {
    let samples = v["samples"].as_u64().unwrap_or(0);
    if samples == 0 {
        return "not sampled".into();
    }
    let foreign = v["samples_with_foreign_processes"].as_u64().unwrap_or(0);
    let names: Vec<String> = v["foreign_processes"]
        .as_object()
        .map(|m| m.iter().map(|(k, n)| format!("`{k}` ({n})")).collect())
        .unwrap_or_default();
    let others = if foreign == 0 {
        "no other build, test or server process seen".to_owned()
    } else {
        format!(
            "other processes in {foreign} of the samples: {}",
            names.join(", ")
        )
    };
    format!(
        "{samples} samples every 2 s: {others}; 1-min load average (the harness's own load included) mean {:.2}, max {:.2}",
        v["load1_mean"].as_f64().unwrap_or(0.0),
        v["load1_max"].as_f64().unwrap_or(0.0)
    )
}

//! Measuring inside a peer process: the timed loop, its CPU time, latency percentiles and
//! the peak RSS.

use std::time::{Duration, Instant};

use crate::workers::WorkerArgs;
use crate::Res;

/// This process's CPU time so far (user + system, all threads, exited ones included).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[allow(unsafe_code)] // the one unsafe call of the workspace: libc's CPU clock, no crate for it
pub(crate) fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a timespec (64-bit Linux layout) that lives across the call.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
    } else {
        0.0
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub(crate) fn cpu_seconds() -> f64 {
    0.0
}

/// A timed loop's latencies (sorted), wall time and CPU time.
pub(crate) struct Timed {
    pub(crate) lat: Vec<Duration>,
    pub(crate) elapsed: Duration,
    pub(crate) cpu_s: f64,
}

/// Runs `op` (one iteration per call) for the budget on `threads` threads (each with its own
/// `op`, made by `make`), after `warmup` iterations.
pub(crate) fn time_loop<F, M>(w: &WorkerArgs, threads: usize, make: M) -> Res<Timed>
where
    M: Fn() -> Res<F> + Sync,
    F: FnMut() -> Res<()>,
{
    {
        let mut op = make()?;
        for _ in 0..w.warmup {
            op()?;
        }
    }
    let per_thread = (w.max_iters / threads as u64).max(1);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let results: Vec<Res<Vec<Duration>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let make = &make;
                s.spawn(move || -> Res<Vec<Duration>> {
                    let mut op = make()?;
                    let mut lat = Vec::with_capacity(4096);
                    while (lat.len() as u64) < per_thread && start.elapsed() < w.budget {
                        let t0 = Instant::now();
                        op()?;
                        lat.push(t0.elapsed());
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
            .collect()
    });
    let elapsed = start.elapsed();
    let cpu_s = cpu_seconds() - cpu0;
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort_unstable();
    Ok(Timed {
        lat: all,
        elapsed,
        cpu_s,
    })
}

pub(crate) fn percentile_us(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).saturating_sub(1);
    sorted[i].as_nanos() as f64 / 1e3
}

pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

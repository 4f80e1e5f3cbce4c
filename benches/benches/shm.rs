//! Region-backed primitives next to the same primitives on the heap,
//! measured in one run (`cargo bench -p seawall-benches --bench shm`):
//! token bucket `try_acquire` (granted), breaker `try_acquire` + `record`
//! success, bulkhead `try_acquire` + release; 1 and 2 threads of this
//! process, and "2 processes": this process measures while a second one
//! (this binary again) runs the same operation flat out, on the same
//! region primitive (region) or on its own heap primitive (heap).
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion};
use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
use seawall::shm::SharedRegion;
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall_benches::on_threads;
use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn tb_cfg() -> TokenBucketConfig {
    TokenBucketConfig {
        burst: 1_000_000,
        rate_per_sec: 1e9,
        initial_tokens: None,
    }
}

fn bh_cfg() -> BulkheadConfig {
    BulkheadConfig {
        max_concurrent: 64,
        ..Default::default()
    }
}

/// The three primitives, on the heap or in `region`.
struct Set {
    tb: TokenBucket,
    cb: CircuitBreaker,
    bh: Bulkhead,
}

fn set(region: Option<&SharedRegion>) -> Set {
    let ok = |r: seawall::Result<Set>| r.unwrap_or_else(|e| panic!("{e}"));
    ok((|| {
        Ok(match region {
            Some(r) => Set {
                tb: TokenBucket::in_region(tb_cfg(), r, "tb")?,
                cb: CircuitBreaker::in_region(Config::default(), r, "cb")?,
                bh: Bulkhead::in_region(bh_cfg(), r, "bh")?,
            },
            None => Set {
                tb: TokenBucket::new(tb_cfg())?,
                cb: CircuitBreaker::new(Config::default())?,
                bh: Bulkhead::new(bh_cfg())?,
            },
        })
    })())
}

fn tb_op(s: &Set) {
    black_box(s.tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
}

fn cb_op(s: &Set) {
    if let Ok(p) = s.cb.try_acquire() {
        s.cb.record(p, Outcome::Success, black_box(Duration::from_micros(5)));
    }
}

fn bh_op(s: &Set) {
    black_box(s.bh.try_acquire().is_ok());
}

/// One measured operation.
type Op = fn(&Set);

const OPS: [(&str, Op); 3] = [
    ("token_bucket_try_acquire", tb_op),
    ("breaker_acquire_record", cb_op),
    ("bulkhead_acquire_release", bh_op),
];

/// The second process: runs `op` on its own set (heap) or the region's
/// until killed.
fn child(op: &str, region: &str) -> ! {
    let r =
        (!region.is_empty()).then(|| SharedRegion::open(region).unwrap_or_else(|e| panic!("{e}")));
    let s = set(r.as_ref());
    let f = OPS
        .iter()
        .find(|(n, _)| *n == op)
        .map_or(tb_op as Op, |(_, f)| *f);
    println!("running");
    loop {
        for _ in 0..1024 {
            f(&s);
        }
    }
}

/// Starts the second process and waits until it runs.
fn second_process(op: &str, region: &str) -> Child {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut c = Command::new(exe)
        .env("SEAWALL_BENCH_CHILD", op)
        .env("SEAWALL_BENCH_REGION", region)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(out) = c.stdout.take() {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
    }
    c
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Interleaved mode (`SEAWALL_BENCH_INTERLEAVED=<rounds>`): for each
/// operation and setting, `rounds` rounds each timing one batch on the heap
/// and one in the region (the order alternating per round), so both see
/// the same machine load; prints the median ns per operation per thread of
/// each, their ratio and the median of the per-round ratios. With 2
/// processes each round also times 2 threads of this process on one heap
/// primitive: the same sharing of one primitive's lines between two cores
/// that one limit across processes needs (the heap pair shares nothing).
fn interleaved(rounds: usize, path: &str, heap: &Set, shared: &Set) {
    const BATCH: Duration = Duration::from_millis(20);
    println!(
        "| operation | setting | heap ns | region ns | region / heap | median of round ratios \
         | heap, 2 threads on one primitive | region / that |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (name, op) in OPS {
        for setting in ["1 thread", "2 threads", "2 processes"] {
            let threads = if setting == "2 threads" { 2 } else { 1 };
            // Calibrate one batch to about BATCH on the heap.
            let mut n = 1024u64;
            while on_threads(threads, n, heap, op) < BATCH / 4 && n < 1 << 30 {
                n *= 2;
            }
            n *= 4;
            let (mut h, mut r, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
            let mut shared_heap = Vec::new();
            for round in 0..rounds {
                let mut pair = [0.0f64; 2];
                let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for k in order {
                    let s = if k == 0 { heap } else { shared };
                    let other = (setting == "2 processes")
                        .then(|| second_process(name, if k == 1 { path } else { "" }));
                    let d = on_threads(threads, n, s, op);
                    if let Some(mut o) = other {
                        let _ = o.kill();
                        let _ = o.wait();
                    }
                    if let Some(p) = pair.get_mut(k) {
                        *p = d.as_nanos() as f64 / n as f64;
                    }
                }
                if setting == "2 processes" {
                    let d = on_threads(2, n, heap, op);
                    shared_heap.push(d.as_nanos() as f64 / n as f64);
                }
                h.push(pair[0]);
                r.push(pair[1]);
                ratio.push(pair[1] / pair[0]);
            }
            let (mh, mr) = (median(&mut h), median(&mut r));
            let extra = if shared_heap.is_empty() {
                " | |".to_owned()
            } else {
                let ms = median(&mut shared_heap);
                format!(" {ms:.1} | {:.2} |", mr / ms)
            };
            println!(
                "| {name} | {setting} | {mh:.1} | {mr:.1} | {:.2} | {:.2} |{extra}",
                mr / mh,
                median(&mut ratio)
            );
        }
    }
}

fn main() {
    if let Ok(op) = std::env::var("SEAWALL_BENCH_CHILD") {
        child(
            &op,
            &std::env::var("SEAWALL_BENCH_REGION").unwrap_or_default(),
        );
    }
    let path = format!("/dev/shm/seawall-bench-{}", std::process::id());
    let _ = SharedRegion::remove(&path);
    let region = SharedRegion::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let heap = set(None);
    let shared = set(Some(&region));
    if let Some(rounds) = std::env::var("SEAWALL_BENCH_INTERLEAVED")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        interleaved(rounds.max(1), &path, &heap, &shared);
        let _ = SharedRegion::remove(&path);
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for (name, op) in OPS {
        let mut g = c.benchmark_group(name);
        for threads in [1usize, 2] {
            for (kind, s) in [("heap", &heap), ("region", &shared)] {
                g.bench_function(BenchmarkId::new(format!("{kind}/threads"), threads), |b| {
                    b.iter_custom(|n| on_threads(threads, n, s, op))
                });
            }
        }
        for (kind, s) in [("heap", &heap), ("region", &shared)] {
            let mut other = second_process(name, if kind == "region" { &path } else { "" });
            g.bench_function(BenchmarkId::new(format!("{kind}/processes"), 2), |b| {
                b.iter_custom(|n| on_threads(1, n, s, op))
            });
            let _ = other.kill();
            let _ = other.wait();
        }
        g.finish();
    }
    c.final_summary();
    let _ = SharedRegion::remove(&path);
}

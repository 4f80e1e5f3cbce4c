//! Each hot-path operation of `core.rs` as a plain loop, for two kinds of
//! measurement that stay meaningful on a loaded machine:
//!
//! * instruction counts under callgrind (repeatable to the instruction):
//!   `ops <op> <n>`; (instructions at n − instructions at 0) / n is the
//!   count per operation. `scripts/callgrind-ops.sh` does this for every op.
//!   Under valgrind `clock_gettime` is a system call whose kernel side is not
//!   counted, so real-clock ops count the algorithm, not the clock read.
//! * interleaved wall-clock ratios: `ops ab <op_a> <op_b> [threads]` times
//!   short batches of A and B alternately (A B B A …) on one shared instance
//!   each, so both see the same background load, and prints the median and
//!   minimum ns/op of each and their ratio. `scripts/bench-ratios.sh` runs
//!   every pair of the targets.
#![allow(clippy::disallowed_methods)] // times itself with Instant
#![allow(missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Barrier;
use std::time::{Duration, Instant};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// Runs one operation `n` times on an instance built once and shared by
/// every thread that calls it.
type Looper = Box<dyn Fn(u64) + Sync>;

const OPS: &[&str] = &[
    "tb_allowed",
    "gov_allowed",
    "tb_denied",
    "gov_denied",
    "tb_allowed_fake",
    "gov_allowed_fake",
    "cb_success",
    "recloser",
    "failsafe",
    "bh",
    "tokio_sem",
    "backoff",
    "backoff_seeded",
    "backoff_state",
    "backon",
    "cb_call",
    "cb_call_noslow",
    "sw",
    "ktb_hot",
    "gov_keyed",
    "bh_full",
    "tokio_full",
    "clk_fast",
    "clk_mono",
    "clk_quanta",
    "tb_allowed_mono",
    "sw_mono",
    "ktb_hot_mono",
    "cb_call_mono",
    "tb_denied_rc",
    "gov_denied_rc",
    "tb_allowed_named",
    "cb_success_named",
    "bh_named",
];

/// A registry entry for the `_named` ops: the same instance, registered
/// under a name with a label (spec/metrics.md), kept alive by the closure.
fn named(src: seawall::registry::Source) -> seawall::registry::Registration {
    must(seawall::registry::default_registry().register("bench", &[("dependency", "bench")], src))
}

/// The backoff every backoff op times: exponential 100 ms × 2 capped at
/// 30 s, 11 attempts (10 delays), like the backon side. Unseeded is what
/// backon does (a thread-local RNG); a seeded backoff numbers its schedules
/// on one shared counter (spec/backoff.md, "RNG").
fn backoff(jitter: seawall::backoff::Jitter, seed: Option<u64>) -> seawall::backoff::Backoff {
    use seawall::backoff::{Backoff, BackoffConfig, BackoffKind};
    must(Backoff::new(BackoffConfig {
        kind: BackoffKind::Exponential,
        base: Duration::from_millis(100),
        factor: 2.0,
        max_delay: Duration::from_secs(30),
        jitter,
        max_attempts: 11,
        max_elapsed: None,
        seed,
    }))
}

/// `CLOCK_MONOTONIC` for the `_mono` ops, else the fast clock.
fn host_clock(op: &str) -> seawall::ClockSource {
    if op.ends_with("_mono") {
        seawall::ClockSource::Monotonic
    } else {
        seawall::ClockSource::fast()
    }
}

fn must<T>(r: seawall::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn make(op: &str) -> Option<Looper> {
    use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
    let tb = |burst, rate, init| TokenBucketConfig {
        burst,
        rate_per_sec: rate,
        initial_tokens: init,
    };
    let gov_quota = || governor::Quota::per_second(nz(1_000_000_000)).allow_burst(nz(1_000_000));
    Some(match op {
        // `_mono`: the same on CLOCK_MONOTONIC, the clock every primitive
        // read before the fast clock (the "before" of BENCHMARKS.md).
        "tb_allowed" | "tb_allowed_mono" => {
            let l = must(TokenBucket::with_clock(
                tb(1_000_000, 1e9, None),
                host_clock(op),
            ));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        "tb_allowed_named" => {
            let l = std::sync::Arc::new(must(TokenBucket::new(tb(1_000_000, 1e9, None))));
            let reg = named(seawall::registry::Source::TokenBucket(l.clone()));
            Box::new(move |n| {
                let _keep = &reg;
                for _ in 0..n {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        "cb_success_named" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            let cb = std::sync::Arc::new(must(CircuitBreaker::new(Config::default())));
            let reg = named(seawall::registry::Source::CircuitBreaker(cb.clone()));
            Box::new(move |n| {
                let _keep = &reg;
                for _ in 0..n {
                    if let Ok(p) = cb.try_acquire() {
                        let r: Result<u32, ()> = Ok(black_box(1));
                        let o = if r.is_ok() {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        };
                        cb.record(p, o, Duration::from_micros(5));
                    }
                }
            })
        }
        "bh_named" => {
            use seawall::bulkhead::{Bulkhead, BulkheadConfig};
            let bh = std::sync::Arc::new(must(Bulkhead::new(BulkheadConfig {
                max_concurrent: 64,
                ..Default::default()
            })));
            let reg = named(seawall::registry::Source::Bulkhead(bh.clone()));
            Box::new(move |n| {
                let _keep = &reg;
                for _ in 0..n {
                    black_box(bh.try_acquire().is_ok());
                }
            })
        }
        "gov_allowed" => {
            let l = governor::RateLimiter::direct(gov_quota());
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.check().is_ok());
                }
            })
        }
        "tb_denied" => {
            let c = seawall::ManualClock::new();
            let l = must(TokenBucket::with_clock(tb(1, 1.0, Some(0)), &c));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        // Denied on the real clocks (each call reads its clock): a bucket
        // of 1 refilled once a second, drained.
        "tb_denied_rc" => {
            let l = must(TokenBucket::new(tb(1, 1.0, Some(0))));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        "gov_denied_rc" => {
            let l = governor::RateLimiter::direct(governor::Quota::per_second(nz(1)));
            let _ = l.check();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.check().is_ok());
                }
            })
        }
        "gov_denied" => {
            let l = governor::RateLimiter::direct_with_clock(
                governor::Quota::per_second(nz(1)),
                governor::clock::FakeRelativeClock::default(),
            );
            let _ = l.check();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.check().is_ok());
                }
            })
        }
        "tb_allowed_fake" => {
            let c = seawall::ManualClock::new();
            let l = must(TokenBucket::with_clock(tb(1_000_000, 1e9, None), &c));
            Box::new(move |n| {
                for _ in 0..n {
                    c.advance_ns(1_000);
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        "gov_allowed_fake" => {
            let c = governor::clock::FakeRelativeClock::default();
            let l = governor::RateLimiter::direct_with_clock(gov_quota(), c.clone());
            Box::new(move |n| {
                for _ in 0..n {
                    c.advance(Duration::from_micros(1));
                    black_box(l.check().is_ok());
                }
            })
        }
        "cb_success" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            let cb = must(CircuitBreaker::new(Config::default()));
            Box::new(move |n| {
                for _ in 0..n {
                    if let Ok(p) = cb.try_acquire() {
                        let r: Result<u32, ()> = Ok(black_box(1));
                        let o = if r.is_ok() {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        };
                        cb.record(p, o, Duration::from_micros(5));
                    }
                }
            })
        }
        "cb_acquire_only" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config};
            let cb = must(CircuitBreaker::new(Config::default()));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(cb.try_acquire().is_ok());
                }
            })
        }
        "cb_const" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            let cb = must(CircuitBreaker::new(Config::default()));
            Box::new(move |n| {
                for _ in 0..n {
                    if let Ok(p) = cb.try_acquire() {
                        cb.record(p, Outcome::Success, Duration::from_micros(5));
                    }
                }
            })
        }
        "cb_record_only" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            let cb = must(CircuitBreaker::new(Config::default()));
            let p = cb.try_acquire().unwrap_or_else(|e| panic!("{e}"));
            Box::new(move |n| {
                for _ in 0..n {
                    cb.record(black_box(p), Outcome::Success, Duration::from_micros(5));
                }
            })
        }
        "recloser" => {
            let cb = recloser::Recloser::custom()
                .error_rate(0.5)
                .closed_len(100)
                .build();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
                }
            })
        }
        "failsafe" => {
            use failsafe::CircuitBreaker as _;
            let cb = failsafe::Config::new().build();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
                }
            })
        }
        "bh" => {
            use seawall::bulkhead::{Bulkhead, BulkheadConfig};
            let bh = must(Bulkhead::new(BulkheadConfig {
                max_concurrent: 64,
                ..Default::default()
            }));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(bh.try_acquire().is_ok());
                }
            })
        }
        "tokio_sem" => {
            let s = tokio::sync::Semaphore::new(64);
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(s.try_acquire().is_ok());
                }
            })
        }
        "backoff" | "backoff_seeded" => {
            let b = backoff(
                seawall::backoff::Jitter::Full,
                (op == "backoff_seeded").then_some(1),
            );
            Box::new(move |n| {
                for _ in 0..n {
                    let mut s = b.schedule();
                    let mut total = Duration::ZERO;
                    while let Some(d) = s.next_delay(None) {
                        total += d;
                    }
                    black_box(total);
                }
            })
        }
        "backoff_state" => {
            let b = backoff(seawall::backoff::Jitter::Full, Some(1));
            Box::new(move |n| {
                for _ in 0..n {
                    let mut s = b.start();
                    let mut total = Duration::ZERO;
                    while let Some(d) = b.next_delay(&mut s, None) {
                        total += d;
                    }
                    b.finish(&mut s);
                    black_box(total);
                }
            })
        }
        "backoff_schedule_only" | "backoff_no_jitter" => {
            use seawall::backoff::Jitter;
            let only = op == "backoff_schedule_only";
            let b = backoff(if only { Jitter::Full } else { Jitter::None }, None);
            Box::new(move |n| {
                for _ in 0..n {
                    let mut s = b.schedule();
                    let mut total = Duration::ZERO;
                    if !only {
                        while let Some(d) = s.next_delay(None) {
                            total += d;
                        }
                    }
                    black_box(total);
                }
            })
        }
        "backon" => {
            use backon::BackoffBuilder;
            Box::new(move |n| {
                for _ in 0..n {
                    let it = backon::ExponentialBuilder::default()
                        .with_min_delay(Duration::from_millis(100))
                        .with_factor(2.0)
                        .with_max_delay(Duration::from_secs(30))
                        .with_jitter()
                        .with_max_times(10)
                        .build();
                    let total: Duration = it.sum();
                    black_box(total);
                }
            })
        }
        // The documented form: `call` with the default config (slow-call
        // rule on, 60 s), which times the call on the breaker's clock.
        "cb_call" | "cb_call_noslow" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config};
            let cfg = if op == "cb_call" {
                Config::default()
            } else {
                Config {
                    slow_call_rate_threshold: None,
                    ..Config::default()
                }
            };
            let cb = must(CircuitBreaker::new(cfg));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
                }
            })
        }
        // `call` as it was before the fast clock: two CLOCK_MONOTONIC reads.
        "cb_call_mono" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            use seawall::clock::{Clock as _, MonotonicClock};
            let cb = must(CircuitBreaker::new(Config::default()));
            Box::new(move |n| {
                for _ in 0..n {
                    if let Ok(p) = cb.try_acquire() {
                        let t0 = MonotonicClock.now_ns();
                        let r: Result<u32, ()> = Ok(black_box(1));
                        let d = Duration::from_nanos(MonotonicClock.now_ns().saturating_sub(t0));
                        let o = if r.is_ok() {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        };
                        cb.record(p, o, d);
                        black_box(r.is_ok());
                    }
                }
            })
        }
        "sw" | "sw_mono" => {
            use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
            // Every call allowed: 16 M per 100 ms.
            let l = must(SlidingWindowLimiter::with_clock(
                SlidingWindowConfig {
                    limit: 16_000_000,
                    window: Duration::from_millis(100),
                    buckets: 10,
                },
                host_clock(op),
            ));
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                }
            })
        }
        // One hot key in a table holding 5 000 others, every call allowed.
        "ktb_hot" | "ktb_hot_mono" => {
            use seawall::keyed::{KeyTableConfig, KeyedTokenBucket, KeyedTokenBucketConfig};
            let l = must(KeyedTokenBucket::with_clock(
                KeyedTokenBucketConfig {
                    bucket: tb(1_000_000, 1e9, None),
                    table: KeyTableConfig {
                        max_keys: 10_000,
                        hash_seed: Some(1),
                        ..KeyTableConfig::default()
                    },
                },
                host_clock(op),
            ));
            for k in 0..5_000u32 {
                let _ = l.try_acquire_str(&format!("user-{k}"), 1);
            }
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(
                        l.try_acquire(black_box(b"user-42"), 1)
                            .map(|d| d.allowed)
                            .unwrap_or(false),
                    );
                }
            })
        }
        // One drained key (burst 1, one token a second) on the real clock,
        // every call denied.
        "ktb_denied" => {
            use seawall::keyed::{KeyTableConfig, KeyedTokenBucket, KeyedTokenBucketConfig};
            let l = must(KeyedTokenBucket::with_clock(
                KeyedTokenBucketConfig {
                    bucket: tb(1, 1.0, None),
                    table: KeyTableConfig {
                        max_keys: 10_000,
                        hash_seed: Some(1),
                        ..KeyTableConfig::default()
                    },
                },
                host_clock(op),
            ));
            let _ = l.try_acquire(b"user-42", 1); // the only token
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(
                        l.try_acquire(black_box(b"user-42"), 1)
                            .map(|d| d.allowed)
                            .unwrap_or(false),
                    );
                }
            })
        }
        "gov_keyed" => {
            let l = governor::RateLimiter::keyed(gov_quota());
            for k in 0..5_000u32 {
                let _ = l.check_key(&format!("user-{k}").into_bytes());
            }
            let key = b"user-42".to_vec();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(l.check_key(black_box(&key)).is_ok());
                }
            })
        }
        // A full bulkhead refusing: its one slot is held for the whole run.
        "bh_full" => {
            use seawall::bulkhead::{Bulkhead, BulkheadConfig};
            let bh = std::sync::Arc::new(must(Bulkhead::new(BulkheadConfig {
                max_concurrent: 1,
                ..Default::default()
            })));
            let held = must(bh.try_acquire_owned());
            Box::new(move |n| {
                let _hold = &held;
                for _ in 0..n {
                    black_box(bh.try_acquire().is_ok());
                }
            })
        }
        "tokio_full" => {
            let s = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
            let held = s.clone().try_acquire_owned().ok();
            Box::new(move |n| {
                let _hold = &held;
                for _ in 0..n {
                    black_box(s.try_acquire().is_ok());
                }
            })
        }
        "clk_fast" | "clk_mono" => {
            use seawall::clock::Clock as _;
            let c = if op == "clk_fast" {
                seawall::ClockSource::fast()
            } else {
                seawall::ClockSource::Monotonic
            };
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(c.now_ns());
                }
            })
        }
        "clk_quanta" => {
            let c = quanta::Clock::new();
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(c.now());
                }
            })
        }
        _ => return None,
    })
}

/// Runs `f(n)` on `threads` threads at once; each thread times itself (so a
/// descheduled coordinator cannot shorten the measurement) and the result is
/// the slowest thread's ns per op.
fn timed(f: &Looper, threads: usize, n: u64) -> f64 {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    f(n);
                    start.elapsed().as_nanos() as f64 / n as f64
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(f64::NAN))
            .fold(0.0, f64::max)
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ab(a: &str, b: &str, threads: usize, rounds: usize) -> Option<()> {
    let (fa, fb) = (make(a)?, make(b)?);
    // Batches of about 5 ms each on one thread; 50 ms on more, so that the
    // threads overlap for most of the batch rather than run one after the
    // other within a scheduler time slice.
    let target_ns = if threads > 1 { 50e6 } else { 5e6 };
    let batch = |f: &Looper| {
        let per = timed(f, threads, 10_000).max(0.5);
        ((target_ns / per) as u64).max(1_000)
    };
    let (na, nb) = (batch(&fa), batch(&fb));
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        if r % 2 == 0 {
            ta.push(timed(&fa, threads, na));
            tb.push(timed(&fb, threads, nb));
        } else {
            tb.push(timed(&fb, threads, nb));
            ta.push(timed(&fa, threads, na));
        }
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (mina, minb) = (min(&ta), min(&tb));
    let (meda, medb) = (median(&mut ta), median(&mut tb));
    println!(
        "{a:<16} {b:<16} {threads}  median {meda:8.2} {medb:8.2} ratio {:5.2}   min {mina:8.2} {minb:8.2} ratio {:5.2}",
        meda / medb,
        mina / minb
    );
    Some(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    if arg(1).is_empty() || arg(1).starts_with("--") {
        // Run by `cargo bench` (which passes `--bench`): nothing to time
        // here; see scripts/bench-ratios.sh and scripts/callgrind-ops.sh.
        println!("ops: run scripts/bench-ratios.sh or scripts/callgrind-ops.sh");
        return;
    }
    let ok = if arg(1) == "ab" {
        let threads = arg(4).parse().unwrap_or(1);
        let rounds = arg(5).parse().unwrap_or(40);
        ab(arg(2), arg(3), threads, rounds).is_some()
    } else {
        let n: u64 = arg(2).parse().unwrap_or(1_000_000);
        make(arg(1)).map(|f| f(n)).is_some()
    };
    if !ok {
        eprintln!(
            "usage: ops <op> [n] | ops ab <op_a> <op_b> [threads] [rounds]; ops: {}",
            OPS.join(" ")
        );
        std::process::exit(2);
    }
}

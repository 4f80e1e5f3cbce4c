//! One operation run `n` times, for instruction counts under callgrind
//! (repeatable on a loaded machine, unlike wall time):
//!
//! ```text
//! cargo bench -p seawall-benches --bench ops --no-run
//! valgrind --tool=callgrind target/release/deps/ops-* <op> 0       # baseline
//! valgrind --tool=callgrind target/release/deps/ops-* <op> 1000000
//! ```
//!
//! (total instructions of the second run − the first) / n = instructions per
//! operation. Under valgrind `clock_gettime` is a real system call whose
//! kernel instructions are not counted, so real-clock ops count the
//! algorithm, not the clock. `scripts/callgrind-ops.sh` runs every op.
#![allow(clippy::disallowed_methods)]
#![allow(missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("list", String::as_str);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let ok = run(op, n);
    if !ok {
        eprintln!("unknown op {op}; ops: {}", OPS.join(" "));
        std::process::exit(2);
    }
}

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
    "backon",
];

fn run(op: &str, n: u64) -> bool {
    use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
    let tb = |burst, rate, init| TokenBucketConfig {
        burst,
        rate_per_sec: rate,
        initial_tokens: init,
    };
    let must = |e: seawall::Error| -> ! { panic!("{e}") };
    match op {
        "tb_allowed" => {
            let l = TokenBucket::new(tb(1_000_000, 1e9, None)).unwrap_or_else(|e| must(e));
            for _ in 0..n {
                black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
            }
        }
        "gov_allowed" => {
            let l = governor::RateLimiter::direct(
                governor::Quota::per_second(nz(1_000_000_000)).allow_burst(nz(1_000_000)),
            );
            for _ in 0..n {
                black_box(l.check().is_ok());
            }
        }
        "tb_denied" => {
            let c = seawall::ManualClock::new();
            let l = TokenBucket::with_clock(tb(1, 1.0, Some(0)), &c).unwrap_or_else(|e| must(e));
            for _ in 0..n {
                black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
            }
        }
        "gov_denied" => {
            let l = governor::RateLimiter::direct_with_clock(
                governor::Quota::per_second(nz(1)),
                governor::clock::FakeRelativeClock::default(),
            );
            let _ = l.check();
            for _ in 0..n {
                black_box(l.check().is_ok());
            }
        }
        "tb_allowed_fake" => {
            let c = seawall::ManualClock::new();
            let l = TokenBucket::with_clock(tb(1_000_000, 1e9, None), &c)
                .unwrap_or_else(|e| must(e));
            for _ in 0..n {
                c.advance_ns(1_000);
                black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
            }
        }
        "gov_allowed_fake" => {
            let c = governor::clock::FakeRelativeClock::default();
            let l = governor::RateLimiter::direct_with_clock(
                governor::Quota::per_second(nz(1_000_000_000)).allow_burst(nz(1_000_000)),
                c.clone(),
            );
            for _ in 0..n {
                c.advance(Duration::from_micros(1));
                black_box(l.check().is_ok());
            }
        }
        "cb_success" => {
            use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
            let cb = CircuitBreaker::new(Config::default()).unwrap_or_else(|e| must(e));
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
        }
        "recloser" => {
            let cb = recloser::Recloser::custom()
                .error_rate(0.5)
                .closed_len(100)
                .build();
            for _ in 0..n {
                black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
            }
        }
        "failsafe" => {
            use failsafe::CircuitBreaker as _;
            let cb = failsafe::Config::new().build();
            for _ in 0..n {
                black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
            }
        }
        "bh" => {
            use seawall::bulkhead::{Bulkhead, BulkheadConfig};
            let bh = Bulkhead::new(BulkheadConfig {
                max_concurrent: 64,
                ..Default::default()
            })
            .unwrap_or_else(|e| must(e));
            for _ in 0..n {
                black_box(bh.try_acquire().is_ok());
            }
        }
        "tokio_sem" => {
            let s = tokio::sync::Semaphore::new(64);
            for _ in 0..n {
                black_box(s.try_acquire().is_ok());
            }
        }
        "backoff" => {
            use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter};
            let b = Backoff::new(BackoffConfig {
                kind: BackoffKind::Exponential,
                base: Duration::from_millis(100),
                factor: 2.0,
                max_delay: Duration::from_secs(30),
                jitter: Jitter::Full,
                max_attempts: 11,
                max_elapsed: None,
                seed: Some(1),
            })
            .unwrap_or_else(|e| must(e));
            for _ in 0..n {
                let mut s = b.schedule();
                let mut total = Duration::ZERO;
                while let Some(d) = s.next_delay(None) {
                    total += d;
                }
                black_box(total);
            }
        }
        "backon" => {
            use backon::BackoffBuilder;
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
        }
        _ => return false,
    }
    true
}

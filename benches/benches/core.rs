//! The core's hot paths next to the peer crates a Rust user would pick,
//! measured in one run: `cargo bench -p seawall-benches` (or `make bench-rust`).
//!
//! Every pair does the same work: same clock kind (both real, or both
//! frozen fakes), same outcome (allowed / denied / success), same threads.
#![allow(clippy::disallowed_methods)] // the harness times itself with Instant
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use seawall_benches::on_threads;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

fn token_bucket(c: &mut Criterion) {
    use governor::clock::FakeRelativeClock;
    use governor::{Quota, RateLimiter};
    use seawall::token_bucket::{TokenBucket, TokenBucketConfig};

    let mut g = c.benchmark_group("token_bucket");
    // Allowed: real clocks, a rate so high that every call is granted.
    let sw = TokenBucket::new(TokenBucketConfig {
        burst: 1_000_000,
        rate_per_sec: 1e9,
        initial_tokens: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let gov = RateLimiter::direct(Quota::per_second(nz(1_000_000_000)).allow_burst(nz(1_000_000)));
    // Denied: frozen fake clocks, burst already used.
    let clock = seawall::ManualClock::new();
    let sw_denied = TokenBucket::with_clock(
        TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: Some(0),
        },
        &clock,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeRelativeClock::default();
    let gov_denied = RateLimiter::direct_with_clock(Quota::per_second(nz(1)), fake);
    let _ = gov_denied.check();
    let fake2 = FakeRelativeClock::default();
    let clock2 = seawall::ManualClock::new();
    let sw_fake_allowed = TokenBucket::with_clock(
        TokenBucketConfig {
            burst: 1_000_000,
            rate_per_sec: 1e9,
            initial_tokens: None,
        },
        &clock2,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let gov_fake_allowed = RateLimiter::direct_with_clock(
        Quota::per_second(nz(1_000_000_000)).allow_burst(nz(1_000_000)),
        fake2.clone(),
    );

    for threads in [1usize, 2] {
        g.bench_function(BenchmarkId::new("seawall/allowed", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &sw, |l| {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                })
            })
        });
        g.bench_function(BenchmarkId::new("governor/allowed", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &gov, |l| {
                    black_box(l.check().is_ok());
                })
            })
        });
        g.bench_function(BenchmarkId::new("seawall/denied", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &sw_denied, |l| {
                    black_box(l.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                })
            })
        });
        g.bench_function(BenchmarkId::new("governor/denied", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &gov_denied, |l| {
                    black_box(l.check().is_ok());
                })
            })
        });
    }
    // Allowed with both fake clocks advancing by 1 µs per call from one thread:
    // the algorithm without the cost of reading a real clock.
    g.bench_function("seawall/allowed_fake_clock", |b| {
        b.iter(|| {
            clock2.advance_ns(1_000);
            black_box(
                sw_fake_allowed
                    .try_acquire(1)
                    .map(|d| d.allowed)
                    .unwrap_or(false),
            )
        })
    });
    g.bench_function("governor/allowed_fake_clock", |b| {
        b.iter(|| {
            fake2.advance(Duration::from_micros(1));
            black_box(gov_fake_allowed.check().is_ok())
        })
    });
    g.finish();
}

fn breaker(c: &mut Criterion) {
    use failsafe::CircuitBreaker as _;
    use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};

    let mut g = c.benchmark_group("breaker_call_success");
    // Comparable rules: failure rate over the last 100 calls, success path.
    let sw = CircuitBreaker::new(Config::default()).unwrap_or_else(|e| panic!("{e}"));
    let rc = recloser::Recloser::custom()
        .error_rate(0.5)
        .closed_len(100)
        .build();
    let fs = failsafe::Config::new().build();
    for threads in [1usize, 2] {
        g.bench_function(BenchmarkId::new("seawall", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &sw, |cb| {
                    if let Ok(p) = cb.try_acquire() {
                        let r: Result<u32, ()> = Ok(black_box(1));
                        cb.record(
                            p,
                            if r.is_ok() {
                                Outcome::Success
                            } else {
                                Outcome::Failure
                            },
                            Duration::from_micros(5),
                        );
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("recloser", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &rc, |cb| {
                    black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
                })
            })
        });
        g.bench_function(BenchmarkId::new("failsafe", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &fs, |cb| {
                    black_box(cb.call(|| Ok::<u32, ()>(black_box(1))).is_ok());
                })
            })
        });
    }
    g.finish();
}

fn bulkhead(c: &mut Criterion) {
    use seawall::bulkhead::{Bulkhead, BulkheadConfig};

    let mut g = c.benchmark_group("bulkhead_acquire_release");
    let sw = Bulkhead::new(BulkheadConfig {
        max_concurrent: 64,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let sem = tokio::sync::Semaphore::new(64);
    for threads in [1usize, 2] {
        g.bench_function(BenchmarkId::new("seawall", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &sw, |bh| {
                    black_box(bh.try_acquire().is_ok());
                })
            })
        });
        g.bench_function(BenchmarkId::new("tokio_semaphore", threads), |b| {
            b.iter_custom(|n| {
                on_threads(threads, n, &sem, |s| {
                    black_box(s.try_acquire().is_ok());
                })
            })
        });
    }
    g.finish();
}

fn backoff(c: &mut Criterion) {
    use backon::BackoffBuilder;
    use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter};

    let mut g = c.benchmark_group("backoff_10_step_jittered_exponential");
    let sw = Backoff::new(BackoffConfig {
        kind: BackoffKind::Exponential,
        base: Duration::from_millis(100),
        factor: 2.0,
        max_delay: Duration::from_secs(30),
        jitter: Jitter::Full,
        max_attempts: 11,
        max_elapsed: None,
        seed: None, // unseeded, as backon (spec/backoff.md, "RNG")
    })
    .unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("seawall", |b| {
        b.iter(|| {
            let mut s = sw.schedule();
            let mut total = Duration::ZERO;
            while let Some(d) = s.next_delay(None) {
                total += d;
            }
            black_box(total)
        })
    });
    g.bench_function("backon", |b| {
        b.iter(|| {
            let it = backon::ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(100))
                .with_factor(2.0)
                .with_max_delay(Duration::from_secs(30))
                .with_jitter()
                .with_max_times(10)
                .build();
            let total: Duration = it.sum();
            black_box(total)
        })
    });
    g.finish();
}

fn clock(c: &mut Criterion) {
    use governor::clock::Clock as _;
    use seawall::clock::{Clock as _, MonotonicClock};

    // What one clock reading costs: seawall's CLOCK_MONOTONIC, std's Instant
    // (also CLOCK_MONOTONIC through libc) and governor's default quanta
    // clock (TSC-based, not comparable across processes).
    let mut g = c.benchmark_group("clock_read");
    g.bench_function("seawall_monotonic", |b| {
        b.iter(|| black_box(MonotonicClock.now_ns()))
    });
    g.bench_function("std_instant", |b| b.iter(|| black_box(Instant::now())));
    let q = governor::clock::DefaultClock::default();
    g.bench_function("governor_quanta", |b| b.iter(|| black_box(q.now())));
    g.finish();
}

fn keyed(c: &mut Criterion) {
    use seawall::keyed::{
        KeyTableConfig, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
        KeyedTokenBucketConfig,
    };
    use seawall::sliding_window::SlidingWindowConfig;
    use seawall::token_bucket::TokenBucketConfig;

    let mut g = c.benchmark_group("keyed");
    let table = || KeyTableConfig {
        max_keys: 10_000,
        hash_seed: Some(1),
        ..KeyTableConfig::default()
    };
    // A tracked key in a table holding 5 000 others: the hot path (lookup,
    // one CAS on the key's state, the ownership re-check).
    let tb = KeyedTokenBucket::new(KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 1_000_000,
            rate_per_sec: 1e9,
            initial_tokens: None,
        },
        table: table(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let sw = KeyedSlidingWindow::new(KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 16_000_000,
            window: Duration::from_secs(1),
            buckets: 10,
        },
        table: table(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let clock = seawall::ManualClock::new();
    let tb_denied = KeyedTokenBucket::with_clock(
        KeyedTokenBucketConfig {
            bucket: TokenBucketConfig {
                burst: 1,
                rate_per_sec: 1.0,
                initial_tokens: None,
            },
            table: table(),
        },
        &clock,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for k in 0..5_000u32 {
        let key = format!("user-{k}");
        let _ = tb.try_acquire_str(&key, 1);
        let _ = sw.try_acquire_str(&key, 1);
        let _ = tb_denied.try_acquire_str(&key, 1);
    }
    for threads in [1usize, 2] {
        g.bench_function(
            BenchmarkId::new("token_bucket/tracked_allowed", threads),
            |b| {
                b.iter_custom(|n| {
                    on_threads(threads, n, &tb, |l| {
                        black_box(
                            l.try_acquire(b"user-42", 1)
                                .map(|d| d.allowed)
                                .unwrap_or(false),
                        );
                    })
                })
            },
        );
        g.bench_function(
            BenchmarkId::new("sliding_window/tracked_allowed", threads),
            |b| {
                b.iter_custom(|n| {
                    on_threads(threads, n, &sw, |l| {
                        black_box(
                            l.try_acquire(b"user-42", 1)
                                .map(|d| d.allowed)
                                .unwrap_or(false),
                        );
                    })
                })
            },
        );
    }
    g.bench_function("token_bucket/tracked_denied", |b| {
        b.iter(|| {
            black_box(
                tb_denied
                    .try_acquire(b"user-42", 1)
                    .map(|d| d.allowed)
                    .unwrap_or(false),
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = clock, token_bucket, breaker, bulkhead, backoff, keyed
}
criterion_main!(benches);

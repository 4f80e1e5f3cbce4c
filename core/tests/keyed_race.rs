//! Issue 13 item 4: 8 threads, a frozen clock and a table too small for the
//! keys in play (constant eviction and re-insertion): no key is ever granted
//! more than its burst/limit within one frozen-clock round.

use seawall::keyed::{
    KeyTableConfig, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig, OnFull,
};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall::ManualClock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const THREADS: usize = 8;
const ROUNDS: u64 = 4000;
const CALLS: u64 = 12;
const ALLOWANCE: u64 = 2;

fn table(seed: u64) -> KeyTableConfig {
    KeyTableConfig {
        max_keys: 2,
        max_probe: 32,
        on_full: OnFull::Deny,
        hash_seed: Some(seed),
    }
}

/// Runs the rounds; `acquire(key)` returns whether it was granted. Returns
/// (keys over their allowance in some round, worst excess, total grants).
fn hammer(
    clock: &ManualClock,
    slots: u64,
    step_ns: u64,
    acquire: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> (u64, u64, u64) {
    // Keys in play: 1.5 x the table's slots.
    let keys = usize::try_from(slots * 3 / 2).unwrap_or(1);
    let acquire = Arc::new(acquire);
    let grants: Arc<Vec<AtomicU64>> = Arc::new((0..keys).map(|_| AtomicU64::new(0)).collect());
    let start = Arc::new(Barrier::new(THREADS + 1));
    let end = Arc::new(Barrier::new(THREADS + 1));
    let names: Arc<Vec<String>> = Arc::new((0..keys).map(|k| format!("user-{k}")).collect());
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (acquire, grants, start, end, names) = (
                acquire.clone(),
                grants.clone(),
                start.clone(),
                end.clone(),
                names.clone(),
            );
            std::thread::spawn(move || {
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                for _ in 0..ROUNDS {
                    start.wait();
                    for _ in 0..CALLS {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let k = (x % keys as u64) as usize;
                        if let (true, Some(g)) =
                            (names.get(k).is_some_and(|n| acquire(n)), grants.get(k))
                        {
                            g.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    end.wait();
                }
            })
        })
        .collect();
    let (mut over, mut worst, mut total) = (0, 0, 0);
    for _ in 0..ROUNDS {
        start.wait();
        end.wait();
        for g in grants.iter() {
            let n = g.swap(0, Ordering::Relaxed);
            total += n;
            if n > ALLOWANCE {
                over += 1;
                worst = worst.max(n - ALLOWANCE);
            }
        }
        // Everything refills / expires: every key is fresh again, so the next
        // round starts with evictions racing the keys' own requests.
        clock.advance_ns(step_ns);
    }
    for w in workers {
        let _ = w.join();
    }
    (over, worst, total)
}

#[test]
fn keyed_token_bucket_never_over_grants_under_eviction_races() {
    let clock = ManualClock::new();
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: ALLOWANCE,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: table(11),
    };
    let kl =
        Arc::new(KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")));
    let k = kl.clone();
    let (over, worst, total) = hammer(&clock, kl.metrics().capacity, 2_000_000_000, move |key| {
        k.try_acquire_str(key, 1).is_ok_and(|d| d.allowed)
    });
    assert_eq!(
        (over, worst),
        (0, 0),
        "keys over burst (total grants {total})"
    );
    let m = kl.metrics();
    assert!(m.evictions > 0 && m.table_full > 0, "{m:?}");
    assert!(total >= ROUNDS, "{total}");
}

#[test]
fn keyed_sliding_window_never_over_grants_under_eviction_races() {
    let clock = ManualClock::new();
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: ALLOWANCE,
            window: Duration::from_secs(1),
            buckets: 2,
        },
        table: table(12),
    };
    let kl = Arc::new(
        KeyedSlidingWindow::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")),
    );
    let k = kl.clone();
    let (over, worst, total) = hammer(&clock, kl.metrics().capacity, 2_000_000_000, move |key| {
        k.try_acquire_str(key, 1).is_ok_and(|d| d.allowed)
    });
    assert_eq!(
        (over, worst),
        (0, 0),
        "keys over limit (total grants {total})"
    );
    let m = kl.metrics();
    assert!(m.evictions > 0 && m.table_full > 0, "{m:?}");
    assert!(total >= ROUNDS, "{total}");
}

/// Continuous churn on a frozen clock, allowance 1: every grant is refunded right after it
/// is counted, so keys keep going fresh and being evicted while their own
/// requests and refunds are in flight. A key's grants held at once (counted
/// after the grant, uncounted before the refund) never exceed its allowance.
fn churn(
    slots: u64,
    acquire: impl Fn(&str) -> bool + Send + Sync + 'static,
    refund: impl Fn(&str) + Send + Sync + 'static,
) -> (u64, u64) {
    const ITERS: u64 = 400_000;
    let keys = usize::try_from(slots * 3 / 2).unwrap_or(1);
    let names: Arc<Vec<String>> = Arc::new((0..keys).map(|k| format!("user-{k}")).collect());
    let held: Arc<Vec<AtomicU64>> = Arc::new((0..keys).map(|_| AtomicU64::new(0)).collect());
    let over = Arc::new(AtomicU64::new(0));
    let grants = Arc::new(AtomicU64::new(0));
    let (acquire, refund) = (Arc::new(acquire), Arc::new(refund));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (names, held, over, grants, acquire, refund) = (
                names.clone(),
                held.clone(),
                over.clone(),
                grants.clone(),
                acquire.clone(),
                refund.clone(),
            );
            std::thread::spawn(move || {
                let mut x = 0x2545_F491_4F6C_DD1Du64 ^ (t as u64 + 1);
                for _ in 0..ITERS {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let k = (x % keys as u64) as usize;
                    let (Some(name), Some(h)) = (names.get(k), held.get(k)) else {
                        continue;
                    };
                    if acquire(name) {
                        grants.fetch_add(1, Ordering::Relaxed);
                        if h.fetch_add(1, Ordering::SeqCst) + 1 > 1 {
                            over.fetch_add(1, Ordering::Relaxed);
                        }
                        h.fetch_sub(1, Ordering::SeqCst);
                        refund(name);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    (over.load(Ordering::Relaxed), grants.load(Ordering::Relaxed))
}

#[test]
fn keyed_token_bucket_never_over_grants_under_refund_churn() {
    let clock = ManualClock::new();
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: table(13),
    };
    let kl =
        Arc::new(KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")));
    let (a, r) = (kl.clone(), kl.clone());
    let (over, grants) = churn(
        kl.metrics().capacity,
        move |k| a.try_acquire_str(k, 1).is_ok_and(|d| d.allowed),
        move |k| r.refund(k.as_bytes(), 1),
    );
    assert_eq!(over, 0, "grants held above burst ({grants} grants)");
    assert!(
        grants > 0 && kl.metrics().evictions > 0,
        "{:?}",
        kl.metrics()
    );
}

#[test]
fn keyed_sliding_window_never_over_grants_under_refund_churn() {
    let clock = ManualClock::new();
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 1,
            window: Duration::from_secs(1),
            buckets: 2,
        },
        table: table(14),
    };
    let kl = Arc::new(
        KeyedSlidingWindow::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")),
    );
    let (a, r) = (kl.clone(), kl.clone());
    let (over, grants) = churn(
        kl.metrics().capacity,
        move |k| a.try_acquire_str(k, 1).is_ok_and(|d| d.allowed),
        move |k| r.refund(k.as_bytes(), 1),
    );
    assert_eq!(over, 0, "grants held above limit ({grants} grants)");
    assert!(
        grants > 0 && kl.metrics().evictions > 0,
        "{:?}",
        kl.metrics()
    );
}

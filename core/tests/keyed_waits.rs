//! Keyed limiters' waiting acquires from many threads (`spec/keyed.md`,
//! "Waiting acquires"): 100 blocking waiters on one key are served in the
//! order they queued, every one counts one grant and none a denial.

use seawall::keyed::{
    KeyTableConfig, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig,
};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall::{Decision, ManualClock, Result};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

const WAITERS: usize = 100;

fn table() -> KeyTableConfig {
    KeyTableConfig {
        max_keys: 16,
        hash_seed: Some(7),
        ..Default::default()
    }
}

/// Starts `WAITERS` threads one after the other, each blocking in
/// `acquire("k")` once the previous one is queued (`waiting()` says so),
/// then moves the clock `step` at a time and checks that exactly the next
/// thread in queue order finishes at each step.
fn fifo<L: Send + Sync + 'static>(
    clock: &ManualClock,
    lim: Arc<L>,
    acquire: fn(&L) -> Result<Decision>,
    waiting: fn(&L) -> u64,
    step: Duration,
) {
    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::new();
    for i in 0..WAITERS {
        let (l, tx) = (Arc::clone(&lim), tx.clone());
        threads.push(std::thread::spawn(move || {
            let d = acquire(&l);
            tx.send((i, d)).ok();
        }));
        while waiting(&lim) < i as u64 + 1 {
            std::thread::yield_now();
        }
    }
    for want in 0..WAITERS {
        clock.advance(step);
        let (got, d) = rx.recv().unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(got, want, "served out of order");
        assert!(d.is_ok_and(|d| d.allowed), "granted");
        // Nobody else was due yet.
        assert!(rx.try_recv().is_err());
    }
    for t in threads {
        assert!(t.join().is_ok(), "no panic");
    }
}

#[test]
fn keyed_token_bucket_waiters_fifo_no_denials() {
    let clock = ManualClock::new();
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: table(),
    };
    let lim =
        Arc::new(KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")));
    assert!(lim.try_acquire_str("k", 1).is_ok_and(|d| d.allowed));
    fifo(
        &clock,
        Arc::clone(&lim),
        |l| l.acquire(b"k", 1, Duration::from_secs(1000)),
        |l| l.metrics().waiting,
        Duration::from_secs(1),
    );
    let m = lim.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (WAITERS as u64 + 1, 0, 0));
}

#[test]
fn keyed_sliding_window_waiters_fifo_no_denials() {
    let clock = ManualClock::new();
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 1,
            window: Duration::from_secs(1),
            buckets: 1,
        },
        table: table(),
    };
    let lim = Arc::new(
        KeyedSlidingWindow::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")),
    );
    assert!(lim.try_acquire_str("k", 1).is_ok_and(|d| d.allowed));
    // One grant per window; a grant in bucket b is counted until (b + 2) s,
    // so waiter i is due at 2 (i + 1) s: one every 2 s.
    fifo(
        &clock,
        Arc::clone(&lim),
        |l| l.acquire(b"k", 1, Duration::from_secs(1000)),
        |l| l.metrics().waiting,
        Duration::from_secs(2),
    );
    let m = lim.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (WAITERS as u64 + 1, 0, 0));
}

#[test]
fn keyed_timeouts_count_one_denial_each() {
    let clock = ManualClock::new();
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: table(),
    };
    let lim = KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(lim.try_acquire_str("k", 1).is_ok_and(|d| d.allowed));
    for _ in 0..7 {
        let r = lim.acquire(b"k", 1, Duration::from_millis(999));
        assert_eq!(
            r,
            Err(seawall::Error::RateLimited {
                retry_after: Duration::from_secs(1)
            })
        );
    }
    let m = lim.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (1, 7, 0));
}

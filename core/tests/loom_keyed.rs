//! loom models of the keyed table: eviction and duplicate insert racing a
//! key's own requests never grant a key more than its burst.
//!
//! Run: `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_keyed`
#![cfg(seawall_loom)]

use loom::sync::atomic::{AtomicU64, Ordering};
use loom::sync::Arc;
use loom::thread;
use seawall::keyed::{KeyTableConfig, KeyedTokenBucket, KeyedTokenBucketConfig, OnFull};
use seawall::token_bucket::TokenBucketConfig;
use seawall::ManualClock;

const SEC: u64 = 1_000_000_000;

/// Burst 1 per second; `max_keys` 1 = 4 slots, all probed.
fn limiter(clock: &ManualClock) -> Arc<KeyedTokenBucket> {
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: KeyTableConfig {
            max_keys: 1,
            max_probe: 4,
            on_full: OnFull::Deny,
            hash_seed: Some(1),
        },
    };
    Arc::new(
        KeyedTokenBucket::with_clock(cfg, clock)
            .ok()
            .unwrap_or_else(|| unreachable!()),
    )
}

fn granted(l: &KeyedTokenBucket, key: &str) -> u64 {
    u64::from(
        l.try_acquire_str(key, 1)
            .map(|d| d.allowed)
            .unwrap_or(false),
    )
}

/// Keys "x" (slot 2) and "c" (slot 3) are tracked and fresh, "a" and "b"
/// throttled, so "y" gets in by evicting "x", and "x" can come back by
/// evicting "c". "x"'s request races the eviction; afterwards (clock still
/// frozen) a second request of each key must be denied if the first was
/// granted: no grant is lost with an evicted state.
#[test]
fn eviction_racing_the_keys_own_request_never_over_grants() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.check(|| {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        // Slots in probe order: a, b (throttled), x, c (fresh).
        for k in ["p", "q", "x", "c"] {
            assert_eq!(granted(&l, k), 1);
        }
        clock.advance_ns(SEC); // all four are fresh again
        for k in ["a", "b"] {
            assert_eq!(granted(&l, k), 1); // evict p and q
        }
        let tx = {
            let l = l.clone();
            thread::spawn(move || granted(&l, "x"))
        };
        let ty = {
            let l = l.clone();
            thread::spawn(move || granted(&l, "y"))
        };
        let x = tx.join().unwrap_or(9);
        let y = ty.join().unwrap_or(9);
        assert!(x + granted(&l, "x") <= 1, "x over-granted");
        assert!(y + granted(&l, "y") <= 1, "y over-granted");
    });
}

/// A refund for a fresh key races the eviction of its slot and the new
/// owner's grant: the refund never gives the new owner a token back.
#[test]
fn refund_racing_an_eviction_never_refunds_the_new_owner() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(|| {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        for k in ["p", "q", "x", "c"] {
            assert_eq!(granted(&l, k), 1);
        }
        clock.advance_ns(SEC);
        for k in ["a", "b"] {
            assert_eq!(granted(&l, k), 1); // evict p and q; x (slot 2) is fresh
        }
        let tx = {
            let l = l.clone();
            thread::spawn(move || l.refund(b"x", 1))
        };
        let ty = {
            let l = l.clone();
            thread::spawn(move || granted(&l, "y"))
        };
        let _ = tx.join();
        let y = ty.join().unwrap_or(9);
        assert!(y + granted(&l, "y") <= 1, "y over-granted");
    });
}

/// Two threads insert the same new key at once (a fresh table): they
/// converge on one slot, exactly one is granted.
#[test]
fn duplicate_insert_converges_on_one_slot() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(|| {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                thread::spawn(move || granted(&l, "z"))
            })
            .collect();
        let total: u64 = hs.into_iter().map(|h| h.join().unwrap_or(9)).sum();
        assert_eq!(total, 1);
        assert_eq!(granted(&l, "z"), 0);
        assert_eq!(l.metrics().keys_tracked, 1);
    });
}

/// A mutant table: a new key checks that a slot is fresh, then swaps the
/// key word (no `EVICT` state blocking the old key's grants).
/// Three slots: X (fresh), a throttled key, a fresh key; frozen clock
/// at 1 s, burst 1 (TAT = now + 1 s after a grant).
struct OldTable {
    keys: [AtomicU64; 3],
    tat: [AtomicU64; 3],
}

const X: u64 = 1;
const Y: u64 = 2;
const NOW: u64 = SEC;

impl OldTable {
    fn acquire(&self, key: u64) -> bool {
        loop {
            let found = self
                .keys
                .iter()
                .position(|k| k.load(Ordering::SeqCst) == key);
            let i = match found {
                Some(i) => i,
                None => {
                    let Some(i) = self
                        .tat
                        .iter()
                        .position(|t| t.load(Ordering::SeqCst) <= NOW)
                    else {
                        return false;
                    };
                    let Some(k) = self.keys.get(i) else {
                        return false;
                    };
                    let cur = k.load(Ordering::SeqCst);
                    if k.compare_exchange(cur, key, Ordering::SeqCst, Ordering::SeqCst)
                        .is_err()
                    {
                        continue;
                    }
                    i
                }
            };
            let (Some(k), Some(t)) = (self.keys.get(i), self.tat.get(i)) else {
                return false;
            };
            let tat = t.load(Ordering::SeqCst);
            let granted = tat <= NOW
                && t.compare_exchange(tat, NOW + SEC, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
            if k.load(Ordering::SeqCst) == key {
                return granted;
            }
        }
    }
}

#[test]
fn loom_finds_the_check_then_swap_eviction_race() {
    let result = std::panic::catch_unwind(|| {
        let mut b = loom::model::Builder::new();
        b.preemption_bound = Some(2);
        b.check(|| {
            let t = Arc::new(OldTable {
                keys: [AtomicU64::new(X), AtomicU64::new(9), AtomicU64::new(8)],
                tat: [
                    AtomicU64::new(0),
                    AtomicU64::new(NOW + SEC),
                    AtomicU64::new(0),
                ],
            });
            let tx = {
                let t = t.clone();
                thread::spawn(move || t.acquire(X))
            };
            let ty = {
                let t = t.clone();
                thread::spawn(move || t.acquire(Y))
            };
            let x = u64::from(tx.join().unwrap_or(false));
            let _ = ty.join();
            assert!(x + u64::from(t.acquire(X)) <= 1, "x over-granted");
        });
    });
    assert!(
        result.is_err(),
        "loom should find the over-grant of the check-then-swap eviction"
    );
}

/// Burst 3 per second, one tracked key with a full bucket, three takers of
/// it, the clock stepping forward 1 ms on one of them before it takes: all
/// three are granted in every interleaving. (A taker reads the clock before
/// the key's state, for the slot lookup; a charge made meanwhile at the
/// later reading used to make its reading look too early and deny a token
/// that was there.)
#[test]
fn a_clock_read_before_the_state_never_denies_a_token_that_is_there() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(|| {
        let clock = ManualClock::new();
        let cfg = KeyedTokenBucketConfig {
            bucket: TokenBucketConfig {
                burst: 3,
                rate_per_sec: 1.0,
                initial_tokens: None,
            },
            table: KeyTableConfig {
                max_keys: 1,
                max_probe: 4,
                on_full: OnFull::Deny,
                hash_seed: Some(1),
            },
        };
        let l = Arc::new(
            KeyedTokenBucket::with_clock(cfg, &clock)
                .ok()
                .unwrap_or_else(|| unreachable!()),
        );
        assert_eq!(granted(&l, "k"), 1); // tracked; full again 2 s later
        clock.advance(std::time::Duration::from_secs(2));
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let l = l.clone();
                let clock = clock.clone();
                thread::spawn(move || {
                    if i == 0 {
                        clock.advance(std::time::Duration::from_millis(1));
                    }
                    granted(&l, "k")
                })
            })
            .collect();
        let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
        assert_eq!(total, 3);
    });
}

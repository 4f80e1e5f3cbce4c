//! loom models of the GCRA compare-and-swap.
//!
//! Run: `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_token_bucket`
#![cfg(seawall_loom)]

use loom::sync::atomic::{AtomicU64, Ordering};
use loom::sync::Arc;
use loom::thread;
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::ManualClock;

fn cfg(burst: u64) -> TokenBucketConfig {
    TokenBucketConfig {
        burst,
        rate_per_sec: 1.0,
        initial_tokens: None,
    }
}

/// Two threads race for a bucket of burst 1 on a frozen clock: exactly one wins.
#[test]
fn burst_one_two_threads_exactly_one_grant() {
    loom::model(|| {
        let clock = ManualClock::new();
        let tb = Arc::new(
            TokenBucket::with_clock(cfg(1), &clock)
                .ok()
                .unwrap_or_else(|| unreachable!()),
        );
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let tb = tb.clone();
                thread::spawn(move || tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false))
            })
            .collect();
        let granted = handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .filter(|&g| g)
            .count();
        assert_eq!(granted, 1);
        assert_eq!(tb.metrics().available, 0);
    });
}

/// Burst 2, one thread takes 1 twice while another takes 2 and one refunds:
/// never more than 2 tokens granted before the refund.
#[test]
fn burst_two_mixed_n_never_over_grants() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.check(|| {
        let clock = ManualClock::new();
        let tb = Arc::new(
            TokenBucket::with_clock(cfg(2), &clock)
                .ok()
                .unwrap_or_else(|| unreachable!()),
        );
        let t1 = {
            let tb = tb.clone();
            thread::spawn(move || {
                let a = u64::from(tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                let b = u64::from(tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false));
                a + b
            })
        };
        let t2 = {
            let tb = tb.clone();
            thread::spawn(move || {
                2 * u64::from(tb.try_acquire(2).map(|d| d.allowed).unwrap_or(false))
            })
        };
        let total = t1.join().unwrap_or(0) + t2.join().unwrap_or(0);
        assert_eq!(total, 2);
    });
}

/// Burst 3, three takers, the clock stepping forward 1 ms on one of them
/// before it takes: all three are granted in every interleaving. (Reading
/// the clock before the state let a taker that read 0 ms meet a TAT that
/// two takers at 1 ms had already moved, and deny a token that was there:
/// the 4-process shared-memory test saw 299,999 grants of 300,000.)
#[test]
fn a_clock_read_before_the_state_never_denies_a_token_that_is_there() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.check(|| {
        let clock = ManualClock::new();
        let tb = Arc::new(
            TokenBucket::with_clock(cfg(3), &clock)
                .ok()
                .unwrap_or_else(|| unreachable!()),
        );
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let tb = tb.clone();
                let clock = clock.clone();
                thread::spawn(move || {
                    if i == 0 {
                        clock.advance(std::time::Duration::from_millis(1));
                    }
                    tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false)
                })
            })
            .collect();
        let granted = handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .filter(|&g| g)
            .count();
        assert_eq!(granted, 3);
    });
}

/// The same algorithm with the CAS replaced by load + store (the bug the CAS
/// prevents). Frozen clock at 0, burst 1, T = 1 s.
struct BrokenGcra {
    tat: AtomicU64,
}

impl BrokenGcra {
    fn try_acquire(&self) -> bool {
        const T: u64 = 1_000_000_000;
        let now = 0u64;
        let tat = self.tat.load(Ordering::Acquire);
        let after = tat.saturating_sub(now) + T;
        if after <= T {
            self.tat.store(now + after, Ordering::Release);
            true
        } else {
            false
        }
    }
}

#[test]
fn loom_finds_the_load_store_race() {
    let result = std::panic::catch_unwind(|| {
        loom::model(|| {
            let g = Arc::new(BrokenGcra {
                tat: AtomicU64::new(0),
            });
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let g = g.clone();
                    thread::spawn(move || g.try_acquire())
                })
                .collect();
            let granted = hs
                .into_iter()
                .map(|h| h.join().unwrap_or(false))
                .filter(|&x| x)
                .count();
            assert_eq!(granted, 1, "double grant");
        });
    });
    assert!(
        result.is_err(),
        "loom should find the double grant of the load/store variant"
    );
}

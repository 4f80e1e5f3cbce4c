//! Real-thread stress: on a frozen clock, contended `try_acquire` calls grant
//! exactly the burst, no more and no less. Run in release:
//! `cargo test -p seawall --release --test stress_token_bucket`.

use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::ManualClock;
use std::sync::{Arc, Barrier};

const TOTAL_CALLS: u64 = 10_000_000;

fn run(threads: u64, burst: u64) {
    // In debug builds keep it short; the full 10 M calls run under --release.
    let total = if cfg!(debug_assertions) {
        TOTAL_CALLS / 100
    } else {
        TOTAL_CALLS
    };
    let clock = ManualClock::starting_at_ns(123_456_789);
    let cfg = TokenBucketConfig {
        burst,
        rate_per_sec: 1.0,
        initial_tokens: None,
    };
    let tb = Arc::new(TokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")));
    let barrier = Arc::new(Barrier::new(threads as usize));
    let per_thread = total / threads;
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let tb = tb.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut granted = 0u64;
                for k in 0..per_thread {
                    // Mix n = 1 and n = 2 so multi-token grants race too.
                    let n = 1 + ((k + i) % 2);
                    if tb.try_acquire(n).map(|d| d.allowed).unwrap_or(false) {
                        granted += n;
                    }
                }
                granted
            })
        })
        .collect();
    let granted: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    // Every thread keeps alternating n = 1 and n = 2, so a last odd token is
    // always taken by some n = 1 call: exactly the burst is granted.
    assert_eq!(
        granted, burst,
        "{threads} threads granted {granted} of burst {burst}"
    );
    let m = tb.metrics();
    assert_eq!(m.available, 0);
    assert_eq!(m.allowed + m.denied, per_thread * threads);
}

#[test]
fn two_threads_grant_exactly_the_burst() {
    run(2, 10_001);
}

#[test]
fn eight_threads_grant_exactly_the_burst() {
    run(8, 100_001);
}

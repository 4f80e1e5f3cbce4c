//! Real threads hammering one bulkhead: in-flight never exceeds the cap,
//! everything is given back, and the counters match what the threads saw.
//! Meant for `cargo test --release`.

use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const THREADS: usize = 4;
const ITERS: u64 = if cfg!(debug_assertions) {
    20_000
} else {
    200_000
};

fn run(max: u64, max_queue: u64, blocking: bool) {
    let cfg = BulkheadConfig {
        max_concurrent: max,
        max_queue,
        max_wait: Duration::ZERO,
    };
    let b = match Bulkhead::new(cfg) {
        Ok(b) => Arc::new(b),
        Err(e) => unreachable!("{e}"),
    };
    let inside = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let granted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (b, inside, peak, granted, refused) = (
                Arc::clone(&b),
                Arc::clone(&inside),
                Arc::clone(&peak),
                Arc::clone(&granted),
                Arc::clone(&refused),
            );
            std::thread::spawn(move || {
                let iters = if blocking { ITERS / 20 } else { ITERS };
                for k in 0..iters {
                    let p = if blocking && i % 2 == 0 {
                        b.acquire(Duration::from_millis(50))
                    } else {
                        b.try_acquire()
                    };
                    if let Ok(p) = p {
                        granted.fetch_add(1, Ordering::SeqCst);
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= max, "{now} inside, max {max}");
                        peak.fetch_max(now, Ordering::Relaxed);
                        std::hint::spin_loop();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(p);
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    if k % 16 == 0 {
                        // Mid-run: within the cap, and `total` not below the
                        // grants already counted here.
                        let before = granted.load(Ordering::SeqCst);
                        let m = b.metrics();
                        assert!(m.active <= max && m.queued <= max_queue, "{m:?}");
                        assert!(m.total >= before, "total {} < {before}", m.total);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().is_ok());
    }
    let m = b.metrics();
    assert_eq!((m.active, m.queued), (0, 0));
    assert_eq!(m.total, granted.load(Ordering::SeqCst));
    assert_eq!(m.rejected, refused.load(Ordering::SeqCst));
    assert!(m.total > 0);
    assert!(peak.load(Ordering::Relaxed) <= max);
}

#[test]
fn try_acquire_never_exceeds_max_of_one() {
    run(1, 0, false);
}

#[test]
fn try_acquire_never_exceeds_max_of_two() {
    run(2, 0, false);
}

/// A queue makes the bulkhead use its CAS loop (no queue: one atomic add).
#[test]
fn try_acquire_never_exceeds_max_of_two_with_a_queue() {
    run(2, 1, false);
}

#[test]
fn try_acquire_never_exceeds_max_of_three() {
    run(3, 0, false);
}

#[test]
fn mixed_blocking_and_try_acquire_never_exceed_max() {
    run(1, 2, true);
}

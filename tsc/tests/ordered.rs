//! Both ordered reads (`LFENCE; RDTSC` and the forced `RDTSCP` path) never
//! go back, within a thread or across threads.

use seawall_tsc::OrderedTsc;
use std::sync::atomic::{AtomicU64, Ordering};

fn backward_reads(tsc: OrderedTsc, threads: usize, iters: usize) -> u64 {
    let latest = AtomicU64::new(0);
    let back = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut own = 0;
                for _ in 0..iters {
                    let seen = latest.load(Ordering::Acquire);
                    let t = tsc.read();
                    if t < seen || t < own {
                        back.fetch_add(1, Ordering::Relaxed);
                    }
                    own = t;
                    latest.fetch_max(t, Ordering::AcqRel);
                }
            });
        }
    });
    back.load(Ordering::Relaxed)
}

#[test]
fn ordered_reads_never_go_back_across_threads() {
    let Some(tsc) = OrderedTsc::detect() else {
        // No RDTSCP (or not x86-64): nothing to read; the fast clock falls
        // back to CLOCK_MONOTONIC there (core/tests/fast_clock.rs).
        return;
    };
    assert_eq!(backward_reads(tsc, 2, 2_000_000), 0);
    let forced = tsc.rdtscp();
    assert!(forced.uses_rdtscp());
    assert_eq!(backward_reads(forced, 2, 2_000_000), 0);
}

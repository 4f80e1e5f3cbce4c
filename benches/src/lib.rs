//! Benches live in `benches/`; see BENCHMARKS.md. This library holds what
//! the benches share.
#![allow(clippy::disallowed_methods)] // the harness times itself with Instant

use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Runs `op` `iters` times on each of `threads` threads at once; returns the
/// slowest thread's own time, so the reported time is per operation per
/// thread. Each thread times itself: a coordinator that reads the clock after
/// releasing the workers can be descheduled on a busy machine and miss the
/// start of their run.
pub fn on_threads<T: Send + Sync>(
    threads: usize,
    iters: u64,
    shared: &T,
    op: impl Fn(&T) + Sync,
) -> Duration {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op(shared);
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Duration::MAX))
            .max()
            .unwrap_or(Duration::ZERO)
    })
}

//! loom models of the bulkhead: acquire/release with max 1 never lets two
//! threads in, and the FIFO hand-off from a releaser to a blocked waiter
//! keeps the cap too. A deliberately broken copy (load + store instead of
//! CAS) must be caught.
//!
//! `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_bulkhead`

#![cfg(seawall_loom)]

use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use std::sync::Arc;
use std::time::Duration;

fn builder() -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b
}

fn bulkhead(max_concurrent: u64, max_queue: u64) -> Arc<Bulkhead> {
    let cfg = BulkheadConfig {
        max_concurrent,
        max_queue,
        max_wait: Duration::ZERO,
    };
    match Bulkhead::new(cfg) {
        Ok(b) => Arc::new(b),
        Err(e) => unreachable!("{e}"),
    }
}

/// Marks a thread inside the guarded section; asserts it is alone.
fn enter(inside: &AtomicUsize) {
    let before = inside.fetch_add(1, Ordering::SeqCst);
    assert_eq!(before, 0, "two threads inside a bulkhead of 1");
}

fn leave(inside: &AtomicUsize) {
    inside.fetch_sub(1, Ordering::SeqCst);
}

#[test]
fn try_acquire_release_admits_at_most_one() {
    builder().check(|| {
        let b = bulkhead(1, 0);
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (b, inside) = (b.clone(), inside.clone());
                loom::thread::spawn(move || {
                    for _ in 0..2 {
                        if let Ok(p) = b.try_acquire() {
                            enter(&inside);
                            leave(&inside);
                            drop(p);
                        }
                    }
                })
            })
            .collect();
        if let Ok(p) = b.try_acquire() {
            enter(&inside);
            leave(&inside);
            drop(p);
        }
        for t in threads {
            assert!(t.join().is_ok());
        }
        let m = b.metrics();
        assert_eq!((m.active, m.queued), (0, 0));
        assert!(m.total >= 1);
    });
}

#[test]
fn release_hands_the_slot_to_a_blocked_waiter() {
    builder().check(|| {
        let b = bulkhead(1, 1);
        let inside = Arc::new(AtomicUsize::new(0));
        let holder = b.try_acquire_owned();
        assert!(holder.is_ok());
        enter(&inside);
        // waiter: blocks (loom's condvar never times out: the model ends
        // only if the hand-off wakes it)
        let waiter = {
            let (b, inside) = (b.clone(), inside.clone());
            loom::thread::spawn(move || {
                let p = b.acquire(Duration::from_secs(3600));
                assert!(p.is_ok());
                enter(&inside);
                leave(&inside);
                drop(p);
            })
        };
        // a newcomer racing the hand-off must never get in alongside
        let newcomer = {
            let (b, inside) = (b.clone(), inside.clone());
            loom::thread::spawn(move || {
                if let Ok(p) = b.try_acquire() {
                    enter(&inside);
                    leave(&inside);
                    drop(p);
                }
            })
        };
        leave(&inside);
        drop(holder);
        assert!(waiter.join().is_ok());
        assert!(newcomer.join().is_ok());
        let m = b.metrics();
        assert_eq!((m.active, m.queued), (0, 0));
    });
}

/// The broken variant: the fast path of `try_acquire` with its CAS replaced
/// by a load and a store (check-then-act).
struct BrokenBulkhead {
    active: AtomicU64,
    max: u64,
}

impl BrokenBulkhead {
    fn try_acquire(&self) -> bool {
        let cur = self.active.load(Ordering::Acquire);
        if cur >= self.max {
            return false;
        }
        self.active.store(cur + 1, Ordering::Release);
        true
    }

    fn release(&self) {
        self.active.fetch_sub(1, Ordering::Release);
    }
}

#[test]
fn loom_catches_the_broken_load_store_variant() {
    let found = std::panic::catch_unwind(|| {
        builder().check(|| {
            let b = Arc::new(BrokenBulkhead {
                active: AtomicU64::new(0),
                max: 1,
            });
            let inside = Arc::new(AtomicUsize::new(0));
            let t = {
                let (b, inside) = (b.clone(), inside.clone());
                loom::thread::spawn(move || {
                    if b.try_acquire() {
                        enter(&inside);
                        leave(&inside);
                        b.release();
                    }
                })
            };
            if b.try_acquire() {
                enter(&inside);
                leave(&inside);
                b.release();
            }
            assert!(t.join().is_ok());
        });
    });
    assert!(found.is_err(), "loom did not find the check-then-act race");
}

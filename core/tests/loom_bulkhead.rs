//! loom models of the bulkhead: acquire/release with max 1 never lets two
//! threads in, the FIFO hand-off from a releaser to a blocked waiter keeps
//! the cap too, and the grant counter packed in the state word keeps `total`
//! exact across its wraps. Deliberately broken copies (load + store instead
//! of CAS; the grant total read without its parity bit) must be caught.
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

/// The grant counter packed in the state word wraps every 2 grants here
/// (1 bit), and two workers make 2 grants each (2 wraps) while `metrics`
/// reads: `total` is never below the grants already returned and is exact at
/// the end, whatever the reader sees of the wraps and their catch-up of
/// `grant_wraps`. This model found the wrapping CAS acquire-only (a reader
/// could pair a wrapped word with a stale `grant_wraps`), and it finds a
/// missing catch-up before a wrap (checked by hand against both mutants).
#[test]
fn total_exact_across_grant_counter_wraps() {
    builder().check(|| {
        let cfg = BulkheadConfig {
            max_concurrent: 4,
            max_queue: 0,
            max_wait: Duration::ZERO,
        };
        let b = Arc::new(
            Bulkhead::with_grant_bits_for_loom(cfg, 1).unwrap_or_else(|e| unreachable!("{e}")),
        );
        let done = Arc::new(AtomicU64::new(0));
        // Permits are kept (released after the checks), so the model spends
        // its interleavings on the grants, not on releases.
        let worker = || {
            let (b, done) = (b.clone(), done.clone());
            loom::thread::spawn(move || {
                let mut held = Vec::new();
                for _ in 0..2 {
                    let p = b.try_acquire_owned();
                    assert!(p.is_ok(), "four slots, four grants");
                    done.fetch_add(1, Ordering::SeqCst);
                    held.push(p);
                }
                held
            })
        };
        let (w1, w2) = (worker(), worker());
        let before = done.load(Ordering::SeqCst);
        let total = b.metrics().total;
        assert!(
            total >= before,
            "total {total} below {before} grants returned"
        );
        assert!(total <= 4);
        let held = (w1.join(), w2.join());
        assert!(held.0.is_ok() && held.1.is_ok());
        assert_eq!(b.metrics().total, 4);
        drop(held);
        assert_eq!(b.metrics().active, 0);
    });
}

/// The broken variant: the same packed grant counter (1 bit, parity bit,
/// wraps counted apart) read without the parity bit, so a wrap not yet
/// counted in `wraps` makes the total drop by 2.
struct BrokenGrants {
    word: AtomicU64, // bit 0: parity, bit 1: the grant counter
    wraps: AtomicU64,
}

impl BrokenGrants {
    fn sync(&self) {
        loop {
            let h = self.wraps.load(Ordering::Acquire);
            let w = self.word.load(Ordering::Acquire);
            if self.wraps.load(Ordering::Acquire) != h {
                continue;
            }
            if h & 1 == w & 1 {
                return;
            }
            let _ = self
                .wraps
                .compare_exchange(h, h + 1, Ordering::AcqRel, Ordering::Acquire);
        }
    }

    fn grant(&self) {
        let mut cur = self.word.load(Ordering::Relaxed);
        loop {
            let mut next = cur ^ 2; // +1 in the 1-bit counter
            let wraps = next & 2 == 0;
            if wraps {
                self.sync();
                next ^= 1;
            }
            match self
                .word
                .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    if wraps {
                        self.sync();
                    }
                    return;
                }
                Err(a) => cur = a,
            }
        }
    }

    fn total(&self) -> u64 {
        // BUG: ignores the parity bit (a wrap `wraps` has not counted yet).
        let w = self.word.load(Ordering::Acquire);
        self.wraps.load(Ordering::Acquire) * 2 + (w >> 1)
    }
}

#[test]
fn loom_catches_the_grant_total_without_parity() {
    let found = std::panic::catch_unwind(|| {
        builder().check(|| {
            let g = Arc::new(BrokenGrants {
                word: AtomicU64::new(0),
                wraps: AtomicU64::new(0),
            });
            let done = Arc::new(AtomicU64::new(0));
            let t = {
                let (g, done) = (g.clone(), done.clone());
                loom::thread::spawn(move || {
                    for _ in 0..2 {
                        g.grant();
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            let before = done.load(Ordering::SeqCst);
            assert!(g.total() >= before, "total below the grants returned");
            assert!(t.join().is_ok());
        });
    });
    assert!(found.is_err(), "loom did not find the uncounted wrap");
}

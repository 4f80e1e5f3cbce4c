//! loom models of the bulkhead, in both layouts (add mode: no queue, the
//! acquire is one `fetch_add`; CAS mode: with a queue): acquire/release with
//! max 1 never lets two threads in, the FIFO hand-off from a releaser to a
//! blocked waiter keeps the cap too, a waiter awaited as a future is never
//! left asleep (its waker registration races the hand-off, or a cancel
//! that passes the slot on), the grant counters keep `total` exact
//! across their wraps, and every history of small add-mode models is
//! linearizable. Deliberately broken copies (load + store instead of CAS;
//! the grant total read without its parity bit; add mode's loser always
//! taking its +1 back, taking its attempt back, keeping without acquire;
//! no headroom; too few counter bits) must be caught.
//!
//! `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_bulkhead`

#![cfg(seawall_loom)]

use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig, OwnedPermit, OwnedWaiter};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
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

/// Counts wakes (a loom atomic, so the model sees the wake's ordering).
struct CountWake(AtomicUsize);

impl Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn queued(b: &Arc<Bulkhead>) -> OwnedWaiter {
    match b.enqueue_owned() {
        Ok(Admission::Queued(w)) => w,
        other => unreachable!("{other:?}"),
    }
}

fn poll(w: &mut OwnedWaiter, waker: &Waker) -> Poll<OwnedPermit> {
    Pin::new(w).poll(&mut Context::from_waker(waker))
}

/// After a `Pending` poll, the racing hand-off must wake the waker once,
/// and the next poll must be ready: no lost wake-up.
fn assert_not_left_asleep(w: &mut OwnedWaiter, count: &Arc<CountWake>, finish: impl FnOnce()) {
    let waker = Waker::from(Arc::clone(count));
    let first = poll(w, &waker);
    finish();
    if first.is_pending() {
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "hand-off lost the wake-up"
        );
        assert!(poll(w, &waker).is_ready(), "woken but not handed the slot");
    } else {
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }
}

#[test]
fn an_awaited_waiter_is_woken_by_a_racing_release() {
    builder().check(|| {
        let b = bulkhead(1, 1);
        let holder = b.try_acquire_owned();
        assert!(holder.is_ok());
        let mut w = queued(&b);
        let releaser = loom::thread::spawn(move || drop(holder));
        let count = Arc::new(CountWake(AtomicUsize::new(0)));
        assert_not_left_asleep(&mut w, &count, || assert!(releaser.join().is_ok()));
        drop(w);
        let m = b.metrics();
        assert_eq!((m.active, m.queued), (0, 0));
    });
}

#[test]
fn an_awaited_waiter_is_woken_when_the_one_before_it_cancels() {
    builder().check(|| {
        let b = bulkhead(1, 2);
        let holder = b.try_acquire_owned();
        assert!(holder.is_ok());
        let first = queued(&b);
        let mut w = queued(&b);
        // The release may hand the slot to `first` before or after it
        // cancels; either way it must end up with `w`.
        let releaser = loom::thread::spawn(move || drop(holder));
        let canceller = loom::thread::spawn(move || first.cancel());
        let count = Arc::new(CountWake(AtomicUsize::new(0)));
        assert_not_left_asleep(&mut w, &count, || {
            assert!(releaser.join().is_ok());
            assert!(canceller.join().is_ok());
        });
        drop(w);
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
        two_workers_four_grants_counted(&b);
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

// ---- add mode (no queue, fewer than 2^16 slots: acquire is a fetch_add) ----
//
// A try_acquire that loses the race for the last slot has already added its
// +1; it takes it back, or keeps the slot if a release made room meanwhile.
// Besides the cap, the models check that every history is linearizable
// against the sequential spec (a refusal happens only while `max` slots are
// held), which the take-it-back-always variant fails, and that `total`
// stays exact when attempts are counted across crossings.

/// A slot counter under test: the real bulkhead, or a copy of its add-mode
/// protocol with a deliberate bug.
trait Slots: Send + Sync + 'static {
    fn take(&self) -> bool;
    fn give_back(&self);
    /// (total, rejected) as `metrics` reports them.
    fn counts(&self) -> (u64, u64);
}

/// The real bulkhead behind an `Arc` (a slot is given back through
/// `OwnedPermit::reattach`, as the bindings do).
struct Real(Arc<Bulkhead>);

impl Slots for Real {
    fn take(&self) -> bool {
        match self.0.try_acquire_owned() {
            Ok(p) => {
                drop(p.detach());
                true
            }
            Err(_) => false,
        }
    }
    fn give_back(&self) {
        drop(seawall::bulkhead::OwnedPermit::reattach(Arc::clone(
            &self.0,
        )));
    }
    fn counts(&self) -> (u64, u64) {
        let m = self.0.metrics();
        (m.total, m.rejected)
    }
}

/// Bits 0..16: active. Bits 61..64: the attempts counter (3 bits, crossings
/// counted every 2 attempts), as in the bulkhead's add mode.
const M_ACTIVE: u64 = 0xffff;
const M_ONE: u64 = 1 << 61;

/// The add-mode protocol written out, with switches for two bugs.
struct AddModel {
    word: AtomicU64,
    crossings: AtomicU64,
    lost: AtomicU64,
    rejected: AtomicU64,
    max: u64,
    /// false: a loser always takes its +1 back, even when a release has made
    /// room for it (others that saw the +1 were refused for nothing).
    keep: bool,
    /// true: a loser takes its attempt back too (a crossing can then be made,
    /// and counted, twice).
    undo_attempt: bool,
    /// The loser's CAS failure ordering (Acquire: a kept slot sees what the
    /// holder that freed it did).
    keep_order: Ordering,
}

impl AddModel {
    fn new(max: u64, keep: bool, undo_attempt: bool) -> AddModel {
        AddModel {
            keep_order: Ordering::Acquire,
            word: AtomicU64::new(0),
            crossings: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            max,
            keep,
            undo_attempt,
        }
    }
}

impl Slots for AddModel {
    fn take(&self) -> bool {
        if self.word.load(Ordering::Relaxed) & M_ACTIVE >= self.max {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let old = self.word.fetch_add(M_ONE | 1, Ordering::Acquire);
        if old & M_ONE == M_ONE {
            self.crossings.fetch_add(1, Ordering::Release);
        }
        if old & M_ACTIVE < self.max {
            return true;
        }
        let mut cur = old.wrapping_add(M_ONE | 1);
        let back = if self.undo_attempt { M_ONE | 1 } else { 1 };
        loop {
            if self.keep && cur & M_ACTIVE <= self.max {
                return true;
            }
            match self.word.compare_exchange(
                cur,
                cur.wrapping_sub(back),
                Ordering::Relaxed,
                self.keep_order,
            ) {
                Ok(_) => {
                    if !self.undo_attempt {
                        self.lost.fetch_add(1, Ordering::Release);
                    }
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
                Err(a) => cur = a,
            }
        }
    }
    fn give_back(&self) {
        self.word.fetch_sub(1, Ordering::Release);
    }
    fn counts(&self) -> (u64, u64) {
        let lost = self.lost.load(Ordering::Acquire);
        let (s, w) = loop {
            let w = self.crossings.load(Ordering::Acquire);
            let s = self.word.load(Ordering::Acquire);
            if self.crossings.load(Ordering::Acquire) == w {
                break (s, w);
            }
        };
        let counted = w << 1;
        let attempts = counted.wrapping_add((s >> 61).wrapping_sub(counted) & 7);
        (
            attempts.wrapping_sub(lost),
            self.rejected.load(Ordering::Relaxed),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Acquired,
    Refused,
    Released,
}

/// One operation of a history, between two ticks of a shared clock.
#[derive(Debug, Clone, Copy)]
struct Op {
    invoked: usize,
    returned: usize,
    kind: Kind,
}

/// Whether the operations can be put in an order that keeps each one's
/// real-time place (an op that returned before another was invoked comes
/// first) and obeys the sequential bulkhead with `max` slots and no queue,
/// starting with `held` slots held: an acquire succeeds exactly when fewer
/// than `max` slots are held.
fn linearizable(ops: &[Op], held: u64, max: u64) -> bool {
    let Some(first_return) = ops.iter().map(|o| o.returned).min() else {
        return true;
    };
    ops.iter().enumerate().any(|(i, op)| {
        if op.invoked > first_return {
            return false; // something returned before this was invoked
        }
        let next = match op.kind {
            Kind::Acquired if held < max => held + 1,
            Kind::Refused if held == max => held,
            Kind::Released if held > 0 => held - 1,
            _ => return false,
        };
        let mut rest = ops.to_vec();
        rest.remove(i);
        linearizable(&rest, next, max)
    })
}

#[test]
fn the_linearizability_check_itself() {
    let op = |invoked, returned, kind| Op {
        invoked,
        returned,
        kind,
    };
    use Kind::{Acquired, Refused, Released};
    // Refused after the only holder gave back: not linearizable.
    let h = [op(0, 1, Acquired), op(2, 3, Released), op(4, 5, Refused)];
    assert!(!linearizable(&h, 0, 1));
    // The same refusal overlapping the hold: fine.
    let h = [op(0, 1, Acquired), op(2, 5, Released), op(3, 4, Refused)];
    assert!(linearizable(&h, 0, 1));
    // A refusal overlapping an acquire that ends up holding: fine.
    let h = [op(0, 9, Acquired), op(1, 2, Refused)];
    assert!(linearizable(&h, 0, 1));
    // Two holders at once with one slot: not.
    let h = [op(0, 1, Acquired), op(2, 3, Acquired)];
    assert!(!linearizable(&h, 0, 1));
    assert!(linearizable(&h, 0, 2));
}

/// Runs `per_thread` tries (each given back at once when granted) on each
/// of `threads` threads plus the main one, recording the history; checks
/// that it is linearizable and that the counters match it. With one slot,
/// each holder also bumps a counter with a relaxed load and store, which
/// loses a bump unless each grant sees the release before it. With `reads`,
/// each grant is followed by a read of the counters: `total` is never below
/// the grants already returned nor above the tries begun.
fn check_history<S: Slots>(
    make: fn() -> S,
    max: u64,
    threads: usize,
    per_thread: usize,
    reads: bool,
) {
    builder().check(move || {
        let s = Arc::new(make());
        let clock = Arc::new(AtomicUsize::new(0));
        let data = Arc::new(AtomicU64::new(0));
        let (begun, granted) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let run = {
            let (s, clock, data) = (s.clone(), clock.clone(), data.clone());
            let (begun, granted) = (begun.clone(), granted.clone());
            move || {
                let mut ops = Vec::new();
                for _ in 0..per_thread {
                    if reads {
                        begun.fetch_add(1, Ordering::SeqCst);
                    }
                    let invoked = clock.fetch_add(1, Ordering::SeqCst);
                    let took = s.take();
                    if took {
                        // Before the next tick, whose SeqCst would order it.
                        let seen = data.load(Ordering::Relaxed);
                        data.store(seen + 1, Ordering::Relaxed);
                    }
                    let returned = clock.fetch_add(1, Ordering::SeqCst);
                    if took && reads {
                        let done = granted.fetch_add(1, Ordering::SeqCst) + 1;
                        let total = s.counts().0;
                        assert!(total >= done, "total {total} below {done} grants returned");
                        assert!(
                            total <= begun.load(Ordering::SeqCst),
                            "total {total} too high"
                        );
                    }
                    let kind = if took { Kind::Acquired } else { Kind::Refused };
                    ops.push(Op {
                        invoked,
                        returned,
                        kind,
                    });
                    if took {
                        let invoked = clock.fetch_add(1, Ordering::SeqCst);
                        s.give_back();
                        let returned = clock.fetch_add(1, Ordering::SeqCst);
                        ops.push(Op {
                            invoked,
                            returned,
                            kind: Kind::Released,
                        });
                    }
                }
                ops
            }
        };
        let handles: Vec<_> = (0..threads)
            .map(|_| loom::thread::spawn(run.clone()))
            .collect();
        let mut ops = run();
        for h in handles {
            match h.join() {
                Ok(o) => ops.extend(o),
                Err(_) => unreachable!("a thread panicked"),
            }
        }
        assert!(linearizable(&ops, 0, max), "not linearizable: {ops:?}");
        let granted = ops.iter().filter(|o| o.kind == Kind::Acquired).count();
        let refused = ops.iter().filter(|o| o.kind == Kind::Refused).count();
        assert_eq!(s.counts(), (granted as u64, refused as u64));
        if max == 1 {
            assert_eq!(
                data.load(Ordering::Relaxed),
                granted as u64,
                "a holder missed the previous holder's write"
            );
        }
    });
}

fn real(max: u64, max_queue: u64) -> Real {
    Real(bulkhead(max, max_queue))
}

/// Runs `model`, which must fail, and returns what it failed with.
fn failure(model: impl FnOnce() + std::panic::UnwindSafe) -> String {
    match std::panic::catch_unwind(model) {
        Ok(()) => String::new(),
        Err(e) => e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned()),
    }
}

#[test]
fn linearizable_add_mode() {
    check_history(|| real(1, 0), 1, 1, 2, false);
}

#[test]
fn linearizable_add_mode_three_threads() {
    check_history(|| real(1, 0), 1, 2, 1, false);
}

#[test]
fn linearizable_add_mode_two_slots() {
    check_history(|| real(2, 0), 2, 2, 1, false);
}

/// Lost races and crossings together: the attempts counter has 2 bits and
/// every attempt is a crossing, so a loser that took its attempt back, or a
/// crossing left uncounted, would show in `total`. (Two threads can hold at
/// most two crossings uncounted; the top bit covers them.)
#[test]
fn linearizable_add_mode_crossing_every_attempt() {
    fn tiny() -> Real {
        let cfg = BulkheadConfig {
            max_concurrent: 1,
            max_queue: 0,
            max_wait: Duration::ZERO,
        };
        Real(Arc::new(
            Bulkhead::with_add_bits_for_loom(cfg, 24, 0, 2).unwrap_or_else(|e| unreachable!("{e}")),
        ))
    }
    check_history(tiny, 1, 1, 2, true);
}

#[test]
fn linearizable_cas_mode() {
    check_history(|| real(1, 1), 1, 1, 2, false);
}

#[test]
fn linearizable_add_model_keeping_a_freed_slot() {
    check_history(|| AddModel::new(1, true, false), 1, 1, 2, true);
}

#[test]
fn loom_catches_the_loser_that_always_takes_back() {
    let why = failure(|| check_history(|| AddModel::new(1, false, false), 1, 1, 2, false));
    assert!(
        why.contains("not linearizable"),
        "loom did not find the needless refusal: {why:?}"
    );
}

#[test]
fn loom_catches_a_kept_slot_read_without_acquire() {
    let why = failure(|| {
        check_history(
            || AddModel {
                keep_order: Ordering::Relaxed,
                ..AddModel::new(1, true, false)
            },
            1,
            1,
            2,
            false,
        )
    });
    assert!(
        why.contains("missed the previous holder"),
        "loom did not find the unsynchronized keep: {why:?}"
    );
}

#[test]
fn loom_catches_the_loser_that_takes_its_attempt_back() {
    let why = failure(|| check_history(|| AddModel::new(1, true, true), 1, 1, 2, false));
    assert!(
        why.contains("left == right"),
        "loom did not find the twice-counted crossing: {why:?}"
    );
}

/// Add mode with `headroom` bits above the active count's: the +1 of a
/// racing loser must not carry out of the field (it would read as free).
fn admits_at_most_one_with_headroom(headroom: u32) {
    builder().check(move || {
        let cfg = BulkheadConfig {
            max_concurrent: 1,
            max_queue: 0,
            max_wait: Duration::ZERO,
        };
        let b = Arc::new(
            Bulkhead::with_add_bits_for_loom(cfg, headroom, 1, 8)
                .unwrap_or_else(|e| unreachable!("{e}")),
        );
        let inside = Arc::new(AtomicUsize::new(0));
        let t = {
            let (b, inside) = (b.clone(), inside.clone());
            loom::thread::spawn(move || {
                if let Ok(p) = b.try_acquire() {
                    enter(&inside);
                    leave(&inside);
                    drop(p);
                }
            })
        };
        if let Ok(p) = b.try_acquire() {
            enter(&inside);
            leave(&inside);
            drop(p);
        }
        assert!(t.join().is_ok());
    });
}

#[test]
fn add_mode_headroom_of_one_bit_holds_two_threads() {
    admits_at_most_one_with_headroom(1);
}

#[test]
fn loom_catches_add_mode_without_headroom() {
    let why = failure(|| admits_at_most_one_with_headroom(0));
    assert!(
        why.contains("two threads inside"),
        "loom did not find the carry out of active: {why:?}"
    );
}

/// Two workers take two slots each (kept) on an add-mode bulkhead whose
/// attempts counter has `counter_bits` bits and counts a crossing every 2
/// attempts, while `metrics` reads: `total` is never below the grants
/// already returned and is exact at the end. With 3 bits, up to 3 crossings
/// may wait to be counted (each worker holds at most one); with 2 bits, two
/// workers stopped just after crossing make the reader lose 4.
fn total_exact_across_crossings(counter_bits: u32) {
    builder().check(move || {
        let cfg = BulkheadConfig {
            max_concurrent: 4,
            max_queue: 0,
            max_wait: Duration::ZERO,
        };
        let b = Arc::new(
            Bulkhead::with_add_bits_for_loom(cfg, 24, 1, counter_bits)
                .unwrap_or_else(|e| unreachable!("{e}")),
        );
        two_workers_four_grants_counted(&b);
    });
}

/// The body of the two counting models: two workers take two slots each of
/// four (kept: released after the checks, so the model spends its
/// interleavings on the grants, not on releases) while `metrics` reads:
/// `total` is never below the grants already returned, never above 4, and
/// exact at the end.
fn two_workers_four_grants_counted(b: &Arc<Bulkhead>) {
    let done = Arc::new(AtomicU64::new(0));
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
}

#[test]
fn add_mode_total_exact_across_crossings() {
    total_exact_across_crossings(3);
}

#[test]
fn loom_catches_too_few_counter_bits_for_waiting_crossings() {
    let why = failure(|| total_exact_across_crossings(2));
    assert!(
        why.contains("grants returned"),
        "loom did not find the reader losing 4: {why:?}"
    );
}

#[test]
fn cas_mode_try_acquire_release_admits_at_most_one() {
    builder().check(|| {
        let b = bulkhead(1, 1); // a queue: CAS mode
        let inside = Arc::new(AtomicUsize::new(0));
        let t = {
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
        };
        if let Ok(p) = b.try_acquire() {
            enter(&inside);
            leave(&inside);
            drop(p);
        }
        assert!(t.join().is_ok());
        let m = b.metrics();
        assert_eq!((m.active, m.queued), (0, 0));
    });
}

//! Bulkhead: a cap on concurrent calls, with an optional bounded FIFO queue
//! of waiters.
//!
//! * [`Bulkhead::try_acquire`] is lock-free (one CAS loop on one `AtomicU64`)
//!   and never waits.
//! * [`Bulkhead::acquire`] blocks the calling thread until a slot is free or a
//!   deadline passes, waiting in a bounded FIFO queue (a `Mutex` + `Condvar`
//!   on this slow path only).
//! * [`Bulkhead::enqueue_owned`] joins the same queue without blocking and
//!   returns an [`OwnedWaiter`] that the caller polls or waits on; event-loop
//!   bindings (Node, asyncio) build their async waits on it.
//!
//! **Fairness.** While anyone waits in the queue, `try_acquire` is rejected
//! even when a slot is momentarily free, and a released slot is handed
//! directly to the oldest waiter (its count stays in `active`), so a
//! newcomer never steals the slot of someone who queued first.
//!
//! **Release exactly once.** A slot is held by a permit value
//! ([`Permit`], [`OwnedPermit`]) and given back when that value is dropped or
//! consumed by `release(self)`; the type system makes a double release
//! impossible. FFI bindings hold an `OwnedPermit` in their handle and free it
//! once.
//!
//! ```
//! use seawall::bulkhead::{Bulkhead, BulkheadConfig};
//! let bh = Bulkhead::new(BulkheadConfig { max_concurrent: 1, ..Default::default() })?;
//! let p = bh.try_acquire()?;
//! assert!(bh.try_acquire().is_err());
//! drop(p);
//! assert!(bh.try_acquire().is_ok());
//! assert_eq!(bh.metrics().total, 2);
//! # Ok::<(), seawall::Error>(())
//! ```

mod config;

pub use config::{BulkheadConfig, MAX_COUNT};

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::{Error, Result};
use crate::sync::{AtomicU64, Condvar, Mutex, Ordering};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

// Packed state word (`Bulkhead::state`):
//
// | bits   | field  | meaning                                                  |
// |--------|--------|----------------------------------------------------------|
// | 0..32  | active | slots held: live permits + slots handed to a waiter that |
// |        |        | has not claimed it yet. Never above `max_concurrent`.    |
// | 32..64 | queued | waiters in the FIFO queue. Never above `max_queue`.      |
//
// | active        | queued | meaning / what try_acquire does                    |
// |---------------|--------|----------------------------------------------------|
// | < max         | 0      | room: CAS active+1                                 |
// | == max        | 0      | full, nobody waits: reject                         |
// | any           | > 0    | someone waits: reject (slots go to the queue)      |
//
// `queued` changes only while `queue` is locked, so under the lock it equals
// the queue's length. `active` is decremented by the lock-free release path
// only when `queued == 0`; otherwise the releaser locks and hands its slot to
// the oldest waiter (queued-1, active unchanged).
const ACTIVE_MASK: u64 = 0xFFFF_FFFF;
const QUEUED_ONE: u64 = 1 << 32;

/// Locks the wait queue, ignoring poisoning (the queue's invariants hold
/// between statements that cannot panic).
macro_rules! lock {
    ($bh:expr) => {
        $bh.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
}

#[inline]
const fn active_of(s: u64) -> u64 {
    s & ACTIVE_MASK
}

#[inline]
const fn queued_of(s: u64) -> u64 {
    s >> 32
}

/// How long a waiter on a [`ManualClock`](crate::clock::ManualClock) sleeps
/// (real time) before it reads the manual clock again.
const MANUAL_POLL: Duration = Duration::from_millis(1);

#[derive(Debug, Default)]
struct WaitQueue {
    next_ticket: u64,
    /// Tickets waiting, oldest first.
    waiting: VecDeque<u64>,
    /// Tickets handed a slot that their waiter has not claimed yet.
    granted: Vec<u64>,
}

enum Slot {
    Acquired,
    Queued(u64),
}

/// A snapshot of a bulkhead's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkheadMetrics {
    /// Slots held now (live permits plus slots handed to a waiter that has
    /// not claimed them yet).
    pub active: u64,
    /// Waiters in the queue now.
    pub queued: u64,
    /// Permits granted since creation.
    pub total: u64,
    /// Requests refused since creation: `try_acquire` on a full bulkhead,
    /// queue full, a wait that ran out, an abandoned waiter.
    pub rejected: u64,
    /// The configured `max_concurrent`.
    pub max_concurrent: u64,
    /// The configured `max_queue`.
    pub max_queue: u64,
}

/// A concurrency limiter. See the [module docs](self).
#[derive(Debug)]
pub struct Bulkhead {
    cfg: BulkheadConfig,
    state: AtomicU64,
    total: AtomicU64,
    rejected: AtomicU64,
    queue: Mutex<WaitQueue>,
    cv: Condvar,
    clock: ClockSource,
}

impl Bulkhead {
    /// A bulkhead on the monotonic clock.
    pub fn new(cfg: BulkheadConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::Monotonic)
    }

    /// A bulkhead on `clock`. The clock only measures blocking waits
    /// ([`acquire`](Self::acquire)); see that method for how a
    /// [`ManualClock`](crate::clock::ManualClock) drives them.
    pub fn with_clock(cfg: BulkheadConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            state: AtomicU64::new(0),
            total: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            queue: Mutex::new(WaitQueue::default()),
            cv: Condvar::new(),
            clock: clock.into(),
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &BulkheadConfig {
        &self.cfg
    }

    /// Takes a slot if one is free and nobody is waiting; never blocks.
    /// Lock-free: one CAS loop, no allocation.
    ///
    /// Errors: [`Error::BulkheadFull`].
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>> {
        if self.try_take_fast() {
            self.total.fetch_add(1, Ordering::Relaxed);
            Ok(Permit { bulkhead: self })
        } else {
            self.reject()
        }
    }

    /// [`try_acquire`](Self::try_acquire) returning a permit that owns an
    /// `Arc` of the bulkhead (for bindings and for moving into tasks).
    pub fn try_acquire_owned(self: &Arc<Self>) -> Result<OwnedPermit> {
        self.try_acquire()?.forget();
        Ok(OwnedPermit {
            bulkhead: Arc::clone(self),
        })
    }

    /// Takes a slot, waiting up to `timeout` in the FIFO queue when the
    /// bulkhead is full. Blocks the calling thread.
    ///
    /// * Returns at once with a permit when a slot is free and nobody waits.
    /// * Rejects at once when the queue is full (or `max_queue == 0`, or
    ///   `timeout` is zero).
    /// * Otherwise waits; waiters are served strictly in arrival order. A
    ///   waiter whose deadline passes leaves the queue and gets
    ///   [`Error::BulkheadFull`] (unless a slot was handed to it first, in
    ///   which case it gets the permit).
    ///
    /// The deadline is measured on the bulkhead's clock. On the monotonic
    /// clock that is real time (`Condvar::wait_timeout`). On a
    /// [`ManualClock`](crate::clock::ManualClock) the waiter re-reads the
    /// manual clock every millisecond of real time, so a test times the
    /// wait out by advancing the manual clock from another thread.
    pub fn acquire(&self, timeout: Duration) -> Result<Permit<'_>> {
        let deadline = self.deadline(timeout);
        match self.enqueue()? {
            Slot::Acquired => {}
            Slot::Queued(ticket) => self.wait_ticket(ticket, deadline)?,
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        Ok(Permit { bulkhead: self })
    }

    /// [`acquire`](Self::acquire) with the configured `max_wait`.
    pub fn acquire_default(&self) -> Result<Permit<'_>> {
        self.acquire(self.cfg.max_wait)
    }

    /// [`acquire`](Self::acquire) returning an [`OwnedPermit`].
    pub fn acquire_owned(self: &Arc<Self>, timeout: Duration) -> Result<OwnedPermit> {
        self.acquire(timeout)?.forget();
        Ok(OwnedPermit {
            bulkhead: Arc::clone(self),
        })
    }

    /// Takes a slot if possible, else joins the FIFO queue without blocking.
    ///
    /// Returns [`Admission::Acquired`] with a permit, or
    /// [`Admission::Queued`] with a waiter the caller later
    /// [`try_claim`](OwnedWaiter::try_claim)s, [`wait`](OwnedWaiter::wait)s
    /// on, or drops (which leaves the queue). Errors with
    /// [`Error::BulkheadFull`] when the queue is full. Takes the queue lock
    /// only when the bulkhead is full.
    pub fn enqueue_owned(self: &Arc<Self>) -> Result<Admission> {
        match self.enqueue()? {
            Slot::Acquired => {
                self.total.fetch_add(1, Ordering::Relaxed);
                Ok(Admission::Acquired(OwnedPermit {
                    bulkhead: Arc::clone(self),
                }))
            }
            Slot::Queued(ticket) => Ok(Admission::Queued(OwnedWaiter {
                bulkhead: Arc::clone(self),
                ticket,
                done: false,
            })),
        }
    }

    /// A snapshot of the counters (each read atomically; the snapshot as a
    /// whole is not one instant under concurrent use).
    pub fn metrics(&self) -> BulkheadMetrics {
        let s = self.state.load(Ordering::Acquire);
        BulkheadMetrics {
            active: active_of(s),
            queued: queued_of(s),
            total: self.total.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            max_concurrent: self.cfg.max_concurrent,
            max_queue: self.cfg.max_queue,
        }
    }

    // ---- internals -------------------------------------------------------

    #[cold]
    fn reject<T>(&self) -> Result<T> {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        Err(Error::BulkheadFull)
    }

    /// active+1 if there is room and nobody waits.
    #[inline]
    fn try_take_fast(&self) -> bool {
        let max = self.cfg.max_concurrent;
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if queued_of(cur) != 0 || active_of(cur) >= max {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur.saturating_add(1),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Takes a slot or a place in the queue (rejecting when it is full).
    fn enqueue(&self) -> Result<Slot> {
        if self.try_take_fast() {
            return Ok(Slot::Acquired);
        }
        if self.cfg.max_queue == 0 {
            return self.reject();
        }
        let mut q = lock!(self);
        let max = self.cfg.max_concurrent;
        let mut cur = self.state.load(Ordering::Acquire);
        let acquired = loop {
            let (next, acquired) = if queued_of(cur) == 0 && active_of(cur) < max {
                (cur.saturating_add(1), true)
            } else if queued_of(cur) < self.cfg.max_queue {
                (cur.saturating_add(QUEUED_ONE), false)
            } else {
                drop(q);
                return self.reject();
            };
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break acquired,
                Err(actual) => cur = actual,
            }
        };
        if acquired {
            return Ok(Slot::Acquired);
        }
        let ticket = q.next_ticket;
        q.next_ticket = q.next_ticket.wrapping_add(1);
        q.waiting.push_back(ticket);
        Ok(Slot::Queued(ticket))
    }

    /// Gives a slot back: to the oldest waiter if anyone waits, else to the
    /// pool (lock-free when nobody waits).
    #[inline]
    fn release_slot(&self) {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if queued_of(cur) != 0 {
                break;
            }
            if active_of(cur) == 0 {
                // Unreachable: every release matches one grant.
                debug_assert!(false, "bulkhead released more than granted");
                return;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur.saturating_sub(1),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        self.release_to_queue();
    }

    /// The slow half of `release_slot`: someone waits, so the slot goes to
    /// the oldest waiter under the queue lock. Out of line so the lock-free
    /// path stays small enough to inline.
    #[cold]
    #[inline(never)]
    fn release_to_queue(&self) {
        let mut q = lock!(self);
        self.hand_off_locked(&mut q);
    }

    /// With the queue locked: hands the caller's slot to the oldest waiter,
    /// or frees it if the queue emptied meanwhile.
    fn hand_off_locked(&self, q: &mut WaitQueue) {
        if let Some(t) = q.waiting.pop_front() {
            q.granted.push(t);
            self.state.fetch_sub(QUEUED_ONE, Ordering::AcqRel);
            self.cv.notify_all();
        } else {
            self.state.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// With the queue locked: claims `ticket`'s slot if it was handed one.
    fn claim_locked(q: &mut WaitQueue, ticket: u64) -> bool {
        match q.granted.iter().position(|&t| t == ticket) {
            Some(i) => {
                q.granted.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// With the queue locked: abandons `ticket` (leaves the queue, or passes
    /// on a slot already handed to it) and counts a rejection.
    fn cancel_locked(&self, q: &mut WaitQueue, ticket: u64) {
        if let Some(i) = q.waiting.iter().position(|&t| t == ticket) {
            q.waiting.remove(i);
            self.state.fetch_sub(QUEUED_ONE, Ordering::AcqRel);
        } else if Self::claim_locked(q, ticket) {
            self.hand_off_locked(q);
        } else {
            return;
        }
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    /// The clock reading at which a wait of `timeout` starting now ends.
    fn deadline(&self, timeout: Duration) -> u64 {
        self.clock.now_ns().saturating_add(duration_to_ns(timeout))
    }

    /// Blocks until `ticket` is handed a slot (Ok) or the clock reaches
    /// `deadline`.
    fn wait_ticket(&self, ticket: u64, deadline: u64) -> Result<()> {
        let manual = matches!(self.clock, ClockSource::Manual(_));
        let mut q = lock!(self);
        loop {
            if Self::claim_locked(&mut q, ticket) {
                return Ok(());
            }
            let now = self.clock.now_ns();
            if now >= deadline {
                self.cancel_locked(&mut q, ticket);
                return Err(Error::BulkheadFull);
            }
            let mut wait = Duration::from_nanos(deadline - now);
            if manual {
                wait = wait.min(MANUAL_POLL);
            }
            q = match self.cv.wait_timeout(q, wait) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// A slot of a [`Bulkhead`], given back when dropped.
#[derive(Debug)]
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct Permit<'a> {
    bulkhead: &'a Bulkhead,
}

impl Permit<'_> {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// Drops the guard without releasing (the slot moves to an owned permit).
    fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.bulkhead.release_slot();
    }
}

/// A slot of a [`Bulkhead`] that owns an `Arc` of it; given back when
/// dropped or [`release`](OwnedPermit::release)d. This is what bindings hold.
#[derive(Debug)]
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct OwnedPermit {
    bulkhead: Arc<Bulkhead>,
}

impl OwnedPermit {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// The bulkhead this permit belongs to.
    pub fn bulkhead(&self) -> &Arc<Bulkhead> {
        &self.bulkhead
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        self.bulkhead.release_slot();
    }
}

/// What [`Bulkhead::enqueue_owned`] got.
#[derive(Debug)]
pub enum Admission {
    /// A slot was free: here is the permit.
    Acquired(OwnedPermit),
    /// The caller is in the queue.
    Queued(OwnedWaiter),
}

/// A place in a bulkhead's FIFO queue. Dropping it leaves the queue (and
/// passes on a slot that was already handed to it), counting a rejection.
#[derive(Debug)]
pub struct OwnedWaiter {
    bulkhead: Arc<Bulkhead>,
    ticket: u64,
    done: bool,
}

impl OwnedWaiter {
    /// The permit if a slot has been handed to this waiter; otherwise the
    /// waiter back, still queued. Does not block (takes the queue lock).
    pub fn try_claim(mut self) -> std::result::Result<OwnedPermit, OwnedWaiter> {
        let claimed = {
            let mut q = lock!(self.bulkhead);
            Bulkhead::claim_locked(&mut q, self.ticket)
        };
        if claimed {
            self.done = true;
            self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
            Ok(OwnedPermit {
                bulkhead: Arc::clone(&self.bulkhead),
            })
        } else {
            Err(self)
        }
    }

    /// Blocks up to `timeout` for a slot, like [`Bulkhead::acquire`].
    /// On timeout the waiter leaves the queue and this returns
    /// [`Error::BulkheadFull`].
    pub fn wait(mut self, timeout: Duration) -> Result<OwnedPermit> {
        self.done = true;
        let deadline = self.bulkhead.deadline(timeout);
        self.bulkhead.wait_ticket(self.ticket, deadline)?;
        self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
        Ok(OwnedPermit {
            bulkhead: Arc::clone(&self.bulkhead),
        })
    }

    /// Leaves the queue now (same as dropping the waiter).
    pub fn cancel(self) {}
}

impl Drop for OwnedWaiter {
    fn drop(&mut self) {
        if !self.done {
            let mut q = lock!(self.bulkhead);
            self.bulkhead.cancel_locked(&mut q, self.ticket);
        }
    }
}

#[cfg(test)]
mod tests;

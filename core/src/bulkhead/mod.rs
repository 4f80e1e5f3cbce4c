//! Bulkhead: a cap on concurrent calls, with an optional bounded FIFO queue
//! of waiters.
//!
//! * [`Bulkhead::try_acquire`] is lock-free (one atomic add, or one CAS loop
//!   when there is a queue, on one `AtomicU64`) and never waits.
//! * [`Bulkhead::acquire`] blocks the calling thread until a slot is free or a
//!   deadline passes, waiting in a bounded FIFO queue (a `Mutex` + `Condvar`
//!   on this slow path only).
//! * [`Bulkhead::enqueue_owned`] joins the same queue without blocking and
//!   returns an [`OwnedWaiter`] that the caller checks, waits on, or awaits:
//!   it is a [`Future`](std::future::Future) whose [`Waker`](std::task::Waker) is woken when a slot is handed to
//!   it, so event-loop bindings (asyncio) wait without polling.
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

// The code: `state` (the packed state word, its two layouts, the
// lock-free fast path and the counters), `queue` (the FIFO wait queue and
// the hand-off of released slots), `permit` (the values that hold a slot
// or a place in the queue), `region` (the shared-region variant). This
// file holds the type and its public methods.

mod config;
mod permit;
mod queue;
#[cfg(all(unix, not(seawall_loom)))]
mod region;
mod state;

pub use config::{BulkheadConfig, MAX_COUNT};
pub use permit::{Admission, OwnedPermit, OwnedWaiter, Permit};

use queue::{Slot, WaitQueue};
#[cfg(seawall_loom)]
use state::field_bits;
use state::Layout;

#[cfg(all(unix, not(seawall_loom)))]
use crate::clock::Clock;
use crate::clock::ClockSource;
use crate::error::{Error, Result};
use crate::place::Place;
use crate::sync::{AtomicU64, Condvar, Mutex, Ordering, StripedCounter};
use std::sync::Arc;
use std::time::Duration;

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
    layout: Layout,
    /// The packed state word (its layouts: `state.rs`). It and the
    /// counters below are inline, or in a shared region
    /// (`spec/shared_memory.md`); the code is the same.
    state: Place<AtomicU64>,
    /// CAS mode: wraps of the state word's grant counter. Add mode:
    /// crossings of multiples of `2^cross_bits` by its attempts counter.
    grant_wraps: Place<AtomicU64>,
    /// Grants not counted in the state word; in add mode, minus the
    /// attempts that lost the race (it then wraps below zero).
    total: Place<AtomicU64>,
    /// Refusals, striped per thread: a refusal otherwise only reads the
    /// state word, so threads refused at once (a full bulkhead under
    /// overload) do not pass one counter's line around.
    rejected: Place<StripedCounter>,
    queue: Mutex<WaitQueue>,
    cv: Condvar,
    clock: ClockSource,
    /// In a shared region: each process's permit count, so a dead
    /// process's permits come back. `None` on the heap.
    #[cfg(all(unix, not(seawall_loom)))]
    holders: Option<crate::shm::holder::ProcessCounts>,
}

impl Bulkhead {
    /// A bulkhead on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: BulkheadConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A bulkhead on `clock`. The clock only measures blocking waits
    /// ([`acquire`](Self::acquire)); see that method for how a
    /// [`ManualClock`](crate::clock::ManualClock) drives them.
    pub fn with_clock(cfg: BulkheadConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        Ok(Self::with_layout(
            Layout::new(cfg.max_concurrent, cfg.max_queue),
            cfg,
            clock.into(),
        ))
    }

    /// Only in loom builds (`--cfg seawall_loom`): a bulkhead whose grant
    /// counter has `grant_bits` bits, so a loom model can make it wrap in a
    /// few grants. Not part of the API.
    #[cfg(seawall_loom)]
    #[doc(hidden)]
    pub fn with_grant_bits_for_loom(cfg: BulkheadConfig, grant_bits: u32) -> Result<Self> {
        cfg.validate()?;
        let (a, q) = field_bits(cfg.max_concurrent, cfg.max_queue);
        Ok(Self::with_layout(
            Layout::with_grant_bits(a, q, grant_bits),
            cfg,
            ClockSource::Monotonic,
        ))
    }

    /// Only in loom builds: a bulkhead in add mode (no queue) with `headroom`
    /// bits above `max_concurrent`'s, a `counter_bits`-bit attempts counter
    /// and crossings counted every `2^cross_bits` attempts, so a loom model
    /// can overflow the headroom or wrap the counter in a few steps. Not part
    /// of the API.
    #[cfg(seawall_loom)]
    #[doc(hidden)]
    pub fn with_add_bits_for_loom(
        cfg: BulkheadConfig,
        headroom: u32,
        cross_bits: u32,
        counter_bits: u32,
    ) -> Result<Self> {
        cfg.validate()?;
        let (a, _) = field_bits(cfg.max_concurrent, 0);
        Ok(Self::with_layout(
            Layout::add_mode(a, headroom, cross_bits, counter_bits),
            cfg,
            ClockSource::Monotonic,
        ))
    }

    fn with_layout(layout: Layout, cfg: BulkheadConfig, clock: ClockSource) -> Self {
        Self {
            layout,
            cfg,
            state: Place::Local(AtomicU64::new(0)),
            grant_wraps: Place::Local(AtomicU64::new(0)),
            total: Place::Local(AtomicU64::new(0)),
            rejected: Place::Local(StripedCounter::new()),
            queue: Mutex::new(WaitQueue::default()),
            cv: Condvar::new(),
            clock,
            #[cfg(all(unix, not(seawall_loom)))]
            holders: None,
        }
    }

    /// Whether this bulkhead's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.state.is_shared()
    }

    /// In a shared region: gives back now the permits held by processes
    /// that have died (each process's permits are counted), and returns
    /// how many came back. Refused acquires do this on their own at most
    /// every 100 ms (`spec/shared_memory.md`). 0 on the heap.
    pub fn reclaim_dead(&self) -> u64 {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            return h.reclaim(self.clock.now_ns(), true, |n| self.release_n(n));
        }
        0
    }

    /// Tests: the holder table (`(holder word, held)` per process) and the
    /// lanes in use.
    #[cfg(all(test, unix))]
    pub(crate) fn holder_counts(&self) -> (Vec<(u64, u64)>, usize) {
        self.holders
            .as_ref()
            .map_or((Vec::new(), 0), |h| (h.snapshot(), h.lanes_in_use()))
    }

    /// The validated configuration.
    pub fn config(&self) -> &BulkheadConfig {
        &self.cfg
    }

    /// Takes a slot if one is free and nobody is waiting; never blocks.
    /// Lock-free, no allocation: one atomic add (a bulkhead with no queue
    /// and `max_concurrent < 2^16`) or one CAS loop.
    ///
    /// Errors: [`Error::BulkheadFull`].
    #[inline(always)] // one load, one atomic add or CAS loop; the rest is cold
    pub fn try_acquire(&self) -> Result<Permit<'_>> {
        if self.take() {
            Ok(Permit { bulkhead: self })
        } else {
            self.reject()
        }
    }

    /// [`try_acquire`](Self::try_acquire) returning a permit that owns an
    /// `Arc` of the bulkhead (for bindings and for moving into tasks).
    pub fn try_acquire_owned(self: &Arc<Self>) -> Result<OwnedPermit> {
        self.try_acquire()?.forget();
        Ok(OwnedPermit::reattach(Arc::clone(self)))
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
    /// [`ManualClock`](crate::clock::ManualClock) the waiter sleeps until a
    /// test moves the clock (or a hand-off wakes it), so a test times the
    /// wait out by advancing the manual clock from another thread; nothing
    /// polls.
    pub fn acquire(&self, timeout: Duration) -> Result<Permit<'_>> {
        let deadline = self.deadline(timeout);
        match self.enqueue()? {
            Slot::Acquired => {} // counted by enqueue
            Slot::Queued(ticket) => {
                self.wait_ticket(ticket, deadline)?;
                self.total.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(Permit { bulkhead: self })
    }

    /// [`acquire`](Self::acquire) with the configured `max_wait`.
    pub fn acquire_default(&self) -> Result<Permit<'_>> {
        self.acquire(self.cfg.max_wait)
    }

    /// [`acquire`](Self::acquire) returning an [`OwnedPermit`].
    pub fn acquire_owned(self: &Arc<Self>, timeout: Duration) -> Result<OwnedPermit> {
        self.acquire(timeout)?.forget();
        Ok(OwnedPermit::reattach(Arc::clone(self)))
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
                // counted by enqueue
                Ok(Admission::Acquired(OwnedPermit::reattach(Arc::clone(self))))
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
        let l = self.layout;
        if l.add_mode {
            return self.metrics_add_mode();
        }
        self.metrics_cas_mode()
    }

    // ---- internals -------------------------------------------------------

    #[cold]
    pub(super) fn reject<T>(&self) -> Result<T> {
        self.rejected.incr();
        Err(Error::BulkheadFull)
    }

    /// In a region: the counted grant, or `false` when this process could
    /// get no entry in the holder table (then nothing is taken).
    #[inline(always)]
    pub(super) fn take(&self) -> bool {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            return self.take_counted(h);
        }
        self.try_take_fast()
    }

    /// Gives a slot back: to the pool, then, if anyone waits, on to the
    /// oldest waiter (lock-free when nobody waits: one atomic subtraction).
    #[inline]
    pub(super) fn release_slot(&self) {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            if let Some(c) = h.counter() {
                c.sub();
            }
        }
        self.release_core();
    }
}

#[cfg(test)]
mod tests;

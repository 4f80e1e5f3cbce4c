//! Waiting acquires of the keyed limiters (`spec/keyed.md`, "Waiting
//! acquires"): the same FIFO waits as the unkeyed limiters, per key.
//!
//! - **Token bucket:** a GCRA reservation on the key's TAT, exactly as
//!   [`TokenBucket::reserve`](crate::token_bucket::TokenBucket::reserve):
//!   the key's TAT holds every waiter's tokens, so later requests of the key
//!   come after them, and a key with a reservation is not fresh (its TAT is
//!   in the future), so it is never evicted while anyone waits.
//! - **Sliding window:** one FIFO queue per slot, in one map behind a mutex
//!   (the slow path only), with the due-time rule of
//!   [`SlidingWindowLimiter::reserve`](crate::sliding_window::SlidingWindowLimiter::reserve).
//!   Each slot has a waiter count next to its ring; a slot whose count is
//!   not zero is not fresh (never evicted), and `try_acquire` of a key with
//!   waiters goes behind them (no barging). Registering a waiter is a
//!   charge as far as eviction is concerned: increment the count, then
//!   check the slot is still the key's (`Table::still_holds`), else undo.

use super::{Found, KeyedSlidingWindow, KeyedTokenBucket};
use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::{Error, Result};
use crate::limit::{Decision, LimiterWait, Reservation, WaitTarget};
use crate::sliding_window::{wake_all, FifoQueue, QueueCounters, Settled};
use crate::sync::{Mutex, Ordering};
use crate::token_bucket::MAX_NS;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

fn refused(retry_ns: u64) -> Error {
    Error::RateLimited {
        retry_after: Duration::from_nanos(retry_ns.max(1)),
    }
}

/// What a token bucket reservation got.
enum Reserved {
    Now(Decision),
    /// Due at this clock reading.
    At(u64),
}

impl KeyedTokenBucket {
    /// Takes `n` tokens from `key`'s bucket now, or reserves them for the
    /// earliest time they are due if that is at most `max_wait` away (a
    /// GCRA reservation on the key's bucket: the key's later requests,
    /// waiting or not, are served after it; see `spec/keyed.md`).
    ///
    /// `Err(RateLimited { retry_after })` when the tokens are due later
    /// than `max_wait`, or when a new key finds no slot and `on_full` is
    /// `deny` (nothing taken, one denial counted); `Err(InvalidArgument)`
    /// for `n == 0` or `n > burst`.
    pub fn reserve(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        max_wait: Duration,
    ) -> Result<Reservation> {
        match self.reserve_ns(key, n, max_wait)? {
            Reserved::Now(d) => Ok(Reservation::Granted(d)),
            Reserved::At(due) => Ok(Reservation::Waiting(LimiterWait::new(
                Arc::new(TbWait {
                    limiter: Arc::clone(self),
                    key: key.to_vec(),
                }) as Arc<dyn WaitTarget>,
                due,
                n,
            ))),
        }
    }

    /// Takes `n` tokens from `key`'s bucket, blocking the thread up to
    /// `max_wait` for them ([`reserve`](Self::reserve), then one sleep
    /// until the due time; on a [`ManualClock`](crate::ManualClock) until a
    /// test moves the time there). Refused at once when they are due later.
    pub fn acquire(&self, key: &[u8], n: u64, max_wait: Duration) -> Result<Decision> {
        match self.reserve_ns(key, n, max_wait)? {
            Reserved::Now(d) => Ok(d),
            Reserved::At(due) => {
                while !self.clock.sleep_until_ns(due, None) {}
                Ok(self.claim_due(key))
            }
        }
    }

    fn reserve_ns(&self, key: &[u8], n: u64, max_wait: Duration) -> Result<Reserved> {
        self.gcra.check_n(n)?;
        let max_wait_ns = duration_to_ns(max_wait).min(MAX_NS);
        let (fp, home) = self.table.hash(key);
        // The clock is read after the key's state, as in `decide`; a
        // lookup that judges other keys' freshness reads it before.
        let early = super::EarlyNow::new(&self.clock);
        loop {
            let i = match self
                .table
                .find_or_claim(fp, home, |i, c| self.is_fresh(i, early.get(), c))
            {
                Found::Slot(i) => i,
                Found::Full => return self.reserve_full(home, early.get(), n),
            };
            let Some(cell) = self.tat_at(i) else {
                return self.reserve_full(home, early.get(), n);
            };
            let mut tat = cell.load(Ordering::SeqCst);
            let mut now = self.clock.now_ns();
            let got = loop {
                match self.gcra.reserve(tat, now, n, max_wait_ns) {
                    Err(retry) => break Err(retry),
                    Ok((new_tat, due)) => match cell.compare_exchange_weak(
                        tat,
                        new_tat,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    ) {
                        Ok(_) => break Ok((tat, due)),
                        Err(actual) => {
                            tat = actual;
                            now = self.clock.now_ns();
                        }
                    },
                }
            };
            if !self.table.still_holds(i, fp) {
                // The slot went to another key (ours was fresh): take the
                // charge back from its state and look our key up again.
                if got.is_ok() {
                    self.give_back(cell, now, n);
                }
                continue;
            }
            return match got {
                Err(retry) => {
                    self.table.count_denied();
                    Err(refused(retry))
                }
                Ok((old, due)) if due <= now => {
                    self.table.count_allowed();
                    Ok(Reserved::Now(self.gcra.step(old, now, n).decision))
                }
                Ok((_, due)) => {
                    self.table.waiting.fetch_add(1, Ordering::Relaxed);
                    Ok(Reserved::At(due))
                }
            };
        }
    }

    /// A new key that found no slot: `on_full = allow` grants it now
    /// (untracked), `deny` refuses it (nowhere to keep its reservation).
    fn reserve_full(&self, home: u64, now: u64, n: u64) -> Result<Reserved> {
        let d = self.on_full(home, now, n);
        if d.allowed {
            self.table.count_allowed();
            Ok(Reserved::Now(d))
        } else {
            self.table.count_denied();
            Err(refused(duration_to_ns(d.retry_after)))
        }
    }

    /// Counts a reservation claimed at its due time; its decision.
    fn claim_due(&self, key: &[u8]) -> Decision {
        self.table.waiting.fetch_sub(1, Ordering::Relaxed);
        self.table.count_allowed();
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        let tat = self
            .table
            .find(fp, home)
            .and_then(|i| self.tat_at(i))
            .map_or(0, |c| c.load(Ordering::SeqCst));
        self.gcra.claimed(tat, now)
    }
}

/// A keyed token bucket reservation; the wait's key is its due time.
#[derive(Debug)]
struct TbWait {
    limiter: Arc<KeyedTokenBucket>,
    key: Vec<u8>,
}

impl WaitTarget for TbWait {
    fn clock(&self) -> &ClockSource {
        &self.limiter.clock
    }

    fn due_ns(&self, due: u64) -> Option<u64> {
        Some(due)
    }

    fn claim(&self, due: u64, _n: u64) -> Result<Option<Decision>> {
        if self.limiter.clock.now_ns() < due {
            return Ok(None);
        }
        Ok(Some(self.limiter.claim_due(&self.key)))
    }

    fn abandon(&self, _due: u64, n: u64) {
        self.limiter.table.waiting.fetch_sub(1, Ordering::Relaxed);
        self.limiter.table.count_denied();
        // The key still has its debt (it was not fresh), so the refund
        // reaches its own bucket, exactly as `TokenBucket`'s cancel.
        self.limiter.refund(&self.key, n);
    }
}

/// The per-slot FIFO queues of a keyed sliding window.
#[derive(Debug)]
pub(crate) struct Queues(Mutex<State>);

impl Default for Queues {
    fn default() -> Self {
        Self(Mutex::new(State::default()))
    }
}

#[derive(Debug, Default)]
struct State {
    next_ticket: u64,
    /// Slot index → its queue; present only while the slot has waiters.
    slots: HashMap<usize, FifoQueue>,
}

/// A slot's queue moves the table's counters.
struct SlotCounters<'a>(&'a KeyedSlidingWindow);

impl QueueCounters for SlotCounters<'_> {
    fn left(&self) {
        self.0.table.waiting.fetch_sub(1, Ordering::Relaxed);
    }

    fn denied(&self) {
        self.0.table.count_denied();
    }
}

macro_rules! lock {
    ($sw:expr) => {
        $sw.waits
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
}

/// What `enqueue` got.
enum Queued {
    Now(Decision),
    /// Slot and ticket.
    Ticket(usize, u64),
}

impl KeyedSlidingWindow {
    /// Counts `n` requests for `key` now, or queues them in the key's FIFO
    /// queue for the earliest time its window has room for them after
    /// everyone queued before, if that is at most `max_wait` away (the rule
    /// of the unkeyed sliding window, per key; see `spec/keyed.md`).
    ///
    /// `Err(RateLimited { retry_after })` when that time is further away,
    /// or when a new key finds no slot and `on_full` is `deny` (nothing
    /// counted, one denial counted); `Err(InvalidArgument)` for `n == 0` or
    /// `n > limit`.
    pub fn reserve(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        max_wait: Duration,
    ) -> Result<Reservation> {
        match self.enqueue(key, n, max_wait)? {
            Queued::Now(d) => Ok(Reservation::Granted(d)),
            Queued::Ticket(slot, ticket) => Ok(Reservation::Waiting(LimiterWait::new(
                Arc::new(SwWait {
                    limiter: Arc::clone(self),
                    slot,
                }) as Arc<dyn WaitTarget>,
                ticket,
                n,
            ))),
        }
    }

    /// Counts `n` requests for `key`, blocking the thread up to `max_wait`
    /// in the key's FIFO queue (on a [`ManualClock`](crate::ManualClock),
    /// until a test moves the time to the due time). Refused at once when
    /// they are due later.
    pub fn acquire(&self, key: &[u8], n: u64, max_wait: Duration) -> Result<Decision> {
        let (slot, ticket) = match self.enqueue(key, n, max_wait)? {
            Queued::Now(d) => return Ok(d),
            Queued::Ticket(slot, ticket) => (slot, ticket),
        };
        loop {
            if let Some(d) = self.claim_ticket(slot, ticket)? {
                return Ok(d);
            }
            let due = self.ticket_due(slot, ticket).unwrap_or(0);
            self.clock.sleep_until_ns(due, None);
        }
    }

    fn enqueue(&self, key: &[u8], n: u64, max_wait: Duration) -> Result<Queued> {
        self.w.check_n(n)?;
        let max_wait_ns = duration_to_ns(max_wait).min(MAX_NS);
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        let mut st = lock!(self);
        loop {
            let i = match self
                .table
                .find_or_claim(fp, home, |i, c| self.is_fresh(i, now, c))
            {
                Found::Slot(i) => i,
                Found::Full => {
                    drop(st);
                    let d = self.on_full(home, now, n);
                    return if d.allowed {
                        self.table.count_allowed();
                        Ok(Queued::Now(d))
                    } else {
                        self.table.count_denied();
                        Err(refused(duration_to_ns(d.retry_after)))
                    };
                }
            };
            let ring = self.ring(i);
            let queued = st.slots.get(&i).is_some_and(FifoQueue::has_waiters);
            if !queued {
                let d = self.w.acquire(ring, now, n);
                if !self.table.still_holds(i, fp) {
                    if d.allowed {
                        self.w.refund(ring, now, n);
                    }
                    continue;
                }
                if d.allowed {
                    self.table.count_allowed();
                    return Ok(Queued::Now(d));
                }
            }
            let due = match st.slots.get(&i) {
                Some(q) => q.due_behind(&self.w, ring, now, n),
                None => self.w.due_after(ring, std::iter::empty(), now, n),
            };
            let wait = due.saturating_sub(now);
            let room = st.slots.try_reserve(1).is_ok()
                && st.slots.get_mut(&i).is_none_or(FifoQueue::try_reserve);
            let Some(count) = self.waiters(i).filter(|_| wait <= max_wait_ns && room) else {
                if !self.table.still_holds(i, fp) {
                    continue;
                }
                self.table.count_denied();
                return Err(refused(wait));
            };
            // A waiter is a charge as far as eviction goes: count it, then
            // check the slot is still ours (an eviction under way is
            // cancelled); else undo and look the key up again.
            count.fetch_add(1, Ordering::SeqCst);
            if !self.table.still_holds(i, fp) {
                count.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            let ticket = st.next_ticket;
            st.next_ticket = st.next_ticket.wrapping_add(1);
            st.slots
                .entry(i)
                .or_default()
                .push(ticket, n, due, now.saturating_add(max_wait_ns));
            self.table.waiting.fetch_add(1, Ordering::Relaxed);
            return Ok(Queued::Ticket(i, ticket));
        }
    }

    /// `try_acquire` / `peek` of a key whose slot has waiters: denied
    /// behind them (no barging), with the time the request would be due
    /// after them; `None` when nobody is waiting any more.
    #[cold]
    #[inline(never)]
    pub(crate) fn behind_queue(&self, i: usize, now: u64, n: u64) -> Option<Decision> {
        let st = lock!(self);
        let q = st.slots.get(&i).filter(|q| q.has_waiters())?;
        let ring = self.ring(i);
        let due = q.due_behind(&self.w, ring, now, n);
        let last = q.last_expiry(&self.w);
        drop(st);
        let reset = self.w.reset_in(ring, now).max(last.saturating_sub(now));
        Some(Decision {
            allowed: false,
            remaining: 0,
            retry_after: Duration::from_nanos(due.saturating_sub(now).max(1)),
            reset_after: Duration::from_nanos(reset),
        })
    }

    /// Removes a finished ticket's entry from the slot's count, and the
    /// slot's queue once it is empty. With the queues locked.
    fn release_slot(&self, st: &mut State, i: usize) {
        if let Some(c) = self.waiters(i) {
            c.fetch_sub(1, Ordering::SeqCst);
        }
        if st.slots.get(&i).is_some_and(FifoQueue::is_idle) {
            st.slots.remove(&i);
        }
    }

    fn ticket_due(&self, i: usize, ticket: u64) -> Option<u64> {
        lock!(self).slots.get(&i)?.due(ticket)
    }

    fn claim_ticket(&self, i: usize, ticket: u64) -> Result<Option<Decision>> {
        let now = self.clock.now_ns();
        let mut st = lock!(self);
        let Some(q) = st.slots.get_mut(&i) else {
            return Ok(None);
        };
        let (got, wake) = q.claim(&self.w, self.ring(i), now, ticket, &SlotCounters(self));
        if got.is_some() {
            self.release_slot(&mut st, i);
        }
        drop(st);
        wake_all(wake);
        match got {
            Some(Settled::Granted(d)) => {
                self.table.count_allowed();
                Ok(Some(d))
            }
            Some(Settled::Refused(retry)) => Err(refused(retry)),
            None => Ok(None),
        }
    }

    fn abandon_ticket(&self, i: usize, ticket: u64, n: u64) {
        let now = self.clock.now_ns();
        let mut st = lock!(self);
        let Some(q) = st.slots.get_mut(&i) else {
            return;
        };
        // An uncollected grant goes back to the slot's ring: the slot is
        // still the key's (it has a waiter).
        let gone = q.abandon(&self.w, self.ring(i), now, ticket, n, &SlotCounters(self));
        if gone.found {
            self.release_slot(&mut st, i);
        }
        drop(st);
        drop(gone.dropped);
        wake_all(gone.wake);
    }

    fn set_ticket_waker(&self, i: usize, ticket: u64, waker: &Waker) {
        let mut st = lock!(self);
        let old = st
            .slots
            .get_mut(&i)
            .and_then(|q| q.set_waker(ticket, waker));
        drop(st);
        drop(old);
    }
}

/// A keyed sliding window waiter; the wait's key is its ticket.
#[derive(Debug)]
struct SwWait {
    limiter: Arc<KeyedSlidingWindow>,
    slot: usize,
}

impl WaitTarget for SwWait {
    fn clock(&self) -> &ClockSource {
        &self.limiter.clock
    }

    fn due_ns(&self, ticket: u64) -> Option<u64> {
        self.limiter.ticket_due(self.slot, ticket)
    }

    fn claim(&self, ticket: u64, _n: u64) -> Result<Option<Decision>> {
        self.limiter.claim_ticket(self.slot, ticket)
    }

    fn abandon(&self, ticket: u64, n: u64) {
        self.limiter.abandon_ticket(self.slot, ticket, n);
    }

    fn set_waker(&self, ticket: u64, waker: &Waker) {
        self.limiter.set_ticket_waker(self.slot, ticket, waker);
    }
}

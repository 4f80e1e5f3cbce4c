//! The bounded FIFO queue of waiters: joining it, the hand-off of a
//! released slot to the oldest waiter, claiming, cancelling, and waiting
//! (blocking, or as a future's waker). A `Mutex` + `Condvar`, on the slow
//! paths only.

use super::Bulkhead;
use crate::clock::{duration_to_ns, Clock};
use crate::error::{Error, Result};
use crate::sync::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// Locks the wait queue, ignoring poisoning (the queue's invariants hold
/// between statements that cannot panic).
macro_rules! lock {
    ($bh:expr) => {{
        let mut q = $bh
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.epoch != crate::rng::fork_epoch() {
            // First use in a child made by fork(): forget the parent's
            // other threads' waiters (they do not exist here).
            let wake = $bh.forget_parent_waiters(&mut q);
            if !wake.is_empty() {
                drop(q);
                for w in wake {
                    w.wake();
                }
                q = $bh
                    .queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        }
        q
    }};
}

#[derive(Debug, Default)]
pub(super) struct WaitQueue {
    next_ticket: u64,
    /// Waiters, oldest first.
    waiting: VecDeque<Queued>,
    /// Tickets handed a slot that their waiter has not claimed yet, with
    /// the mark of the thread that queued them.
    granted: Vec<(u64, usize)>,
    /// The fork epoch (`rng::fork_epoch`) the queue was last used in: a
    /// different one means this is a child made by `fork()` since.
    epoch: u64,
}

/// One place in the queue.
#[derive(Debug)]
struct Queued {
    ticket: u64,
    /// The queueing thread's `rng::thread_mark` (after a fork, only the
    /// forking thread's waiters are kept).
    mark: usize,
    /// Registered by polling an [`OwnedWaiter`] as a future: taken out and
    /// woken (after the lock is released) when the slot is handed over.
    waker: Option<Waker>,
}

/// Wakers taken out of the queue under its lock, to be woken or dropped
/// only once the lock is released (a waker is foreign code: it may take
/// other locks, or run a release that needs this one).
#[derive(Debug, Default)]
#[must_use = "a hand-off's waker must be woken after the lock is released"]
struct Unlocked {
    wake: Option<Waker>,
    discard: Option<Waker>,
}

impl Unlocked {
    /// Wakes and drops the wakers. Call with the queue lock released.
    fn run(self) {
        if let Some(w) = self.wake {
            w.wake();
        }
        drop(self.discard);
    }
}

pub(super) enum Slot {
    Acquired,
    Queued(u64),
}

impl Bulkhead {
    /// Takes a slot (counting the grant) or a place in the queue (rejecting
    /// when it is full).
    pub(super) fn enqueue(&self) -> Result<Slot> {
        if self.take() {
            return Ok(Slot::Acquired);
        }
        if self.cfg.max_queue == 0 {
            return self.reject();
        }
        let mut q = lock!(self);
        let l = self.layout;
        let max = self.cfg.max_concurrent;
        let mut cur = self.state.load(Ordering::Acquire);
        let acquired = loop {
            // Neither add carries out of its field (checked just before).
            let (next, acquired) = if l.queued_of(cur) == 0 && l.active_of(cur) < max {
                (cur.wrapping_add(1), true)
            } else if l.queued_of(cur) < self.cfg.max_queue {
                (cur.wrapping_add(l.queued_one), false)
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
            self.total.fetch_add(1, Ordering::Relaxed);
            return Ok(Slot::Acquired);
        }
        let ticket = q.next_ticket;
        q.next_ticket = q.next_ticket.wrapping_add(1);
        q.waiting.push_back(Queued {
            ticket,
            mark: crate::rng::thread_mark(),
            waker: None,
        });
        Ok(Slot::Queued(ticket))
    }

    /// The slow half of `release_slot`: someone was waiting when the slot went
    /// back to the pool. While anyone waits no newcomer can take a free slot
    /// (the fast path rejects, `enqueue` queues), so under the queue lock the
    /// slot is taken back for the oldest waiter (active+1, queued−1: a
    /// direct hand-off). If the queue emptied meanwhile (waiters timed out)
    /// the slot stays in the pool; if a newcomer took it while the queue was
    /// empty, the bulkhead is full again and a later release serves the
    /// queue. The new holder's waker, if it registered one, is woken after
    /// the lock is released. Out of line so the lock-free path stays small
    /// enough to inline.
    #[cold]
    #[inline(never)]
    pub(super) fn release_to_queue(&self) {
        let mut q = lock!(self);
        let wake = self.release_to_queue_locked(&mut q);
        drop(q);
        if let Some(w) = wake {
            w.wake();
        }
    }

    /// `release_to_queue` with the queue locked; returns the waker to wake.
    fn release_to_queue_locked(&self, q: &mut WaitQueue) -> Option<Waker> {
        if q.waiting.is_empty() {
            return None;
        }
        let l = self.layout;
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if l.active_of(cur) >= self.cfg.max_concurrent {
                return None;
            }
            // queued >= 1 (it equals the queue's length under the lock).
            let next = cur.wrapping_add(1).wrapping_sub(l.queued_one);
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let w = q.waiting.pop_front()?;
        q.granted.push((w.ticket, w.mark));
        self.cv.notify_all();
        w.waker
    }

    /// With the queue locked, in a child made by `fork()` (the queue's fork
    /// epoch is behind): drops the waiters queued by the parent's other
    /// threads, which do not exist in the child, and gives back the slots
    /// handed to such waiters and not claimed yet (to the oldest waiter
    /// left, or to the pool), so a slot released in the child serves the
    /// child. The forking thread's own waiters (async waiters of its event
    /// loop) are kept. Returns the wakers of the waiters handed a slot, to
    /// wake once the lock is released. Slots held by permits of the
    /// parent's other threads stay taken (nothing can tell when they would
    /// have been released).
    #[cold]
    #[inline(never)]
    fn forget_parent_waiters(&self, q: &mut WaitQueue) -> Vec<Waker> {
        q.epoch = crate::rng::fork_epoch();
        let forker = crate::rng::forker_mark();
        let before = q.waiting.len();
        q.waiting.retain(|w| w.mark == forker);
        let gone = (before - q.waiting.len()) as u64;
        if gone > 0 {
            self.state
                .fetch_sub(gone.wrapping_mul(self.layout.queued_one), Ordering::AcqRel);
        }
        let held = q.granted.len();
        q.granted.retain(|&(_, mark)| mark == forker);
        let mut wake = Vec::new();
        for _ in q.granted.len()..held {
            wake.extend(self.hand_off_locked(q));
        }
        wake
    }

    /// With the queue locked: hands the caller's slot to the oldest waiter,
    /// or frees it if the queue emptied meanwhile. Returns the new holder's
    /// waker, to wake once the lock is released.
    fn hand_off_locked(&self, q: &mut WaitQueue) -> Option<Waker> {
        if let Some(w) = q.waiting.pop_front() {
            q.granted.push((w.ticket, w.mark));
            self.state
                .fetch_sub(self.layout.queued_one, Ordering::AcqRel);
            self.cv.notify_all();
            w.waker
        } else {
            self.state.fetch_sub(1, Ordering::AcqRel);
            None
        }
    }

    /// With the queue locked: claims `ticket`'s slot if it was handed one.
    fn claim_locked(q: &mut WaitQueue, ticket: u64) -> bool {
        match q.granted.iter().position(|&(t, _)| t == ticket) {
            Some(i) => {
                q.granted.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// With the queue locked: abandons `ticket` (leaves the queue, dropping
    /// its waker, or passes on a slot already handed to it, waking the next
    /// holder) and counts a rejection. The wakers are returned to be woken
    /// and dropped once the lock is released.
    fn cancel_locked(&self, q: &mut WaitQueue, ticket: u64) -> Unlocked {
        let mut out = Unlocked::default();
        if let Some(i) = q.waiting.iter().position(|w| w.ticket == ticket) {
            out.discard = q.waiting.remove(i).and_then(|w| w.waker);
            self.state
                .fetch_sub(self.layout.queued_one, Ordering::AcqRel);
        } else if Self::claim_locked(q, ticket) {
            out.wake = self.hand_off_locked(q);
        } else {
            return out;
        }
        self.rejected.incr();
        out
    }

    /// Cancels `ticket`, then wakes with the lock released.
    pub(super) fn cancel(&self, ticket: u64) {
        let mut q = lock!(self);
        let after = self.cancel_locked(&mut q, ticket);
        drop(q);
        after.run();
    }

    /// The future half of [`OwnedWaiter`]: under the queue lock, claims
    /// `ticket`'s slot, or else stores `waker` in its queue entry (so the
    /// check and the registration are one step: a hand-off either happened
    /// before and is claimed here, or happens after and finds the waker).
    /// `None` when the ticket is neither granted nor queued (already
    /// claimed or cancelled). A waker it replaces is dropped after unlock.
    pub(super) fn poll_ticket(&self, ticket: u64, waker: &Waker) -> Option<bool> {
        let mut q = lock!(self);
        if Self::claim_locked(&mut q, ticket) {
            return Some(true);
        }
        let entry = q.waiting.iter_mut().find(|w| w.ticket == ticket)?;
        let old = match &entry.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => entry.waker.replace(waker.clone()),
        };
        drop(q);
        drop(old);
        Some(false)
    }

    /// The clock reading at which a wait of `timeout` starting now ends.
    pub(super) fn deadline(&self, timeout: Duration) -> u64 {
        self.clock.now_ns().saturating_add(duration_to_ns(timeout))
    }

    /// Blocks until `ticket` is handed a slot (Ok) or the clock reaches
    /// `deadline`. On the monotonic clock the thread sleeps on the queue's
    /// condition variable until a hand-off or the deadline; on a manual
    /// clock it sleeps on the clock, woken by a move of the time or by the
    /// hand-off (its queue entry holds a waker that nudges the clock).
    pub(super) fn wait_ticket(&self, ticket: u64, deadline: u64) -> Result<()> {
        let manual = self.clock.manual().cloned();
        let nudge = manual
            .as_ref()
            .map(|m| Waker::from(Arc::new(crate::clock::Nudge(m.clone()))));
        let mut q = lock!(self);
        loop {
            if Self::claim_locked(&mut q, ticket) {
                return Ok(());
            }
            let now = self.clock.now_ns();
            if now >= deadline {
                let after = self.cancel_locked(&mut q, ticket);
                drop(q);
                after.run();
                return Err(Error::BulkheadFull);
            }
            match (&manual, &nudge) {
                (Some(m), Some(w)) => {
                    let old = q
                        .waiting
                        .iter_mut()
                        .find(|e| e.ticket == ticket)
                        .and_then(|e| e.waker.replace(w.clone()));
                    // Read under the queue lock: a hand-off after this
                    // point nudges the clock and changes it.
                    let seen = m.generation();
                    drop(q);
                    drop(old);
                    m.wait_changed(seen, deadline);
                    q = lock!(self);
                }
                _ => {
                    let wait = Duration::from_nanos(deadline - now);
                    q = match self.cv.wait_timeout(q, wait) {
                        Ok((g, _)) => g,
                        Err(e) => e.into_inner().0,
                    };
                }
            }
        }
    }

    /// Claims `ticket`'s slot if it was handed one (takes the queue lock).
    pub(super) fn claim(&self, ticket: u64) -> bool {
        let mut q = lock!(self);
        Self::claim_locked(&mut q, ticket)
    }
}

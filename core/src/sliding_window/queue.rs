//! The FIFO of waiting acquires of a sliding window (`spec/sliding_window.md`,
//! "Waiting"): one for a [`SlidingWindowLimiter`](super::SlidingWindowLimiter),
//! one per slot with waiters for a
//! [`KeyedSlidingWindow`](crate::keyed::KeyedSlidingWindow). The queue is
//! always used under its owner's lock; the owner passes the window's ring
//! and the counters a waiter moves when it leaves.

use super::Window;
use crate::limit::Decision;
use crate::sync::AtomicU64;
use std::collections::VecDeque;
use std::task::Waker;

/// The counters a waiter moves when it leaves the queue.
pub(crate) trait QueueCounters {
    /// A waiter left the queue, granted or refused.
    fn left(&self);
    /// One denial: a waiter refused, or a grant given back uncollected.
    fn denied(&self);
}

/// Waiting acquires, oldest first, and the settled tickets not yet
/// collected by their waiter.
#[derive(Debug, Default)]
pub(crate) struct FifoQueue {
    /// Due times never decrease along the queue.
    waiting: VecDeque<Entry>,
    /// Tickets already granted (counted in the ring) or refused.
    settled: Vec<(u64, Settled)>,
}

#[derive(Debug)]
struct Entry {
    ticket: u64,
    n: u64,
    due: u64,
    deadline: u64,
    waker: Option<Waker>,
}

/// How a ticket ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Settled {
    Granted(Decision),
    /// Refused: the due time moved past the deadline; retry_after ns.
    Refused(u64),
}

impl FifoQueue {
    /// Someone is waiting.
    pub(crate) fn has_waiters(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Nobody waiting and nothing left to collect.
    pub(crate) fn is_idle(&self) -> bool {
        self.waiting.is_empty() && self.settled.is_empty()
    }

    /// The earliest time `>= now` at which `n` more fit in the window
    /// behind every waiter (see [`Window::due_after`]).
    pub(crate) fn due_behind(&self, w: &Window, ring: &[AtomicU64], now: u64, n: u64) -> u64 {
        self.due_after(w, ring, self.waiting.len(), now, n)
    }

    /// The same, behind the first `ahead` waiters only.
    fn due_after(&self, w: &Window, ring: &[AtomicU64], ahead: usize, now: u64, n: u64) -> u64 {
        let ahead = self.waiting.iter().take(ahead).map(|e| (e.due, e.n));
        w.due_after(ring, ahead, now, n)
    }

    /// When the last waiter's count leaves the window (0 with no waiters).
    pub(crate) fn last_expiry(&self, w: &Window) -> u64 {
        self.waiting.back().map_or(0, |e| w.expiry_at(e.due))
    }

    /// Makes room for one more waiter; false when the allocation fails.
    pub(crate) fn try_reserve(&mut self) -> bool {
        self.waiting.try_reserve(1).is_ok()
    }

    /// Queues `ticket` for `n`, due at `due`, refused after `deadline`.
    pub(crate) fn push(&mut self, ticket: u64, n: u64, due: u64, deadline: u64) {
        self.waiting.push_back(Entry {
            ticket,
            n,
            due,
            deadline,
            waker: None,
        });
    }

    /// The due time of a waiting ticket, 0 if settled, `None` if unknown.
    pub(crate) fn due(&self, ticket: u64) -> Option<u64> {
        if self.settled.iter().any(|&(t, _)| t == ticket) {
            return Some(0);
        }
        self.waiting
            .iter()
            .find(|e| e.ticket == ticket)
            .map(|e| e.due)
    }

    /// Grants, oldest first, every waiter that is due at `now` while the
    /// window has room. A due waiter that does not fit (a late claim
    /// counted in a later bucket, or a request that raced past the queue)
    /// is due again when it fits; the waiters behind it are rescheduled.
    /// Returns wakers to wake after unlocking.
    pub(crate) fn settle(
        &mut self,
        w: &Window,
        ring: &[AtomicU64],
        now: u64,
        c: &impl QueueCounters,
    ) -> Vec<Waker> {
        while let Some(e) = self.waiting.front() {
            if e.due > now {
                return Vec::new();
            }
            let d = w.acquire(ring, now, e.n);
            if !d.allowed {
                return self.reschedule(w, ring, now, c);
            }
            if let Some(e) = self.waiting.pop_front() {
                c.left();
                self.settled.push((e.ticket, Settled::Granted(d)));
            }
        }
        Vec::new()
    }

    /// Recomputes every waiter's due time in order (after a waiter left, or
    /// the window turned out fuller than planned), refusing those whose
    /// deadline it passes. Returns the wakers of the waiters whose due time
    /// changed or that were refused.
    pub(crate) fn reschedule(
        &mut self,
        w: &Window,
        ring: &[AtomicU64],
        now: u64,
        c: &impl QueueCounters,
    ) -> Vec<Waker> {
        let mut wake = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            let Some(n) = self.waiting.get(i).map(|e| e.n) else {
                break;
            };
            let due = self.due_after(w, ring, i, now, n);
            let Some(e) = self.waiting.get_mut(i) else {
                break;
            };
            if due > e.deadline {
                if let Some(e) = self.waiting.remove(i) {
                    c.left();
                    c.denied();
                    self.settled
                        .push((e.ticket, Settled::Refused(due.saturating_sub(now).max(1))));
                    wake.extend(e.waker);
                }
                continue;
            }
            if due != e.due {
                e.due = due;
                if let Some(w) = &e.waker {
                    wake.push(w.clone());
                }
            }
            i += 1;
        }
        wake
    }

    /// Settles what is due, then takes `ticket`'s outcome if it has one.
    pub(crate) fn claim(
        &mut self,
        w: &Window,
        ring: &[AtomicU64],
        now: u64,
        ticket: u64,
        c: &impl QueueCounters,
    ) -> (Option<Settled>, Vec<Waker>) {
        let wake = self.settle(w, ring, now, c);
        let got = self
            .settled
            .iter()
            .position(|&(t, _)| t == ticket)
            .map(|k| self.settled.swap_remove(k).1);
        (got, wake)
    }

    /// A waiter gave up: its entry leaves the queue (those behind may be due
    /// earlier), or its uncollected grant of `n` is given back to the ring.
    /// Returns whether the ticket was found, the wakers to wake and the
    /// dropped waker (both to be dropped after unlocking).
    pub(crate) fn abandon(
        &mut self,
        w: &Window,
        ring: &[AtomicU64],
        now: u64,
        ticket: u64,
        n: u64,
        c: &impl QueueCounters,
    ) -> Abandoned {
        if let Some(k) = self.waiting.iter().position(|e| e.ticket == ticket) {
            let dropped = self.waiting.remove(k).and_then(|e| e.waker);
            c.left();
            c.denied();
            let wake = self.reschedule(w, ring, now, c);
            return Abandoned {
                found: true,
                wake,
                dropped,
            };
        }
        let mut found = false;
        if let Some(k) = self.settled.iter().position(|&(t, _)| t == ticket) {
            if let (_, Settled::Granted(_)) = self.settled.swap_remove(k) {
                // Counted in the ring but never collected: give it back.
                w.refund(ring, now, n);
                c.denied();
            }
            found = true;
        }
        Abandoned {
            found,
            wake: Vec::new(),
            dropped: None,
        }
    }

    /// Stores the waker of a waiting ticket; returns the one it replaces
    /// (to drop after unlocking).
    pub(crate) fn set_waker(&mut self, ticket: u64, waker: &Waker) -> Option<Waker> {
        let e = self.waiting.iter_mut().find(|e| e.ticket == ticket)?;
        match &e.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => e.waker.replace(waker.clone()),
        }
    }
}

/// What [`FifoQueue::abandon`] did.
pub(crate) struct Abandoned {
    pub(crate) found: bool,
    pub(crate) wake: Vec<Waker>,
    pub(crate) dropped: Option<Waker>,
}

/// Wakes the wakers a queue operation returned (after unlocking).
pub(crate) fn wake_all(wakers: Vec<Waker>) {
    for w in wakers {
        w.wake();
    }
}

//! The values that hold a slot or a place in the queue: [`Permit`],
//! [`OwnedPermit`], [`Admission`], [`OwnedWaiter`].

use super::Bulkhead;
use crate::error::Result;
use crate::sync::Ordering;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A slot of a [`Bulkhead`], given back when dropped.
#[derive(Debug)]
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct Permit<'a> {
    pub(super) bulkhead: &'a Bulkhead,
}

impl Permit<'_> {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// Drops the guard without releasing (the slot moves to an owned permit).
    pub(super) fn forget(self) {
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
    /// False only after `detach`: the slot left with the `Arc`.
    armed: bool,
}

impl OwnedPermit {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// The bulkhead this permit belongs to.
    pub fn bulkhead(&self) -> &Arc<Bulkhead> {
        &self.bulkhead
    }

    /// Turns the permit into its bulkhead's `Arc` **without** giving the
    /// slot back, for bindings that carry a permit across an FFI boundary
    /// as the `Arc`'s raw pointer (no allocation per permit). The slot
    /// stays taken until [`OwnedPermit::reattach`] rebuilds the permit from
    /// that same `Arc` and it is dropped.
    pub fn detach(mut self) -> Arc<Bulkhead> {
        self.armed = false; // the slot travels with the returned Arc
        Arc::clone(&self.bulkhead)
    }

    /// Rebuilds a permit from an `Arc` returned by [`detach`](Self::detach).
    /// Only ever pass such an `Arc`, once: a permit made from any other
    /// `Arc` would give back a slot nobody took (the bulkhead's count would
    /// go wrong; memory stays safe).
    pub fn reattach(bulkhead: Arc<Bulkhead>) -> OwnedPermit {
        OwnedPermit {
            bulkhead,
            armed: true,
        }
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        if self.armed {
            self.bulkhead.release_slot();
        }
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
///
/// Three ways to wait for the slot: [`try_claim`](Self::try_claim) (check
/// now), [`wait`](Self::wait) (block the thread), or `.await` it: the waiter
/// is a [`Future`] resolving to the [`OwnedPermit`]. Polling it claims the
/// slot if one was handed to it, else stores the context's [`Waker`](std::task::Waker) in its
/// queue entry under the queue lock (replacing an earlier one), so no
/// hand-off is missed between the check and the registration. The release
/// (or cancel) that hands it the slot wakes that waker once, after
/// releasing the queue lock; no waker is ever called with the lock held.
/// The future has no deadline of its own: wrap it in the runtime's timeout
/// (dropping the waiter on timeout leaves the queue). Once it has returned
/// `Ready`, polling it again returns `Pending` and registers nothing.
#[derive(Debug)]
pub struct OwnedWaiter {
    pub(super) bulkhead: Arc<Bulkhead>,
    pub(super) ticket: u64,
    pub(super) done: bool,
}

impl OwnedWaiter {
    /// The permit if a slot has been handed to this waiter; otherwise the
    /// waiter back, still queued. Does not block (takes the queue lock).
    pub fn try_claim(mut self) -> std::result::Result<OwnedPermit, OwnedWaiter> {
        let claimed = { self.bulkhead.claim(self.ticket) };
        if claimed {
            self.done = true;
            self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
            Ok(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
        } else {
            Err(self)
        }
    }

    /// Blocks up to `timeout` for a slot, like [`Bulkhead::acquire`].
    /// On timeout the waiter leaves the queue and this returns
    /// [`Error::BulkheadFull`](crate::Error::BulkheadFull).
    pub fn wait(mut self, timeout: Duration) -> Result<OwnedPermit> {
        self.done = true;
        let deadline = self.bulkhead.deadline(timeout);
        self.bulkhead.wait_ticket(self.ticket, deadline)?;
        self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
        Ok(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
    }

    /// Leaves the queue now (same as dropping the waiter).
    pub fn cancel(self) {}
}

impl Future for OwnedWaiter {
    type Output = OwnedPermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedPermit> {
        if self.done {
            return Poll::Pending;
        }
        match self.bulkhead.poll_ticket(self.ticket, cx.waker()) {
            Some(true) => {
                self.done = true;
                self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
                Poll::Ready(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
            }
            // `None` cannot happen while `done` is false: the ticket is
            // granted or queued until it is claimed or cancelled, and
            // both set `done` or consume the waiter.
            Some(false) | None => Poll::Pending,
        }
    }
}

impl Drop for OwnedWaiter {
    fn drop(&mut self) {
        if !self.done {
            self.bulkhead.cancel(self.ticket);
        }
    }
}

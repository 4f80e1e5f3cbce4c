//! What every rate limiter answers, and the trait the policy guard uses.

use crate::clock::{Clock, ClockSource};
use crate::error::Result;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A rate limiter's answer to "may `n` requests pass now?".
///
/// The same four numbers feed the standard `X-RateLimit-*` / `Retry-After`
/// response headers in every binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request was granted (and its tokens taken).
    pub allowed: bool,
    /// Requests that could still be granted right now after this decision.
    pub remaining: u64,
    /// When denied: how long until the same request could be granted.
    /// Zero when allowed.
    pub retry_after: Duration,
    /// How long until the limiter is back to full capacity.
    pub reset_after: Duration,
}

/// A rate limiter the [`Policy`](crate::policy::Policy) guard can hold.
pub trait RateLimiter: Send + Sync {
    /// Takes `n` permits if available. `Err(InvalidArgument)` when `n` can
    /// never be granted (`n == 0` or above the limiter's capacity).
    fn try_acquire_n(&self, n: u64) -> Result<Decision>;

    /// Gives back `n` permits granted by an earlier `try_acquire_n` whose
    /// call never went out (a later stage of a policy rejected it). Never
    /// raises capacity above its maximum.
    fn refund(&self, n: u64);

    /// The configured capacity (burst or window limit), for the
    /// `X-RateLimit-Limit` header.
    fn limit(&self) -> u64;
}

/// What a waiting acquire ([`TokenBucket::reserve`](crate::token_bucket::TokenBucket::reserve),
/// [`SlidingWindowLimiter::reserve`](crate::sliding_window::SlidingWindowLimiter::reserve))
/// got. A request that cannot be granted within its maximum wait is
/// refused at once with [`Error::RateLimited`](crate::Error::RateLimited)
/// instead.
#[derive(Debug)]
#[must_use = "a waiting reservation is given back when dropped"]
pub enum Reservation {
    /// Granted now.
    Granted(Decision),
    /// Granted at a due time: wait for it, await it, or drop it (which
    /// gives the reservation back).
    Waiting(LimiterWait),
}

/// The limiter side of a [`LimiterWait`].
pub(crate) trait WaitTarget: Send + Sync + std::fmt::Debug {
    /// The limiter's clock.
    fn clock(&self) -> &ClockSource;
    /// When the wait `key` is due (clock ns); `None` once it is gone.
    fn due_ns(&self, key: u64) -> Option<u64>;
    /// Claims the wait if it is due now: `Ok(Some)` granted (counted
    /// allowed), `Ok(None)` not yet, `Err` refused (counted denied).
    fn claim(&self, key: u64, n: u64) -> Result<Option<Decision>>;
    /// Gives the wait up (counted denied) and its reservation back.
    fn abandon(&self, key: u64, n: u64);
    /// Stores the waker to wake if the wait's due time moves.
    fn set_waker(&self, _key: u64, _waker: &Waker) {}
}

/// A request waiting for its due time in a rate limiter's FIFO order.
///
/// Its tokens (or its place) were reserved when it was made: requests that
/// come later, waiting or not, are served after it. Three ways to finish:
/// [`try_claim`](Self::try_claim) (check now), [`wait`](Self::wait) (block
/// the thread; the monotonic clock sleeps until the due time, a
/// [`ManualClock`](crate::ManualClock) wakes it when a test moves the time
/// there), or `.await` it. As a [`Future`] it is woken by a manual clock
/// reaching its due time; on the monotonic clock **nothing wakes it**: the
/// runtime must poll it again after [`due_in`](Self::due_in) (the bindings
/// schedule that timer on their event loop). Dropping it unclaimed gives the
/// reservation back and counts one denial; a claimed wait counts one grant
/// and no denial.
#[derive(Debug)]
pub struct LimiterWait {
    target: Arc<dyn WaitTarget>,
    key: u64,
    n: u64,
    done: bool,
    /// A manual-clock timer registered by `poll`.
    timer: Option<u64>,
}

impl LimiterWait {
    pub(crate) fn new(target: Arc<dyn WaitTarget>, key: u64, n: u64) -> Self {
        Self {
            target,
            key,
            n,
            done: false,
            timer: None,
        }
    }

    /// The clock reading at which this wait is due (0 once finished).
    pub fn due_ns(&self) -> u64 {
        if self.done {
            return 0;
        }
        self.target.due_ns(self.key).unwrap_or(0)
    }

    /// Time left on the limiter's clock until the wait is due (zero when
    /// due or finished).
    pub fn due_in(&self) -> Duration {
        Duration::from_nanos(self.due_ns().saturating_sub(self.target.clock().now_ns()))
    }

    /// The tokens (requests) this wait is for.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Whether the limiter runs on a [`ManualClock`](crate::ManualClock).
    pub fn on_manual_clock(&self) -> bool {
        self.target.clock().manual().is_some()
    }

    /// The decision if the wait is due now (counted as one grant); `None`
    /// if not yet. `Err(RateLimited)` if the limiter had to move the due
    /// time past the wait's deadline (the sliding window, rarely; see
    /// `spec/sliding_window.md`). After `Some` or `Err` the wait is
    /// finished: later calls return `Ok(None)`.
    pub fn try_claim(&mut self) -> Result<Option<Decision>> {
        if self.done {
            return Ok(None);
        }
        let r = self.target.claim(self.key, self.n);
        if !matches!(r, Ok(None)) {
            self.finish();
        }
        r
    }

    /// Blocks until the wait is due and claims it (see the type's docs).
    /// `Err(InvalidArgument)` if it had already finished.
    pub fn wait(mut self) -> Result<Decision> {
        loop {
            if let Some(d) = self.wait_for(None)? {
                return Ok(d);
            }
        }
    }

    /// Blocks until the wait is due or `real_limit` of real time has passed
    /// (for bindings that must look for signals now and then); `Ok(None)`
    /// when not yet due.
    ///
    /// `Err(InvalidArgument { field: "wait" })` once the wait has finished
    /// (claimed or refused): there is nothing left to wait for.
    pub fn wait_for(&mut self, real_limit: Option<Duration>) -> Result<Option<Decision>> {
        if self.done {
            return Err(crate::Error::argument(
                "wait",
                "has already finished (claimed or refused)",
            ));
        }
        if let Some(d) = self.try_claim()? {
            return Ok(Some(d));
        }
        let due = self.due_ns();
        self.target.clock().sleep_until_ns(due, real_limit);
        self.try_claim()
    }

    /// Gives the wait up now (same as dropping it).
    pub fn cancel(self) {}

    fn finish(&mut self) {
        self.done = true;
        if let (Some(id), Some(m)) = (self.timer.take(), self.target.clock().manual()) {
            m.cancel_timer(id);
        }
    }
}

impl Future for LimiterWait {
    type Output = Result<Decision>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Decision>> {
        if self.done {
            return Poll::Pending;
        }
        match self.try_claim() {
            Ok(Some(d)) => return Poll::Ready(Ok(d)),
            Err(e) => return Poll::Ready(Err(e)),
            Ok(None) => {}
        }
        self.target.set_waker(self.key, cx.waker());
        let due = self.due_ns();
        let this = &mut *self;
        if let Some(m) = this.target.clock().manual() {
            if let Some(old) = this.timer.take() {
                m.cancel_timer(old);
            }
            match m.wake_at(due, cx.waker()) {
                Some(id) => this.timer = Some(id),
                // Due meanwhile: poll again at once.
                None => cx.waker().wake_by_ref(),
            }
        }
        Poll::Pending
    }
}

impl Drop for LimiterWait {
    fn drop(&mut self) {
        if !self.done {
            self.finish();
            self.target.abandon(self.key, self.n);
        }
    }
}

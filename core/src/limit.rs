//! What every rate limiter answers, and the trait the policy guard uses.

use crate::error::Result;
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

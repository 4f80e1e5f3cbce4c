//! Retry budget: retries limited to a share of traffic, gRPC style.
//!
//! This is gRPC's retry throttling (gRFC A6): a token count starts at
//! `max_tokens`; every failed attempt costs 1 token, every success gives back
//! `token_ratio` (never above `max_tokens`); a retry is allowed only while the
//! count is above `max_tokens / 2`. When a dependency fails hard, retries stop
//! after about `max_tokens / 2` failures and resume once successes refill the
//! bucket, so retries cannot multiply load on a struggling dependency. In
//! steady state retries stay below `token_ratio` per success.
//!
//! Tokens are kept in thousandths in one `AtomicU64` (as gRPC does), so every
//! language computes the same counts. No clock is involved: the budget reacts
//! to outcomes, not to time. See `spec/retry_budget.md` for why this was
//! chosen over Finagle's time-window budget.
//!
//! ```
//! use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
//! let budget = RetryBudget::new(RetryBudgetConfig { max_tokens: 4, token_ratio: 0.5 })?;
//! assert!(budget.try_retry());   // 4 → 3 tokens, 3 > 2: allowed
//! assert!(!budget.try_retry());  // 3 → 2 tokens, 2 > 2 is false: denied
//! budget.record_success();       // 2.5 tokens
//! budget.record_success();       // 3 tokens
//! assert_eq!(budget.metrics().tokens_milli, 3000);
//! # Ok::<(), seawall::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::sync::{AtomicU64, Ordering};
use crate::validate;

/// One token in fixed point (thousandths).
pub const MILLI: u64 = 1000;

/// The largest `max_tokens` accepted.
pub const MAX_TOKENS_LIMIT: u32 = 1_000_000;

/// Configuration of a [`RetryBudget`].
///
/// | field | default | rule |
/// |---|---|---|
/// | `max_tokens` | 10 | integer in `[1, 1_000_000]` |
/// | `token_ratio` | 0.1 | finite, `> 0`, `≤ 1_000_000`; rounded to thousandths, at least 0.001 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudgetConfig {
    /// Size of the bucket; retries stop when it is half empty.
    pub max_tokens: u32,
    /// Tokens each success gives back (a retry is allowed per
    /// `1 / token_ratio` successes in steady state).
    pub token_ratio: f64,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self {
            max_tokens: 10,
            token_ratio: 0.1,
        }
    }
}

impl RetryBudgetConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        self.fixed_point().map(|_| ())
    }

    /// (max_tokens, token_ratio) in thousandths.
    fn fixed_point(&self) -> Result<(u64, u64)> {
        let max = validate::int_in_range(
            "max_tokens",
            u64::from(self.max_tokens),
            1,
            u64::from(MAX_TOKENS_LIMIT),
        )?;
        let ratio = validate::positive_f64("token_ratio", self.token_ratio)?;
        if ratio > f64::from(MAX_TOKENS_LIMIT) {
            return Err(Error::config(
                "token_ratio",
                format!("must be <= {MAX_TOKENS_LIMIT}, got {ratio:?}"),
            ));
        }
        // Round half up to thousandths: floor(ratio × 1000 + 0.5).
        let ratio_milli = (ratio * MILLI as f64 + 0.5).floor() as u64;
        if ratio_milli == 0 {
            return Err(Error::config(
                "token_ratio",
                format!("must be >= 0.001 (tokens are thousandths), got {ratio:?}"),
            ));
        }
        Ok((max.saturating_mul(MILLI), ratio_milli))
    }
}

/// A snapshot of a [`RetryBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RetryBudgetMetrics {
    /// Current tokens in thousandths.
    pub tokens_milli: u64,
    /// Current tokens (`tokens_milli / 1000`).
    pub tokens: f64,
    /// `max_tokens` in thousandths.
    pub max_tokens_milli: u64,
    /// Retries are allowed while `tokens_milli` is above this (`max / 2`).
    pub threshold_milli: u64,
    /// [`RetryBudget::try_retry`] calls that returned `true`.
    pub retries_allowed: u64,
    /// [`RetryBudget::try_retry`] calls that returned `false`.
    pub retries_denied: u64,
    /// Successes recorded.
    pub successes: u64,
    /// Failures recorded (by `try_retry` and `record_failure`).
    pub failures: u64,
}

/// gRPC-style retry throttling, lock-free.
///
/// Record every outcome of a call that *could* be retried (a failure
/// classified retryable, see [`crate::classify`]): on such a failure, call
/// [`try_retry`](Self::try_retry) if the schedule still has a retry to give,
/// else [`record_failure`](Self::record_failure); on success
/// [`record_success`](Self::record_success). Non-retryable failures are not
/// recorded.
///
/// Packed state: one `AtomicU64` holding the token count in thousandths,
/// `0 ..= max_tokens × 1000`. The counters are separate relaxed atomics.
#[derive(Debug)]
pub struct RetryBudget {
    cfg: RetryBudgetConfig,
    /// Inline, or in a shared region (`spec/shared_memory.md`).
    tokens_milli: crate::place::Place<AtomicU64>,
    max_milli: u64,
    ratio_milli: u64,
    threshold_milli: u64,
    retries_allowed: crate::place::Place<AtomicU64>,
    retries_denied: crate::place::Place<AtomicU64>,
    successes: crate::place::Place<AtomicU64>,
    failures: crate::place::Place<AtomicU64>,
}

impl RetryBudget {
    /// A full budget. Fails with `InvalidConfig` naming the bad field.
    ///
    /// There is no `with_clock`: this budget does not read time.
    pub fn new(cfg: RetryBudgetConfig) -> Result<Self> {
        let (max_milli, ratio_milli) = cfg.fixed_point()?;
        Ok(Self {
            cfg,
            tokens_milli: crate::place::Place::Local(AtomicU64::new(max_milli)),
            max_milli,
            ratio_milli,
            threshold_milli: max_milli / 2,
            retries_allowed: crate::place::Place::Local(AtomicU64::new(0)),
            retries_denied: crate::place::Place::Local(AtomicU64::new(0)),
            successes: crate::place::Place::Local(AtomicU64::new(0)),
            failures: crate::place::Place::Local(AtomicU64::new(0)),
        })
    }

    /// The budget `name` in a shared region: one budget for every process
    /// that attaches (a full budget when created). Attaching with another
    /// config is `InvalidConfig` naming the field.
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region(
        cfg: RetryBudgetConfig,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        use crate::shm::{Cfg, SlotKind};
        let mut me = Self::new(cfg)?;
        let fields = [
            ("max_tokens", Cfg::U64(u64::from(cfg.max_tokens))),
            ("token_ratio", Cfg::F64(cfg.token_ratio)),
        ];
        let full = me.max_milli;
        let slot = region.slot(SlotKind::RetryBudget, name, &fields, 5 * 8, |s| {
            s.view::<AtomicU64>(0)?.store(full, Ordering::Release);
            Ok(())
        })?;
        me.tokens_milli = crate::place::Place::Region(slot.view::<AtomicU64>(0)?);
        me.retries_allowed = crate::place::Place::Region(slot.view::<AtomicU64>(8)?);
        me.retries_denied = crate::place::Place::Region(slot.view::<AtomicU64>(16)?);
        me.successes = crate::place::Place::Region(slot.view::<AtomicU64>(24)?);
        me.failures = crate::place::Place::Region(slot.view::<AtomicU64>(32)?);
        Ok(me)
    }

    /// Whether this budget's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.tokens_milli.is_shared()
    }

    /// The configuration.
    pub fn config(&self) -> &RetryBudgetConfig {
        &self.cfg
    }

    /// Records a failed attempt (withdraws one token, never below zero) and
    /// answers whether a retry may be sent: the tokens left are above
    /// `max_tokens / 2`. One CAS loop, no lock.
    #[inline]
    pub fn try_retry(&self) -> bool {
        let left = self.withdraw();
        let allowed = left > self.threshold_milli;
        if allowed {
            self.retries_allowed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.retries_denied.fetch_add(1, Ordering::Relaxed);
        }
        allowed
    }

    /// Records a failed attempt that will not be retried anyway (attempts
    /// exhausted): withdraws one token, never below zero.
    #[inline]
    pub fn record_failure(&self) {
        self.withdraw();
    }

    /// Records a success: adds `token_ratio`, never above `max_tokens`.
    #[inline]
    pub fn record_success(&self) {
        self.successes.fetch_add(1, Ordering::Relaxed);
        let mut cur = self.tokens_milli.load(Ordering::Acquire);
        loop {
            let next = cur.saturating_add(self.ratio_milli).min(self.max_milli);
            if next == cur {
                return;
            }
            match self.tokens_milli.compare_exchange_weak(
                cur,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Withdraws one token (floor 0); returns the tokens left.
    #[inline]
    fn withdraw(&self) -> u64 {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let mut cur = self.tokens_milli.load(Ordering::Acquire);
        loop {
            let next = cur.saturating_sub(MILLI);
            match self.tokens_milli.compare_exchange_weak(
                cur,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return next,
                Err(actual) => cur = actual,
            }
        }
    }

    /// A snapshot of tokens and counters (each read independently).
    pub fn metrics(&self) -> RetryBudgetMetrics {
        let tokens_milli = self.tokens_milli.load(Ordering::Acquire);
        RetryBudgetMetrics {
            tokens_milli,
            tokens: tokens_milli as f64 / MILLI as f64,
            max_tokens_milli: self.max_milli,
            threshold_milli: self.threshold_milli,
            retries_allowed: self.retries_allowed.load(Ordering::Relaxed),
            retries_denied: self.retries_denied.load(Ordering::Relaxed),
            successes: self.successes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max_tokens: u32, token_ratio: f64) -> Result<RetryBudget> {
        RetryBudget::new(RetryBudgetConfig {
            max_tokens,
            token_ratio,
        })
    }

    #[test]
    fn exhaustion_at_half_and_refill() -> Result<()> {
        let b = budget(10, 0.5)?;
        let mut allowed = 0;
        while b.try_retry() {
            allowed += 1;
        }
        // 10 → 9, 8, 7, 6 allowed; 5 is not above 5
        assert_eq!(allowed, 4);
        assert_eq!(b.metrics().tokens_milli, 5000);
        assert!(!b.try_retry());
        assert_eq!(b.metrics().tokens_milli, 4000);
        // refill: 4.0 + 5 × 0.5 = 6.5, then a retry leaves 5.5 > 5
        for _ in 0..5 {
            b.record_success();
        }
        assert_eq!(b.metrics().tokens_milli, 6500);
        assert!(b.try_retry());
        let m = b.metrics();
        assert_eq!(
            (m.retries_allowed, m.retries_denied, m.successes, m.failures),
            (5, 2, 5, 7)
        );
        Ok(())
    }

    #[test]
    fn never_below_zero_nor_above_max() -> Result<()> {
        let b = budget(2, 0.25)?;
        for _ in 0..10 {
            b.record_failure();
        }
        assert_eq!(b.metrics().tokens_milli, 0);
        assert!(!b.try_retry());
        assert_eq!(b.metrics().tokens_milli, 0);
        for _ in 0..100 {
            b.record_success();
        }
        assert_eq!(b.metrics().tokens_milli, 2000);
        assert_eq!(b.metrics().tokens, 2.0);
        Ok(())
    }

    #[test]
    fn ratio_rounds_to_thousandths() -> Result<()> {
        let b = budget(10, 1.0015)?;
        b.record_failure();
        b.record_failure();
        b.record_success();
        assert_eq!(b.metrics().tokens_milli, 8000 + 1002);
        let b = budget(10, 0.0005)?;
        b.record_failure();
        b.record_success();
        assert_eq!(b.metrics().tokens_milli, 9001);
        Ok(())
    }

    #[test]
    fn one_token_budget_never_retries() -> Result<()> {
        // threshold 500: after the first failure 0 tokens remain.
        let b = budget(1, 1.0)?;
        assert!(!b.try_retry());
        b.record_success();
        assert!(!b.try_retry());
        Ok(())
    }

    #[test]
    fn rejects_bad_config_naming_the_field() {
        let cases: [(u32, f64, &str); 9] = [
            (0, 0.1, "max_tokens"),
            (1_000_001, 0.1, "max_tokens"),
            (10, f64::NAN, "token_ratio"),
            (10, f64::INFINITY, "token_ratio"),
            (10, f64::NEG_INFINITY, "token_ratio"),
            (10, -0.1, "token_ratio"),
            (10, 0.0, "token_ratio"),
            (10, 0.0004, "token_ratio"),
            (10, 2e6, "token_ratio"),
        ];
        for (max_tokens, token_ratio, field) in cases {
            let e = budget(max_tokens, token_ratio).err();
            assert_eq!(
                e.as_ref().and_then(Error::field),
                Some(field),
                "{max_tokens} {token_ratio}"
            );
        }
        assert!(RetryBudget::new(RetryBudgetConfig::default()).is_ok());
        assert!(budget(MAX_TOKENS_LIMIT, 1e6).is_ok());
    }
}

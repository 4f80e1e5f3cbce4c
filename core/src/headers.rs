//! Rate-limit response headers, written one way for every binding.
//!
//! From a limiter's [`Decision`] and the limiter's [`QuotaPolicy`] (its
//! name, limit and window), [`RateLimitHeaders::new`] computes the header
//! set a server sends: the IETF fields of
//! `draft-ietf-httpapi-ratelimit-headers-09` (`RateLimit-Policy`,
//! `RateLimit`), the legacy `X-RateLimit-Limit` / `-Remaining` / `-Reset`
//! trio, and `Retry-After` when the request was denied. Rounding rules are in
//! `spec/headers.md`.
//!
//! ```
//! use seawall::headers::{QuotaPolicy, RateLimitHeaders};
//! use seawall::Decision;
//! use std::time::Duration;
//!
//! let policy = QuotaPolicy::new("api", 100, Duration::from_secs(60))?;
//! let denied = Decision {
//!     allowed: false,
//!     remaining: 0,
//!     retry_after: Duration::from_millis(1_200),
//!     reset_after: Duration::from_millis(30_500),
//! };
//! let h = RateLimitHeaders::new(&denied, &policy);
//! assert_eq!(h.retry_after_s, Some(2));
//! let pairs = h.pairs();
//! assert_eq!(pairs[0], ("RateLimit-Policy", "\"api\";q=100;w=60".to_string()));
//! assert_eq!(pairs[1], ("RateLimit", "\"api\";r=0;t=31".to_string()));
//! assert_eq!(pairs[5], ("Retry-After", "2".to_string()));
//! # Ok::<(), seawall::Error>(())
//! ```

use crate::clock::duration_to_ns;
use crate::error::{Error, Result};
use crate::limit::Decision;
use crate::sliding_window::SlidingWindowConfig;
use crate::token_bucket::TokenBucketConfig;
use std::time::Duration;

/// The IETF draft whose field syntax [`RateLimitHeaders`] writes.
pub const DRAFT: &str = "draft-ietf-httpapi-ratelimit-headers-09";

/// A limiter's quota policy: what `RateLimit-Policy` advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaPolicy {
    name: String,
    limit: u64,
    window: Duration,
}

impl QuotaPolicy {
    /// A policy named `name` allowing `limit` requests per `window`.
    ///
    /// `name` must be 1 to 64 characters of printable ASCII (it is written
    /// as a Structured Field string; `"` and `\` are escaped). Else
    /// `InvalidArgument` naming `name`. `window` is rounded up to whole
    /// seconds when written (at least 1).
    ///
    /// ```
    /// use seawall::headers::QuotaPolicy;
    /// use std::time::Duration;
    /// assert!(QuotaPolicy::new("default", 10, Duration::from_secs(1)).is_ok());
    /// assert!(QuotaPolicy::new("", 10, Duration::from_secs(1)).is_err());
    /// assert!(QuotaPolicy::new("é", 10, Duration::from_secs(1)).is_err());
    /// ```
    pub fn new(name: &str, limit: u64, window: Duration) -> Result<Self> {
        if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(Error::argument(
                "name",
                format!("must be 1 to 64 printable ASCII characters, got {name:?}"),
            ));
        }
        Ok(QuotaPolicy {
            name: name.to_owned(),
            limit,
            window,
        })
    }

    /// The policy of a token bucket: `q = burst`, and `w` the time the
    /// bucket takes to refill from empty, `burst × T` with the emission
    /// interval `T = round(1e9 / rate_per_sec)` ns (`token_bucket.md`).
    ///
    /// ```
    /// use seawall::headers::QuotaPolicy;
    /// use seawall::token_bucket::TokenBucketConfig;
    /// use std::time::Duration;
    /// let cfg = TokenBucketConfig { burst: 20, rate_per_sec: 2.0, ..TokenBucketConfig::default() };
    /// let p = QuotaPolicy::token_bucket("default", &cfg)?;
    /// assert_eq!((p.limit(), p.window()), (20, Duration::from_secs(10)));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn token_bucket(name: &str, cfg: &TokenBucketConfig) -> Result<Self> {
        cfg.validate()?;
        let t = (1e9 / cfg.rate_per_sec).round();
        let t = if t >= u64::MAX as f64 {
            u64::MAX
        } else {
            t as u64
        };
        Self::new(
            name,
            cfg.burst,
            Duration::from_nanos(cfg.burst.saturating_mul(t)),
        )
    }

    /// The policy of a sliding window: `q = limit`, `w = window`.
    ///
    /// ```
    /// use seawall::headers::QuotaPolicy;
    /// use seawall::sliding_window::SlidingWindowConfig;
    /// use std::time::Duration;
    /// let cfg = SlidingWindowConfig { limit: 5, window: Duration::from_secs(60), ..SlidingWindowConfig::default() };
    /// let p = QuotaPolicy::sliding_window("default", &cfg)?;
    /// assert_eq!((p.limit(), p.window()), (5, Duration::from_secs(60)));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn sliding_window(name: &str, cfg: &SlidingWindowConfig) -> Result<Self> {
        cfg.validate()?;
        Self::new(name, cfg.limit, cfg.window)
    }

    /// The policy's name.
    ///
    /// ```
    /// use seawall::headers::QuotaPolicy;
    /// use std::time::Duration;
    /// let p = QuotaPolicy::new("api", 5, Duration::from_secs(1))?;
    /// assert_eq!((p.name(), p.limit(), p.window()), ("api", 5, Duration::from_secs(1)));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Requests per window.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }
}

/// Whole seconds, rounded up.
fn ceil_s(d: Duration) -> u64 {
    duration_to_ns(d).div_ceil(1_000_000_000)
}

/// One response's rate-limit headers, as numbers and as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// The policy name (unescaped).
    pub name: String,
    /// `q` and `X-RateLimit-Limit`: the policy's limit.
    pub limit: u64,
    /// `w`: the window in whole seconds, rounded up, at least 1.
    pub window_s: u64,
    /// `r` and `X-RateLimit-Remaining`: the decision's `remaining`.
    pub remaining: u64,
    /// `t` and `X-RateLimit-Reset`: seconds until the limiter is back to
    /// full capacity (`reset_after`), rounded up.
    pub reset_s: u64,
    /// `Retry-After` (denied only): `retry_after` in seconds rounded up, at
    /// least 1.
    pub retry_after_s: Option<u64>,
}

impl RateLimitHeaders {
    /// The headers for `decision` under `policy`.
    ///
    /// ```
    /// use seawall::headers::{QuotaPolicy, RateLimitHeaders};
    /// use seawall::Decision;
    /// use std::time::Duration;
    /// let p = QuotaPolicy::new("default", 10, Duration::from_millis(1_500))?;
    /// let ok = Decision { allowed: true, remaining: 9, retry_after: Duration::ZERO,
    ///                     reset_after: Duration::from_millis(100) };
    /// let h = RateLimitHeaders::new(&ok, &p);
    /// assert_eq!((h.window_s, h.reset_s, h.retry_after_s), (2, 1, None));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn new(decision: &Decision, policy: &QuotaPolicy) -> Self {
        RateLimitHeaders {
            name: policy.name.clone(),
            limit: policy.limit,
            window_s: ceil_s(policy.window).max(1),
            remaining: decision.remaining,
            reset_s: ceil_s(decision.reset_after),
            retry_after_s: (!decision.allowed).then(|| ceil_s(decision.retry_after).max(1)),
        }
    }

    /// The name as a Structured Field string: quoted, `"` and `\` escaped.
    fn sf_name(&self) -> String {
        let mut s = String::with_capacity(self.name.len() + 2);
        s.push('"');
        for c in self.name.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    }

    /// `"name";q=limit;w=window_s`
    ///
    /// ```
    /// use seawall::headers::{QuotaPolicy, RateLimitHeaders};
    /// use seawall::Decision;
    /// use std::time::Duration;
    /// let p = QuotaPolicy::new("default", 10, Duration::from_secs(60))?;
    /// let d = Decision { allowed: true, remaining: 3, retry_after: Duration::ZERO,
    ///                    reset_after: Duration::from_secs(42) };
    /// let h = RateLimitHeaders::new(&d, &p);
    /// assert_eq!(h.policy_value(), "\"default\";q=10;w=60");
    /// assert_eq!(h.ratelimit_value(), "\"default\";r=3;t=42");
    /// assert_eq!(h.pairs().len(), 5); // no Retry-After when allowed
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn policy_value(&self) -> String {
        format!("{};q={};w={}", self.sf_name(), self.limit, self.window_s)
    }

    /// `"name";r=remaining;t=reset_s`
    pub fn ratelimit_value(&self) -> String {
        format!("{};r={};t={}", self.sf_name(), self.remaining, self.reset_s)
    }

    /// Every header as `(name, value)`, in this order: `RateLimit-Policy`,
    /// `RateLimit`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset`, then `Retry-After` when denied.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("RateLimit-Policy", self.policy_value()),
            ("RateLimit", self.ratelimit_value()),
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining.to_string()),
            ("X-RateLimit-Reset", self.reset_s.to_string()),
        ];
        if let Some(r) = self.retry_after_s {
            v.push(("Retry-After", r.to_string()));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(allowed: bool, remaining: u64, retry_ms: u64, reset_ms: u64) -> Decision {
        Decision {
            allowed,
            remaining,
            retry_after: Duration::from_millis(retry_ms),
            reset_after: Duration::from_millis(reset_ms),
        }
    }

    #[test]
    fn rounding_and_escaping() -> Result<()> {
        let p = QuotaPolicy::new(r#"a"b\c"#, 3, Duration::from_nanos(1))?;
        let h = RateLimitHeaders::new(&d(false, 0, 0, 0), &p);
        assert_eq!(h.retry_after_s, Some(1)); // denied: at least 1
        assert_eq!(h.window_s, 1);
        assert_eq!(h.policy_value(), r#""a\"b\\c";q=3;w=1"#);
        let h = RateLimitHeaders::new(&d(false, 0, 1_001, 1_000), &p);
        assert_eq!((h.retry_after_s, h.reset_s), (Some(2), 1));
        let h = RateLimitHeaders::new(&d(true, 2, 0, 0), &p);
        assert_eq!(h.pairs().len(), 5);
        Ok(())
    }

    #[test]
    fn policies_from_limiter_configs() -> Result<()> {
        let tb = TokenBucketConfig {
            burst: 3,
            rate_per_sec: 3.0,
            ..TokenBucketConfig::default()
        };
        // T = round(1e9 / 3) = 333_333_333 ns; 3 T = 999_999_999 ns → w = 1
        let p = QuotaPolicy::token_bucket("x", &tb)?;
        assert_eq!(p.window(), Duration::from_nanos(999_999_999));
        let bad = TokenBucketConfig {
            rate_per_sec: -1.0,
            ..tb
        };
        assert!(QuotaPolicy::token_bucket("x", &bad).is_err());
        Ok(())
    }
}

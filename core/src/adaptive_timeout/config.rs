//! Adaptive timeout configuration and its validation.

use crate::error::{Error, Result};
use crate::validate;
use std::time::Duration;

/// The shortest accepted `window` (keeps window numbers far below 2^62).
pub const MIN_WINDOW: Duration = Duration::from_millis(1);

/// The largest `min_samples`.
pub const MAX_MIN_SAMPLES: u64 = 1_000_000_000;

/// Configuration of an [`AdaptiveTimeout`](super::AdaptiveTimeout).
///
/// `timeout = clamp(percentile(recent latencies) × multiplier, min_timeout,
/// max_timeout)`, or `initial_timeout` while fewer than `min_samples`
/// recent latencies are known.
///
/// ```
/// use seawall::adaptive_timeout::AdaptiveTimeoutConfig;
/// let cfg = AdaptiveTimeoutConfig { percentile: 0.99, ..Default::default() };
/// assert!(cfg.validate().is_ok());
/// assert!(AdaptiveTimeoutConfig { multiplier: 0.5, ..cfg }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveTimeoutConfig {
    /// The latency percentile to follow, in `(0, 1]`. Default 0.95.
    pub percentile: f64,
    /// Factor applied to the percentile, finite and `>= 1`. Default 1.5.
    pub multiplier: f64,
    /// Lower clamp, `> 0`. Default 1 s.
    pub min_timeout: Duration,
    /// Upper clamp, `>= min_timeout`, at most 100 years. Default 30 s.
    pub max_timeout: Duration,
    /// The timeout until `min_samples` recent latencies are known, within
    /// `[min_timeout, max_timeout]`. Default 5 s.
    pub initial_timeout: Duration,
    /// Recent latencies needed before the percentile is used,
    /// `1..=1_000_000_000`. Default 10.
    pub min_samples: u64,
    /// Length of one histogram window, `>= 1 ms`, at most 100 years. The
    /// estimate covers the current and the previous window. Default 30 s.
    pub window: Duration,
}

impl Default for AdaptiveTimeoutConfig {
    fn default() -> Self {
        Self {
            percentile: 0.95,
            multiplier: 1.5,
            min_timeout: Duration::from_secs(1),
            max_timeout: Duration::from_secs(30),
            initial_timeout: Duration::from_secs(5),
            min_samples: 10,
            window: Duration::from_secs(30),
        }
    }
}

impl AdaptiveTimeoutConfig {
    /// Checks every field; the error names the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::ratio_open_closed("percentile", self.percentile)?;
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return Err(Error::config(
                "multiplier",
                format!("must be a finite number >= 1, got {:?}", self.multiplier),
            ));
        }
        validate::positive_duration("min_timeout", self.min_timeout)?;
        validate::positive_duration("max_timeout", self.max_timeout)?;
        if self.max_timeout < self.min_timeout {
            return Err(Error::config(
                "max_timeout",
                format!(
                    "must be >= min_timeout ({:?}), got {:?}",
                    self.min_timeout, self.max_timeout
                ),
            ));
        }
        if self.initial_timeout < self.min_timeout || self.initial_timeout > self.max_timeout {
            return Err(Error::config(
                "initial_timeout",
                format!(
                    "must be in [min_timeout, max_timeout] = [{:?}, {:?}], got {:?}",
                    self.min_timeout, self.max_timeout, self.initial_timeout
                ),
            ));
        }
        validate::int_in_range("min_samples", self.min_samples, 1, MAX_MIN_SAMPLES)?;
        validate::positive_duration("window", self.window)?;
        if self.window < MIN_WINDOW {
            return Err(Error::config(
                "window",
                format!("must be >= 1ms, got {:?}", self.window),
            ));
        }
        Ok(())
    }
}

//! Bulkhead configuration and its validation.

use crate::error::{Error, Result};
use crate::validate;
use std::time::Duration;

/// The largest `max_concurrent` / `max_queue`: both counts live in 32 bits
/// of the packed state word.
pub const MAX_COUNT: u64 = u32::MAX as u64;

/// Configuration of a [`Bulkhead`](super::Bulkhead).
///
/// Defaults follow Resilience4j's semaphore bulkhead: 25 concurrent calls,
/// no waiting (`max_queue = 0`, `max_wait = 0`).
///
/// ```
/// use seawall::bulkhead::BulkheadConfig;
/// use std::time::Duration;
/// let cfg = BulkheadConfig { max_concurrent: 4, max_queue: 8, max_wait: Duration::from_millis(50) };
/// assert!(cfg.validate().is_ok());
/// assert!(BulkheadConfig { max_concurrent: 0, ..cfg }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkheadConfig {
    /// Calls allowed in flight at once. `1..=u32::MAX`. Default 25.
    pub max_concurrent: u64,
    /// Callers allowed to wait (FIFO) for a slot. `0..=u32::MAX`; 0 means
    /// nobody waits and a full bulkhead rejects at once. Default 0.
    pub max_queue: u64,
    /// The wait bindings use when the caller gives no timeout of its own
    /// ([`Bulkhead::acquire_default`](super::Bulkhead::acquire_default)).
    /// At most 100 years; zero means "do not wait". Default 0.
    pub max_wait: Duration,
}

impl Default for BulkheadConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 25,
            max_queue: 0,
            max_wait: Duration::ZERO,
        }
    }
}

impl BulkheadConfig {
    /// Checks every field; the error names the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::int_in_range("max_concurrent", self.max_concurrent, 1, MAX_COUNT)?;
        validate::int_in_range("max_queue", self.max_queue, 0, MAX_COUNT)?;
        validate::bounded_duration("max_wait", self.max_wait)?;
        if self.max_queue == 0 && !self.max_wait.is_zero() {
            // Nobody can wait without a queue: the wait would never be used.
            return Err(Error::config(
                "max_wait",
                format!(
                    "must be 0 without a queue (max_queue = 0: a full bulkhead rejects at once), \
                     got {:?}; set max_queue to let callers wait",
                    self.max_wait
                ),
            ));
        }
        Ok(())
    }
}

//! Time. This is the only module in seawall that reads a clock.
//!
//! Every primitive takes a [`ClockSource`]: either the host's monotonic clock
//! ([`MonotonicClock`], `CLOCK_MONOTONIC` nanoseconds, the same value in every
//! process on one host) or a [`ManualClock`] that only moves when told to, so
//! tests in every language are deterministic. The wall clock is never used.

use crate::sync::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A monotonic source of nanoseconds.
pub trait Clock: Send + Sync {
    /// Monotonic nanoseconds since an arbitrary, fixed origin.
    fn now_ns(&self) -> u64;
}

/// The host's monotonic clock (`CLOCK_MONOTONIC` on Unix).
///
/// All processes on one host read the same value, which is what lets state
/// shared between processes compare timestamps.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        monotonic_now_ns()
    }
}

#[cfg(unix)]
#[inline]
fn monotonic_now_ns() -> u64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

#[cfg(not(unix))]
#[allow(clippy::disallowed_methods)]
fn monotonic_now_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A clock that moves only when [`advance`](ManualClock::advance) or
/// [`set_ns`](ManualClock::set_ns) is called. Clones share one time.
///
/// ```
/// use seawall::clock::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_millis(1500));
/// assert_eq!(clock.now_ns(), 1_500_000_000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    ns: Arc<AtomicU64>,
    /// Times the clock was read (`now_ns`), for tests that check a path
    /// reads no time. A std atomic even under loom: bookkeeping, not part
    /// of any model.
    reads: Arc<std::sync::atomic::AtomicU64>,
}

impl ManualClock {
    /// A manual clock at 0 ns.
    pub fn new() -> Self {
        Self::default()
    }

    /// A manual clock starting at `ns`.
    pub fn starting_at_ns(ns: u64) -> Self {
        let c = Self::new();
        c.set_ns(ns);
        c
    }

    /// Moves time forward by `d` (saturating at `u64::MAX` ns).
    pub fn advance(&self, d: Duration) {
        self.advance_ns(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Moves time forward by `ns` nanoseconds (saturating).
    pub fn advance_ns(&self, ns: u64) {
        let mut cur = self.ns.load(Ordering::Acquire);
        loop {
            let next = cur.saturating_add(ns);
            match self
                .ns
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Sets the time. Moving it backwards is allowed (for tests of clock
    /// anomalies); primitives treat a time earlier than one they have seen
    /// as that earlier time, never as a huge elapsed interval.
    pub fn set_ns(&self, ns: u64) {
        self.ns.store(ns, Ordering::Release);
    }

    /// How many times primitives (or anyone) read this clock, over all its
    /// clones: lets a test check that a path reads no time.
    ///
    /// ```
    /// use seawall::clock::{Clock, ManualClock};
    /// let c = ManualClock::new();
    /// let _ = c.now_ns();
    /// assert_eq!(c.reads(), 1);
    /// ```
    pub fn reads(&self) -> u64 {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.ns.load(Ordering::Acquire)
    }
}

/// The clock a primitive holds: the system monotonic clock or a manual one.
///
/// An enum rather than `Arc<dyn Clock>` so the hot path reads time with a
/// predictable branch instead of a virtual call.
#[derive(Debug, Clone, Default)]
pub enum ClockSource {
    /// [`MonotonicClock`].
    #[default]
    Monotonic,
    /// A [`ManualClock`] shared with the test that drives it.
    Manual(ManualClock),
}

impl Clock for ClockSource {
    #[inline]
    fn now_ns(&self) -> u64 {
        match self {
            ClockSource::Monotonic => monotonic_now_ns(),
            ClockSource::Manual(m) => m.now_ns(),
        }
    }
}

impl From<ManualClock> for ClockSource {
    fn from(m: ManualClock) -> Self {
        ClockSource::Manual(m)
    }
}

impl From<&ManualClock> for ClockSource {
    fn from(m: &ManualClock) -> Self {
        ClockSource::Manual(m.clone())
    }
}

impl From<MonotonicClock> for ClockSource {
    fn from(_: MonotonicClock) -> Self {
        ClockSource::Monotonic
    }
}

/// `Duration` as whole nanoseconds, saturating at `u64::MAX`.
// In `u64` arithmetic rather than through `as_nanos()`'s `u128`: the same
// result, and for a `Duration::from_nanos(x)` (`x / 1e9` s + `x % 1e9` ns)
// LLVM folds the round trip back to `x`; through `u128` it kept a
// multiply-shift, a 128-bit multiply and a saturation check per field
// (e.g. 33 of the 152 instructions of a denied token bucket request
// through the C ABI).
#[inline]
pub fn duration_to_ns(d: Duration) -> u64 {
    d.as_secs()
        .checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(u64::from(d.subsec_nanos())))
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_to_ns_matches_as_nanos_saturated() {
        let max = Duration::new(u64::MAX, 999_999_999);
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999_999_999),
            Duration::from_secs(1),
            Duration::from_nanos(u64::MAX),
            Duration::from_nanos(u64::MAX) + Duration::from_nanos(1),
            Duration::new(u64::MAX / 1_000_000_000, 999_999_999),
            Duration::new(u64::MAX / 1_000_000_000 + 1, 0),
            max,
        ] {
            let want = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            assert_eq!(duration_to_ns(d), want, "{d:?}");
        }
    }

    #[test]
    fn manual_clock_advances_and_saturates() {
        let c = ManualClock::new();
        assert_eq!(c.now_ns(), 0);
        c.advance(Duration::from_nanos(7));
        assert_eq!(c.now_ns(), 7);
        c.advance_ns(u64::MAX);
        assert_eq!(c.now_ns(), u64::MAX);
    }

    #[test]
    fn clones_share_time() {
        let a = ManualClock::new();
        let src: ClockSource = a.clone().into();
        a.advance_ns(42);
        assert_eq!(src.now_ns(), 42);
    }

    #[test]
    fn monotonic_does_not_go_back() {
        let a = MonotonicClock.now_ns();
        let b = MonotonicClock.now_ns();
        assert!(b >= a);
        assert!(a > 0);
    }
}

//! `ManualClock` and the monotonic clock, as JS sees them.

use crate::conf::js_num;
use crate::error;
use napi::bindgen_prelude::BigInt;
use napi::Result;
use napi_derive::napi;
use seawall::clock::{Clock, ClockSource};

/// A clock that moves only when told to. Pass it as `clock` to any
/// primitive to drive it deterministically in tests.
#[napi(js_name = "NativeManualClock")]
pub struct ManualClock {
    pub(crate) inner: seawall::ManualClock,
}

pub(crate) fn ns_arg(field: &str, v: BigInt) -> Result<u64> {
    let (neg, x, lossless) = v.get_u64();
    if neg || !lossless {
        Err(error::argument(field, "must be a bigint in [0, 2^64)"))
    } else {
        Ok(x)
    }
}

fn ms_to_ns(field: &str, ms: f64) -> Result<u64> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(seawall::clock::duration_to_ns(
            seawall::validate::duration_from_millis_f64("ms", ms).map_err(|_| {
                error::argument(
                    field,
                    format!(
                        "must be a finite number of milliseconds in [0, 100 years], got {}",
                        js_num(ms)
                    ),
                )
            })?,
        ))
    } else {
        Err(error::argument(
            field,
            format!(
                "must be a finite number of milliseconds >= 0, got {}",
                js_num(ms)
            ),
        ))
    }
}

#[napi]
impl ManualClock {
    /// A manual clock at `startNs` (default 0).
    #[napi(constructor, catch_unwind)]
    pub fn new(start_ns: Option<BigInt>) -> Result<Self> {
        let start = match start_ns {
            Some(b) => ns_arg("startNs", b)?,
            None => 0,
        };
        Ok(Self {
            inner: seawall::ManualClock::starting_at_ns(start),
        })
    }

    /// Current time in nanoseconds.
    #[napi(catch_unwind)]
    pub fn now_ns(&self) -> BigInt {
        BigInt::from(self.inner.now_ns())
    }

    /// Current time in milliseconds (float).
    #[napi(catch_unwind)]
    pub fn now_ms(&self) -> f64 {
        self.inner.now_ns() as f64 / 1e6
    }

    /// Moves time forward by `ms` milliseconds.
    #[napi(catch_unwind)]
    pub fn advance_ms(&self, ms: f64) -> Result<()> {
        self.inner.advance_ns(ms_to_ns("ms", ms)?);
        Ok(())
    }

    /// Moves time forward by `ns` nanoseconds.
    #[napi(catch_unwind)]
    pub fn advance_ns(&self, ns: BigInt) -> Result<()> {
        self.inner.advance_ns(ns_arg("ns", ns)?);
        Ok(())
    }

    /// Sets the time in nanoseconds (may move backwards).
    #[napi(catch_unwind)]
    pub fn set_ns(&self, ns: BigInt) -> Result<()> {
        self.inner.set_ns(ns_arg("ns", ns)?);
        Ok(())
    }
}

/// The clock source for a primitive: the given manual clock, else core's fast
/// in-process monotonic clock (spec/README.md "Time").
pub fn source(clock: Option<&ManualClock>) -> ClockSource {
    match clock {
        Some(c) => ClockSource::Manual(c.inner.clone()),
        None => ClockSource::fast(),
    }
}

/// The host's monotonic clock in milliseconds (CLOCK_MONOTONIC).
#[napi(catch_unwind)]
pub fn monotonic_now_ms() -> f64 {
    seawall::clock::MonotonicClock.now_ns() as f64 / 1e6
}

/// How a binding times a call for the slow-call rule: the manual clock when
/// one is given, else `CLOCK_MONOTONIC_COARSE` when its resolution is at
/// most 1/100 of the threshold durations are compared with (reading it
/// costs a few ns instead of a full clock read), else the precise clock.
#[derive(Debug, Clone)]
pub enum Stopwatch {
    /// The primitive's manual clock.
    Manual(seawall::ManualClock),
    /// `CLOCK_MONOTONIC_COARSE` (Linux).
    Coarse,
    /// `CLOCK_MONOTONIC`.
    Precise,
}

#[cfg(target_os = "linux")]
fn coarse_resolution_ns() -> u64 {
    let ts = rustix::time::clock_getres(rustix::time::ClockId::MonotonicCoarse);
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

impl Stopwatch {
    /// The stopwatch for durations compared with `threshold`.
    pub fn new(clock: &ClockSource, threshold: std::time::Duration) -> Self {
        match clock {
            ClockSource::Manual(m) => Stopwatch::Manual(m.clone()),
            ClockSource::Monotonic | ClockSource::Fast(_) => {
                #[cfg(target_os = "linux")]
                {
                    let res = coarse_resolution_ns();
                    if res > 0
                        && res.saturating_mul(100) <= seawall::clock::duration_to_ns(threshold)
                    {
                        return Stopwatch::Coarse;
                    }
                }
                let _ = threshold;
                Stopwatch::Precise
            }
        }
    }

    /// Now, in ns, on this stopwatch's clock.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        match self {
            Stopwatch::Manual(m) => m.now_ns(),
            #[cfg(target_os = "linux")]
            Stopwatch::Coarse => {
                let ts = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
                (ts.tv_sec as u64)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(ts.tv_nsec as u64)
            }
            _ => seawall::clock::MonotonicClock.now_ns(),
        }
    }
}

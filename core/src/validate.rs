//! Config validation helpers shared by every primitive and every binding.
//!
//! Bindings convert their native numbers with these functions (float seconds
//! in Python, float milliseconds in Node) so a bad value gets the same
//! message everywhere.

use crate::error::{Error, Result};
use std::time::Duration;

/// The largest duration any config accepts: 100 years. Larger values are
/// almost certainly unit mistakes and would overflow nanosecond arithmetic.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A float that must be finite and strictly positive.
pub fn positive_f64(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(Error::config(
            field,
            format!("must be a finite number > 0, got {v:?}"),
        ))
    }
}

/// A float that must be finite and `>= 0` (`-0.0` is accepted as 0).
pub fn non_negative_f64(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v + 0.0)
    } else {
        Err(Error::config(
            field,
            format!("must be a finite number >= 0, got {v:?}"),
        ))
    }
}

/// A ratio in `(0, 1]` (used for rate thresholds).
pub fn ratio_open_closed(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(Error::config(
            field,
            format!("must be in (0, 1], got {v:?}"),
        ))
    }
}

/// A probability in `[0, 1]`.
pub fn probability(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v + 0.0)
    } else {
        Err(Error::config(
            field,
            format!("must be in [0, 1], got {v:?}"),
        ))
    }
}

/// An integer that must lie in `lo..=hi`.
pub fn int_in_range(field: &'static str, v: u64, lo: u64, hi: u64) -> Result<u64> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(Error::config(
            field,
            format!("must be in [{lo}, {hi}], got {v}"),
        ))
    }
}

/// A duration that must be `> 0` and at most [`MAX_DURATION`].
pub fn positive_duration(field: &'static str, d: Duration) -> Result<Duration> {
    if d.is_zero() || d > MAX_DURATION {
        Err(Error::config(
            field,
            format!("must be > 0 and <= 100 years, got {d:?}"),
        ))
    } else {
        Ok(d)
    }
}

/// A duration that must be at most [`MAX_DURATION`] (zero allowed).
pub fn bounded_duration(field: &'static str, d: Duration) -> Result<Duration> {
    if d > MAX_DURATION {
        Err(Error::config(
            field,
            format!("must be <= 100 years, got {d:?}"),
        ))
    } else {
        Ok(d)
    }
}

/// Float seconds (Python's unit) to a `Duration`: finite, `>= 0`, at most
/// [`MAX_DURATION`]. `-0.0` is zero. Whether zero is allowed is checked by the
/// primitive's own validation.
pub fn duration_from_secs_f64(field: &'static str, secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs < 0.0 || secs > MAX_DURATION.as_secs_f64() {
        return Err(Error::config(
            field,
            format!("must be a finite number of seconds in [0, 100 years], got {secs:?}"),
        ));
    }
    Duration::try_from_secs_f64(secs + 0.0)
        .map_err(|_| Error::config(field, format!("is not a valid duration: {secs:?}")))
}

/// Float milliseconds (Node's unit) to a `Duration`; same rules as
/// [`duration_from_secs_f64`].
pub fn duration_from_millis_f64(field: &'static str, ms: f64) -> Result<Duration> {
    if !ms.is_finite() || ms < 0.0 || ms > MAX_DURATION.as_secs_f64() * 1000.0 {
        return Err(Error::config(
            field,
            format!("must be a finite number of milliseconds in [0, 100 years], got {ms:?}"),
        ));
    }
    duration_from_secs_f64(field, ms / 1000.0)
}

/// Integer nanoseconds (C's unit) to a `Duration`, at most [`MAX_DURATION`].
pub fn duration_from_ns(field: &'static str, ns: u64) -> Result<Duration> {
    bounded_duration(field, Duration::from_nanos(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_finite_and_negative() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, -0.0] {
            assert!(positive_f64("x", v).is_err(), "{v}");
        }
        assert!(non_negative_f64("x", -0.0).is_ok());
        assert_eq!(
            non_negative_f64("x", -0.0).ok().map(f64::is_sign_negative),
            Some(false)
        );
        for v in [f64::NAN, 1e308, -1.0, f64::INFINITY] {
            let e = duration_from_secs_f64("open_duration", v).err();
            assert_eq!(
                e.as_ref().and_then(Error::field),
                Some("open_duration"),
                "{v}"
            );
        }
        assert_eq!(
            duration_from_millis_f64("t", 1500.0).ok(),
            Some(Duration::from_millis(1500))
        );
    }
}

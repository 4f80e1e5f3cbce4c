//! Circuit breaker configuration, its defaults and its validation.

use super::state::MAX_HALF_OPEN_CALLS;
use crate::error::{Error, Result};
use crate::validate;
use std::time::Duration;

/// Largest count-based window (calls).
pub const MAX_COUNT_WINDOW: u64 = 100_000;
/// Largest time-based window (seconds, one bucket per second).
pub const MAX_TIME_WINDOW_SECS: u64 = 3_600;
/// Largest `failure_count_threshold`.
pub const MAX_FAILURE_COUNT: u64 = 10_000;
/// Largest `minimum_number_of_calls` for a time-based window.
pub const MAX_MINIMUM_CALLS: u64 = 1_000_000_000;
/// Largest `open_duration_multiplier`.
pub const MAX_MULTIPLIER: f64 = 1_000.0;

/// How the failure-rate and slow-call-rate rules count recent calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WindowKind {
    /// The last `window_size` recorded calls (wire name `count_based`).
    #[default]
    CountBased,
    /// The calls of the last `window_size` seconds, in one-second buckets
    /// (wire name `time_based`).
    TimeBased,
}

impl WindowKind {
    /// The wire name: `count_based` or `time_based`.
    pub const fn as_str(self) -> &'static str {
        match self {
            WindowKind::CountBased => "count_based",
            WindowKind::TimeBased => "time_based",
        }
    }

    /// Parses a wire name; unknown names are `InvalidConfig` naming `field`.
    pub fn parse(field: &'static str, name: &str) -> Result<WindowKind> {
        match name {
            "count_based" => Ok(WindowKind::CountBased),
            "time_based" => Ok(WindowKind::TimeBased),
            other => Err(Error::config(
                field,
                format!("must be \"count_based\" or \"time_based\", got {other:?}"),
            )),
        }
    }
}

/// Circuit breaker settings. Every field has a documented default
/// ([`Config::default`]); [`Config::validate`] checks them all.
///
/// ```
/// use seawall::circuit_breaker::Config;
/// use std::time::Duration;
/// let cfg = Config {
///     minimum_number_of_calls: 10,
///     window_size: 20,
///     open_duration: Duration::from_secs(5),
///     ..Config::default()
/// };
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Trip when `failures / calls >= failure_rate_threshold` over the window
    /// (once it holds `minimum_number_of_calls`). In `(0, 1]`; `None`
    /// disables the rule. Default `Some(0.5)` (Resilience4j: 50%).
    pub failure_rate_threshold: Option<f64>,
    /// Trip when `slow / calls >= slow_call_rate_threshold` over the window.
    /// In `(0, 1]`; `None` disables the rule (and slow half-open probes then
    /// count as successes). Default `Some(1.0)` (Resilience4j: 100%).
    pub slow_call_rate_threshold: Option<f64>,
    /// A call whose duration is strictly greater than this is slow.
    /// `> 0`. Default 60 s (Resilience4j).
    pub slow_call_duration_threshold: Duration,
    /// Count-based or time-based window. Default `CountBased`.
    pub window_kind: WindowKind,
    /// Window size: calls (count-based, `1..=100_000`) or seconds
    /// (time-based, `1..=3600`). Default 100 (Resilience4j).
    pub window_size: u64,
    /// The rate rules are only evaluated once the window holds at least this
    /// many calls. `>= 1`; for a count-based window at most `window_size`.
    /// Default 100 (Resilience4j).
    pub minimum_number_of_calls: u64,
    /// Trip after this many failures in a row (or, with
    /// `failure_count_period`, within that period). `1..=10_000`; `None`
    /// disables the rule. Default `None`.
    pub failure_count_threshold: Option<u64>,
    /// With `Some(p)`, `failure_count_threshold` counts failures younger
    /// than `p` (successes do not reset the count; old failures expire).
    /// `None`: consecutive failures, reset by any success. Requires
    /// `failure_count_threshold`. Default `None`.
    pub failure_count_period: Option<Duration>,
    /// How long the breaker stays open before admitting probes. `> 0`.
    /// Default 60 s (Resilience4j).
    pub open_duration: Duration,
    /// Each re-trip from half-open multiplies the open duration by this
    /// (`1..=1000`, 1 = constant). A close resets it. Default 1.0.
    pub open_duration_multiplier: f64,
    /// Cap on the grown open duration; `>= open_duration`. `None`: capped
    /// only at 100 years. Default `None`.
    pub max_open_duration: Option<Duration>,
    /// Probes admitted per half-open episode. `1..=16`. Default 3.
    pub half_open_max_calls: u64,
    /// Successful probes that close the breaker. `1..=half_open_max_calls`.
    /// Default 3 (all probes must succeed).
    pub success_threshold: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            failure_rate_threshold: Some(0.5),
            slow_call_rate_threshold: Some(1.0),
            slow_call_duration_threshold: Duration::from_secs(60),
            window_kind: WindowKind::CountBased,
            window_size: 100,
            minimum_number_of_calls: 100,
            failure_count_threshold: None,
            failure_count_period: None,
            open_duration: Duration::from_secs(60),
            open_duration_multiplier: 1.0,
            max_open_duration: None,
            half_open_max_calls: 3,
            success_threshold: 3,
        }
    }
}

impl Config {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.failure_rate_threshold {
            validate::ratio_open_closed("failure_rate_threshold", t)?;
        }
        if let Some(t) = self.slow_call_rate_threshold {
            validate::ratio_open_closed("slow_call_rate_threshold", t)?;
        }
        validate::positive_duration(
            "slow_call_duration_threshold",
            self.slow_call_duration_threshold,
        )?;
        let max_window = match self.window_kind {
            WindowKind::CountBased => MAX_COUNT_WINDOW,
            WindowKind::TimeBased => MAX_TIME_WINDOW_SECS,
        };
        validate::int_in_range("window_size", self.window_size, 1, max_window)?;
        let max_min_calls = match self.window_kind {
            WindowKind::CountBased => self.window_size,
            WindowKind::TimeBased => MAX_MINIMUM_CALLS,
        };
        validate::int_in_range(
            "minimum_number_of_calls",
            self.minimum_number_of_calls,
            1,
            max_min_calls,
        )?;
        if let Some(n) = self.failure_count_threshold {
            validate::int_in_range("failure_count_threshold", n, 1, MAX_FAILURE_COUNT)?;
        }
        if let Some(p) = self.failure_count_period {
            validate::positive_duration("failure_count_period", p)?;
            if self.failure_count_threshold.is_none() {
                return Err(Error::config(
                    "failure_count_period",
                    format!("is set ({p:?}) but failure_count_threshold is not"),
                ));
            }
        }
        validate::positive_duration("open_duration", self.open_duration)?;
        let m = self.open_duration_multiplier;
        if !(m.is_finite() && (1.0..=MAX_MULTIPLIER).contains(&m)) {
            return Err(Error::config(
                "open_duration_multiplier",
                format!("must be in [1, {MAX_MULTIPLIER}], got {m:?}"),
            ));
        }
        if let Some(max) = self.max_open_duration {
            validate::positive_duration("max_open_duration", max)?;
            if max < self.open_duration {
                return Err(Error::config(
                    "max_open_duration",
                    format!(
                        "must be >= open_duration ({:?}), got {max:?}",
                        self.open_duration
                    ),
                ));
            }
        }
        validate::int_in_range(
            "half_open_max_calls",
            self.half_open_max_calls,
            1,
            MAX_HALF_OPEN_CALLS,
        )?;
        validate::int_in_range(
            "success_threshold",
            self.success_threshold,
            1,
            self.half_open_max_calls,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(c: &Config) -> Option<&'static str> {
        c.validate().err().and_then(|e| e.field())
    }

    #[test]
    fn default_is_valid() {
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn rejects_bad_rates() {
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.5,
            0.0,
            -0.0,
            1.0001,
        ] {
            let c = Config {
                failure_rate_threshold: Some(v),
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("failure_rate_threshold"), "{v}");
            let c = Config {
                slow_call_rate_threshold: Some(v),
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("slow_call_rate_threshold"), "{v}");
        }
        let c = Config {
            failure_rate_threshold: None,
            slow_call_rate_threshold: None,
            ..Config::default()
        };
        assert!(
            c.validate().is_ok(),
            "a breaker with no automatic rule is allowed"
        );
    }

    #[test]
    fn rejects_bad_durations() {
        let too_long = validate::MAX_DURATION + Duration::from_nanos(1);
        for d in [Duration::ZERO, too_long, Duration::MAX] {
            let c = Config {
                slow_call_duration_threshold: d,
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("slow_call_duration_threshold"));
            let c = Config {
                open_duration: d,
                max_open_duration: None,
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("open_duration"));
            let c = Config {
                max_open_duration: Some(d),
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("max_open_duration"));
            let c = Config {
                failure_count_threshold: Some(3),
                failure_count_period: Some(d),
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("failure_count_period"));
        }
        let c = Config {
            max_open_duration: Some(Duration::from_secs(59)),
            ..Config::default()
        };
        assert_eq!(field_of(&c), Some("max_open_duration"));
        let c = Config {
            max_open_duration: Some(Duration::from_secs(60)),
            ..Config::default()
        };
        assert!(c.validate().is_ok());
        let c = Config {
            failure_count_period: Some(Duration::from_secs(1)),
            ..Config::default()
        };
        assert_eq!(
            field_of(&c),
            Some("failure_count_period"),
            "period without threshold"
        );
    }

    #[test]
    fn rejects_bad_counts() {
        for (n, ok) in [
            (0, false),
            (1, true),
            (MAX_COUNT_WINDOW, true),
            (MAX_COUNT_WINDOW + 1, false),
            (u64::MAX, false),
        ] {
            let c = Config {
                window_size: n,
                minimum_number_of_calls: 1,
                ..Config::default()
            };
            assert_eq!(c.validate().is_ok(), ok, "count window {n}");
        }
        for (n, ok) in [(0, false), (1, true), (3600, true), (3601, false)] {
            let c = Config {
                window_kind: WindowKind::TimeBased,
                window_size: n,
                minimum_number_of_calls: 1,
                ..Config::default()
            };
            assert_eq!(c.validate().is_ok(), ok, "time window {n}");
        }
        let c = Config {
            window_size: 0,
            ..Config::default()
        };
        assert_eq!(field_of(&c), Some("window_size"));
        let c = Config {
            minimum_number_of_calls: 0,
            ..Config::default()
        };
        assert_eq!(field_of(&c), Some("minimum_number_of_calls"));
        let c = Config {
            minimum_number_of_calls: 101,
            ..Config::default()
        };
        assert_eq!(
            field_of(&c),
            Some("minimum_number_of_calls"),
            "above a count window"
        );
        let c = Config {
            window_kind: WindowKind::TimeBased,
            window_size: 10,
            minimum_number_of_calls: 500,
            ..Config::default()
        };
        assert!(
            c.validate().is_ok(),
            "a time window may need more calls than seconds"
        );
        let c = Config {
            window_kind: WindowKind::TimeBased,
            minimum_number_of_calls: u64::MAX,
            ..Config::default()
        };
        assert_eq!(field_of(&c), Some("minimum_number_of_calls"));
        for n in [0, MAX_FAILURE_COUNT + 1, u64::MAX] {
            let c = Config {
                failure_count_threshold: Some(n),
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("failure_count_threshold"), "{n}");
        }
        for n in [0, 17, u64::MAX] {
            let c = Config {
                half_open_max_calls: n,
                success_threshold: 1,
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("half_open_max_calls"), "{n}");
        }
        for n in [0, 4, u64::MAX] {
            let c = Config {
                success_threshold: n,
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("success_threshold"), "{n}");
        }
    }

    #[test]
    fn rejects_bad_multiplier() {
        for m in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            0.0,
            0.999,
            1000.5,
        ] {
            let c = Config {
                open_duration_multiplier: m,
                ..Config::default()
            };
            assert_eq!(field_of(&c), Some("open_duration_multiplier"), "{m}");
        }
    }

    #[test]
    fn window_kind_names() {
        for k in [WindowKind::CountBased, WindowKind::TimeBased] {
            assert_eq!(WindowKind::parse("window_kind", k.as_str()).ok(), Some(k));
        }
        assert_eq!(
            WindowKind::parse("window_kind", "sliding")
                .err()
                .and_then(|e| e.field()),
            Some("window_kind")
        );
    }
}

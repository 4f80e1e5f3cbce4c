//! FaultInjector: chaos on purpose. Decides, per call, whether to inject an
//! error, a delay, or nothing, with configured probabilities and a seedable
//! generator, so a seed replays the same faults in every language.
//!
//! The core never sleeps: [`FaultInjector::decide`] returns
//! [`Fault::Delay`] and the binding waits in its own idiom.
//!
//! **Draw order** (the contract every binding reproduces; see
//! `spec/fault_injector.md`): when disabled, `decide` draws nothing and
//! returns `None`. When enabled it draws one uniform `u` in `[0, 1)`
//! (`(next_u64 >> 11) × 2^-53`); `u < error_rate` → `Error`;
//! else `u < error_rate + delay_rate` → `Delay`, whose length is
//! `delay_min` when `delay_min == delay_max`, else one more draw
//! `delay_min + ((next_u64 × (delay_max - delay_min + 1)) >> 64)`
//! (nanoseconds, 128-bit product); else `None`.
//!
//! ```
//! use seawall::fault::{Fault, FaultInjector, FaultInjectorConfig};
//! use std::time::Duration;
//! let fi = FaultInjector::new(FaultInjectorConfig {
//!     error_rate: 1.0,
//!     seed: Some(42),
//!     ..Default::default()
//! })?;
//! assert_eq!(fi.decide(), Fault::Error);
//! fi.set_enabled(false);
//! assert_eq!(fi.decide(), Fault::None);
//! assert_eq!(fi.metrics().errors, 1);
//! # Ok::<(), seawall::Error>(())
//! ```

use crate::clock::{duration_to_ns, ClockSource};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::sync::{AtomicBool, AtomicU64, Ordering};
use crate::validate;
use std::time::Duration;

/// Configuration of a [`FaultInjector`].
///
/// Defaults inject nothing (both rates 0), so turning on chaos is always an
/// explicit choice. `delay_min == delay_max` is a fixed delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultInjectorConfig {
    /// Probability of [`Fault::Error`], in `[0, 1]`. Default 0.
    pub error_rate: f64,
    /// Probability of [`Fault::Delay`], in `[0, 1]`;
    /// `error_rate + delay_rate <= 1`. Default 0.
    pub delay_rate: f64,
    /// Shortest injected delay, `<= delay_max`. Default 1 s.
    pub delay_min: Duration,
    /// Longest injected delay (inclusive), at most 100 years; `> 0` when
    /// `delay_rate > 0`. Default 1 s.
    pub delay_max: Duration,
    /// Seed of the generator; `None` seeds from the clock and an address.
    /// Default `None`.
    pub seed: Option<u64>,
    /// Whether the injector starts switched on. Default true.
    pub enabled: bool,
}

impl Default for FaultInjectorConfig {
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            delay_rate: 0.0,
            delay_min: Duration::from_secs(1),
            delay_max: Duration::from_secs(1),
            seed: None,
            enabled: true,
        }
    }
}

impl FaultInjectorConfig {
    /// Checks every field; the error names the first bad field.
    pub fn validate(&self) -> Result<()> {
        let p = validate::probability("error_rate", self.error_rate)?;
        let q = validate::probability("delay_rate", self.delay_rate)?;
        if p + q > 1.0 {
            return Err(Error::config(
                "delay_rate",
                format!(
                    "error_rate + delay_rate must be <= 1, got {p:?} + {q:?} = {:?}",
                    p + q
                ),
            ));
        }
        validate::bounded_duration("delay_min", self.delay_min)?;
        validate::bounded_duration("delay_max", self.delay_max)?;
        if self.delay_max < self.delay_min {
            return Err(Error::config(
                "delay_max",
                format!(
                    "must be >= delay_min ({:?}), got {:?}",
                    self.delay_min, self.delay_max
                ),
            ));
        }
        if q > 0.0 && self.delay_max.is_zero() {
            return Err(Error::config(
                "delay_max",
                "must be > 0 when delay_rate > 0, got 0ns",
            ));
        }
        Ok(())
    }
}

/// What to do to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Let the call through untouched.
    None,
    /// Fail the call with [`Error::InjectedFault`] without running it.
    Error,
    /// Wait this long, then run the call.
    Delay(Duration),
}

impl Fault {
    /// The wire name: `"none"`, `"error"` or `"delay"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Error => "error",
            Fault::Delay(_) => "delay",
        }
    }

    /// The delay to apply (zero unless `Delay`).
    pub fn delay(self) -> Duration {
        match self {
            Fault::Delay(d) => d,
            _ => Duration::ZERO,
        }
    }

    /// `Err(InjectedFault)` for `Error`, else the delay to apply (zero for
    /// `None`), for callers that propagate with `?`.
    pub fn into_result(self) -> Result<Duration> {
        match self {
            Fault::Error => Err(Error::InjectedFault),
            other => Ok(other.delay()),
        }
    }
}

/// A snapshot of a fault injector's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultInjectorMetrics {
    /// Calls to [`FaultInjector::decide`], enabled or not.
    pub decisions: u64,
    /// `Error` decisions.
    pub errors: u64,
    /// `Delay` decisions.
    pub delays: u64,
    /// Whether the injector is switched on now.
    pub enabled: bool,
}

/// Injects errors and delays with fixed probabilities. See the
/// [module docs](self) for the exact draw order.
#[derive(Debug)]
pub struct FaultInjector {
    cfg: FaultInjectorConfig,
    rng: Rng,
    enabled: AtomicBool,
    delay_min_ns: u64,
    delay_max_ns: u64,
    decisions: AtomicU64,
    errors: AtomicU64,
    delays: AtomicU64,
    // Kept for API symmetry (`with_clock`); decisions do not read time.
    _clock: ClockSource,
}

impl FaultInjector {
    /// A fault injector on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: FaultInjectorConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A fault injector with `clock` (decisions do not depend on time; the
    /// clock is accepted so every primitive is built the same way).
    pub fn with_clock(cfg: FaultInjectorConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        Ok(Self {
            rng: Rng::from_seed(cfg.seed),
            enabled: AtomicBool::new(cfg.enabled),
            delay_min_ns: duration_to_ns(cfg.delay_min),
            delay_max_ns: duration_to_ns(cfg.delay_max),
            decisions: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            delays: AtomicU64::new(0),
            cfg,
            _clock: clock.into(),
        })
    }

    /// The validated configuration (`enabled` is the initial value; see
    /// [`is_enabled`](Self::is_enabled)).
    pub fn config(&self) -> &FaultInjectorConfig {
        &self.cfg
    }

    /// Decides the fault for one call. Lock-free: one or two `fetch_add`s
    /// on the generator plus counters.
    pub fn decide(&self) -> Fault {
        self.decisions.fetch_add(1, Ordering::Relaxed);
        if !self.enabled.load(Ordering::Relaxed) {
            return Fault::None;
        }
        let u = self.rng.next_f64();
        if u < self.cfg.error_rate {
            self.errors.fetch_add(1, Ordering::Relaxed);
            return Fault::Error;
        }
        if u < self.cfg.error_rate + self.cfg.delay_rate {
            self.delays.fetch_add(1, Ordering::Relaxed);
            let ns = if self.delay_min_ns == self.delay_max_ns {
                self.delay_min_ns
            } else {
                self.rng.range_u64(self.delay_min_ns, self.delay_max_ns)
            };
            return Fault::Delay(Duration::from_nanos(ns));
        }
        Fault::None
    }

    /// Switches injection on or off (takes effect for the next `decide`).
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Whether injection is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> FaultInjectorMetrics {
        FaultInjectorMetrics {
            decisions: self.decisions.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            delays: self.delays.load(Ordering::Relaxed),
            enabled: self.is_enabled(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fi(cfg: FaultInjectorConfig) -> FaultInjector {
        match FaultInjector::new(cfg) {
            Ok(f) => f,
            Err(e) => unreachable!("{e}"),
        }
    }

    #[test]
    fn sequence_follows_the_documented_draws() {
        let cfg = FaultInjectorConfig {
            error_rate: 0.3,
            delay_rate: 0.3,
            delay_min: Duration::from_millis(10),
            delay_max: Duration::from_millis(20),
            seed: Some(7),
            enabled: true,
        };
        let f = fi(cfg);
        let r = Rng::new(7);
        for _ in 0..1000 {
            let u = r.next_f64();
            let want = if u < 0.3 {
                Fault::Error
            } else if u < 0.6 {
                Fault::Delay(Duration::from_nanos(r.range_u64(10_000_000, 20_000_000)))
            } else {
                Fault::None
            };
            assert_eq!(f.decide(), want);
        }
        let m = f.metrics();
        assert_eq!(m.decisions, 1000);
        assert!(m.errors > 200 && m.errors < 400, "{m:?}");
        assert!(m.delays > 200 && m.delays < 400, "{m:?}");
    }

    #[test]
    fn rates_zero_and_one_and_fixed_delay() {
        let none = fi(FaultInjectorConfig {
            seed: Some(1),
            ..Default::default()
        });
        let delay = fi(FaultInjectorConfig {
            delay_rate: 1.0,
            seed: Some(1),
            ..Default::default()
        });
        let error = fi(FaultInjectorConfig {
            error_rate: 1.0,
            seed: Some(1),
            ..Default::default()
        });
        for _ in 0..1000 {
            assert_eq!(none.decide(), Fault::None);
            assert_eq!(delay.decide(), Fault::Delay(Duration::from_secs(1)));
            assert_eq!(error.decide(), Fault::Error);
        }
        assert_eq!(Fault::Error.into_result(), Err(Error::InjectedFault));
        assert_eq!(
            Fault::Delay(Duration::from_secs(1)).into_result(),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(Fault::None.into_result(), Ok(Duration::ZERO));
        assert_eq!(
            [
                Fault::None.as_str(),
                Fault::Error.as_str(),
                Fault::Delay(Duration::ZERO).as_str()
            ],
            ["none", "error", "delay"]
        );
    }

    #[test]
    fn disabled_draws_nothing() {
        let cfg = FaultInjectorConfig {
            error_rate: 0.5,
            seed: Some(3),
            enabled: false,
            ..Default::default()
        };
        let a = fi(cfg);
        let b = fi(FaultInjectorConfig {
            enabled: true,
            ..cfg
        });
        for _ in 0..10 {
            assert_eq!(a.decide(), Fault::None);
        }
        a.set_enabled(true);
        for _ in 0..100 {
            assert_eq!(a.decide(), b.decide());
        }
        assert_eq!(a.metrics().decisions, 110);
        assert!(a.metrics().enabled);
    }

    #[test]
    fn unseeded_injectors_work() {
        let f = fi(FaultInjectorConfig {
            error_rate: 0.5,
            ..Default::default()
        });
        let errors = (0..1000).filter(|_| f.decide() == Fault::Error).count();
        assert!(errors > 300 && errors < 700);
    }

    #[test]
    fn config_validation_names_fields() {
        let ok = FaultInjectorConfig::default();
        assert!(ok.validate().is_ok());
        let cases = [
            (
                FaultInjectorConfig {
                    error_rate: f64::NAN,
                    ..ok
                },
                "error_rate",
            ),
            (
                FaultInjectorConfig {
                    error_rate: -0.1,
                    ..ok
                },
                "error_rate",
            ),
            (
                FaultInjectorConfig {
                    error_rate: 1.1,
                    ..ok
                },
                "error_rate",
            ),
            (
                FaultInjectorConfig {
                    error_rate: f64::INFINITY,
                    ..ok
                },
                "error_rate",
            ),
            (
                FaultInjectorConfig {
                    delay_rate: f64::NEG_INFINITY,
                    ..ok
                },
                "delay_rate",
            ),
            (
                FaultInjectorConfig {
                    error_rate: 0.6,
                    delay_rate: 0.5,
                    ..ok
                },
                "delay_rate",
            ),
            (
                FaultInjectorConfig {
                    delay_min: Duration::MAX,
                    delay_max: Duration::MAX,
                    ..ok
                },
                "delay_min",
            ),
            (
                FaultInjectorConfig {
                    delay_max: Duration::from_millis(1),
                    ..ok
                },
                "delay_max",
            ),
            (
                FaultInjectorConfig {
                    delay_rate: 0.5,
                    delay_min: Duration::ZERO,
                    delay_max: Duration::ZERO,
                    ..ok
                },
                "delay_max",
            ),
        ];
        for (c, field) in cases {
            let e = FaultInjector::new(c).err();
            assert_eq!(e.as_ref().and_then(Error::field), Some(field), "{c:?}");
        }
        assert!(FaultInjector::new(FaultInjectorConfig {
            error_rate: 0.3,
            delay_rate: 0.7,
            ..ok
        })
        .is_ok());
    }

    #[test]
    fn send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FaultInjector>();
    }
}

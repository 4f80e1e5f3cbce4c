//! Backoff configuration, wire names and validation.

use crate::error::{Error, Result};
use crate::validate;
use std::time::Duration;

/// How the un-jittered delay grows with the retry number `n` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BackoffKind {
    /// `base` before every retry (`"constant"`).
    Constant,
    /// `base × n` (`"linear"`), like Polly's linear backoff.
    Linear,
    /// `base × factor^(n−1)` (`"exponential"`). The default.
    #[default]
    Exponential,
}

impl BackoffKind {
    /// Every kind.
    pub const ALL: [BackoffKind; 3] = [
        BackoffKind::Constant,
        BackoffKind::Linear,
        BackoffKind::Exponential,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            BackoffKind::Constant => "constant",
            BackoffKind::Linear => "linear",
            BackoffKind::Exponential => "exponential",
        }
    }

    /// Parses a wire name; unknown names give `InvalidConfig` naming `kind`.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| Error::config("kind", format!("unknown backoff kind {name:?}")))
    }
}

/// How randomness spreads the delay (formulas in `spec/backoff.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Jitter {
    /// The delay as scheduled (`"none"`). Draws nothing.
    None,
    /// Uniform in `[0, d]` (`"full"`, AWS "full jitter"). The default.
    #[default]
    Full,
    /// `ceil(d/2) + uniform[0, floor(d/2)]`, so in `[d/2, d]` (`"equal"`).
    Equal,
    /// `d ± 50%`: `ceil(d/2) + uniform[0, 2·floor(d/2)]`, capped at
    /// `max_delay` (`"proportional"`).
    Proportional,
    /// AWS decorrelated jitter: `min(max_delay, uniform[base, 3 × previous])`,
    /// previous starting at `base` (`"decorrelated"`). Replaces the schedule:
    /// `kind` and `factor` are not used.
    Decorrelated,
}

impl Jitter {
    /// Every jitter kind.
    pub const ALL: [Jitter; 5] = [
        Jitter::None,
        Jitter::Full,
        Jitter::Equal,
        Jitter::Proportional,
        Jitter::Decorrelated,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::Proportional => "proportional",
            Jitter::Decorrelated => "decorrelated",
        }
    }

    /// Parses a wire name; unknown names give `InvalidConfig` naming `jitter`.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| Error::config("jitter", format!("unknown jitter {name:?}")))
    }
}

/// Configuration of a [`Backoff`](super::Backoff).
///
/// | field | default | rule |
/// |---|---|---|
/// | `kind` | exponential | |
/// | `base` | 100 ms | `0 ≤ base ≤ 100 years` |
/// | `factor` | 2.0 | finite, `≥ 1` (exponential only) |
/// | `max_delay` | 30 s | `base ≤ max_delay ≤ 100 years` |
/// | `jitter` | full | |
/// | `max_attempts` | 3 | `≥ 1`; counts every call, the first included |
/// | `max_elapsed` | `None` (no limit) | `0 < max_elapsed ≤ 100 years` |
/// | `seed` | `None` (entropy) | any `u64` |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffConfig {
    /// Growth of the un-jittered delay.
    pub kind: BackoffKind,
    /// The first delay (and the unit of linear growth). Zero means
    /// "retry immediately".
    pub base: Duration,
    /// Multiplier per retry for [`BackoffKind::Exponential`].
    pub factor: f64,
    /// No delay the schedule computes exceeds this (a Retry-After hint may).
    pub max_delay: Duration,
    /// Jitter applied to each delay.
    pub jitter: Jitter,
    /// Maximum number of calls, the first one included (`1` = never retry).
    pub max_attempts: u32,
    /// Give up when the next retry would start later than this after the
    /// schedule began. `None` = no limit.
    pub max_elapsed: Option<Duration>,
    /// Seed of the jitter RNG; `None` seeds from the clock.
    pub seed: Option<u64>,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            kind: BackoffKind::Exponential,
            base: Duration::from_millis(100),
            factor: 2.0,
            max_delay: Duration::from_secs(30),
            jitter: Jitter::Full,
            max_attempts: 3,
            max_elapsed: None,
            seed: None,
        }
    }
}

impl BackoffConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        validate::bounded_duration("base", self.base)?;
        if !(self.factor.is_finite() && self.factor >= 1.0) {
            return Err(Error::config(
                "factor",
                format!("must be a finite number >= 1, got {:?}", self.factor),
            ));
        }
        validate::bounded_duration("max_delay", self.max_delay)?;
        if self.max_delay < self.base {
            return Err(Error::config(
                "max_delay",
                format!(
                    "must be >= base ({:?}), got {:?}",
                    self.base, self.max_delay
                ),
            ));
        }
        validate::int_in_range(
            "max_attempts",
            u64::from(self.max_attempts),
            1,
            u64::from(u32::MAX),
        )?;
        if let Some(me) = self.max_elapsed {
            validate::positive_duration("max_elapsed", me)?;
        }
        Ok(())
    }
}

//! Retry schedule: the delay before each retry, with caps, jitter, attempt
//! and elapsed-time limits, and server Retry-After hints.
//!
//! A [`Backoff`] is built once from a [`BackoffConfig`] and shared (it is
//! `Send + Sync`). Each retried call takes its own [`Schedule`] from it and
//! asks [`Schedule::next_delay`] after every failure: `Some(delay)` means
//! "sleep this long, then retry", `None` means "give up". The exact formulas,
//! rounding and order of random draws are in `spec/backoff.md`, so a seed
//! gives the same delays in every language.
//!
//! Computing a delay allocates nothing and takes no lock: the jitter RNG is
//! one atomic shared by every schedule of a `Backoff`.
//!
//! ```
//! use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter};
//! use std::time::Duration;
//!
//! let backoff = Backoff::new(BackoffConfig {
//!     kind: BackoffKind::Exponential,
//!     base: Duration::from_millis(100),
//!     factor: 2.0,
//!     max_delay: Duration::from_secs(1),
//!     jitter: Jitter::None,
//!     max_attempts: 4,
//!     ..BackoffConfig::default()
//! })?;
//! assert_eq!(backoff.delay_for(1), Duration::from_millis(100));
//! assert_eq!(backoff.delay_for(4), Duration::from_millis(800));
//! assert_eq!(backoff.delay_for(u32::MAX), Duration::from_secs(1));
//!
//! let mut schedule = backoff.schedule();
//! let mut delays = Vec::new();
//! while let Some(d) = schedule.next_delay_elapsed(Duration::ZERO, None) {
//!     delays.push(d.as_millis());
//! }
//! assert_eq!(delays, [100, 200, 400]); // 4 attempts = 3 retries
//! # Ok::<(), seawall::Error>(())
//! ```

mod config;

pub use config::{BackoffConfig, BackoffKind, Jitter};

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::Result;
use crate::rng::{entropy_seed, Rng};
use crate::sync::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters of a [`Backoff`], summed over all its schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BackoffMetrics {
    /// Schedules started ([`Backoff::schedule`]).
    pub schedules: u64,
    /// Delays handed out (retries scheduled).
    pub retries: u64,
    /// Schedules that gave up because `max_attempts` was reached.
    pub exhausted_attempts: u64,
    /// Schedules that gave up because the next retry would start after
    /// `max_elapsed`.
    pub exhausted_elapsed: u64,
}

/// Validated parameters in nanoseconds; `Copy` so each schedule holds its own.
#[derive(Debug, Clone, Copy)]
struct Params {
    kind: BackoffKind,
    jitter: Jitter,
    base_ns: u64,
    cap_ns: u64,
    factor: f64,
    max_attempts: u32,
    max_elapsed_ns: Option<u64>,
    /// Whether `retries` needs its own counter. Without a `max_elapsed`
    /// limit and with jitter, every delay handed out makes exactly one draw
    /// and nothing else draws (giving up on `max_attempts` happens before
    /// the draw), so the retries are the RNG's draws: one atomic add per
    /// delay fewer.
    count_retries: bool,
}

#[derive(Debug)]
struct Shared {
    /// `delay_ns(params, n)` for `n = 1..=delays.len()` (the first
    /// [`TABLE_MAX`] retries a schedule can ask for), computed once: the
    /// same bits as computing them per delay, without the `pow` loop and
    /// float conversions on every retry.
    delays: Box<[u64]>,
    rng: Rng,
    schedules: AtomicU64,
    retries: AtomicU64,
    exhausted_attempts: AtomicU64,
    exhausted_elapsed: AtomicU64,
}

/// A retry schedule definition, shared by every call it retries.
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone)]
pub struct Backoff {
    cfg: BackoffConfig,
    params: Params,
    shared: Arc<Shared>,
    clock: ClockSource,
}

impl Backoff {
    /// A backoff on the monotonic clock. Fails with `InvalidConfig` naming
    /// the first bad field.
    pub fn new(cfg: BackoffConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::Monotonic)
    }

    /// A backoff reading elapsed time from `clock`.
    pub fn with_clock(cfg: BackoffConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let params = Params {
            kind: cfg.kind,
            jitter: cfg.jitter,
            base_ns: duration_to_ns(cfg.base),
            cap_ns: duration_to_ns(cfg.max_delay),
            factor: cfg.factor,
            max_attempts: cfg.max_attempts,
            max_elapsed_ns: cfg.max_elapsed.map(duration_to_ns),
            count_retries: cfg.jitter == Jitter::None || cfg.max_elapsed.is_some(),
        };
        let seed = cfg.seed.unwrap_or_else(entropy_seed);
        let retries_max = params.max_attempts.saturating_sub(1).min(TABLE_MAX);
        let delays = (1..=retries_max).map(|n| delay_ns(&params, n)).collect();
        Ok(Self {
            cfg,
            params,
            shared: Arc::new(Shared {
                delays,
                rng: Rng::new(seed),
                schedules: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                exhausted_attempts: AtomicU64::new(0),
                exhausted_elapsed: AtomicU64::new(0),
            }),
            clock: clock.into(),
        })
    }

    /// The configuration this backoff was built from.
    pub fn config(&self) -> &BackoffConfig {
        &self.cfg
    }

    /// The delay before retry `attempt` (1-based: `delay_for(1)` is the wait
    /// after the first failure), before jitter. `delay_for(0)` is zero (the
    /// first call is not delayed). Non-decreasing in `attempt`, never above
    /// `max_delay`; `u32::MAX` saturates at `max_delay` when growth reaches it.
    /// Pure: no RNG, no clock.
    #[inline]
    pub fn delay_for(&self, attempt: u32) -> Duration {
        Duration::from_nanos(self.shared.delay(&self.params, attempt))
    }

    /// Starts the schedule of one retried call: elapsed time counts from now.
    /// The schedule is owned (it holds an `Arc` to the shared RNG), so
    /// bindings can keep it without borrowing the `Backoff`.
    pub fn schedule(&self) -> Schedule {
        self.shared.schedules.fetch_add(1, Ordering::Relaxed);
        Schedule {
            params: self.params,
            shared: Arc::clone(&self.shared),
            clock: self.clock.clone(),
            start_ns: self.clock.now_ns(),
            retries: 0,
            prev_ns: self.params.base_ns,
            done: false,
        }
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> BackoffMetrics {
        BackoffMetrics {
            schedules: self.shared.schedules.load(Ordering::Relaxed),
            retries: if self.params.count_retries {
                self.shared.retries.load(Ordering::Relaxed)
            } else {
                self.shared.rng.draws()
            },
            exhausted_attempts: self.shared.exhausted_attempts.load(Ordering::Relaxed),
            exhausted_elapsed: self.shared.exhausted_elapsed.load(Ordering::Relaxed),
        }
    }
}

/// The retry state of one call: how many retries were given, the previous
/// delay (for decorrelated jitter) and when the call began.
///
/// Once it returns `None` it stays exhausted.
#[derive(Debug)]
pub struct Schedule {
    params: Params,
    shared: Arc<Shared>,
    clock: ClockSource,
    start_ns: u64,
    retries: u32,
    prev_ns: u64,
    done: bool,
}

impl Schedule {
    /// After a failed call: the delay before the next retry, or `None` to
    /// give up. Under `max_elapsed`, reads the clock once for the time since
    /// [`Backoff::schedule`]. `retry_after` is a server hint (HTTP
    /// `Retry-After`, gRPC pushback) that replaces the computed delay,
    /// uncapped by `max_delay` but still subject to `max_elapsed`.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        // The elapsed time only matters under a max_elapsed limit; without
        // one, skip the clock read (the most expensive step of a delay).
        let elapsed = match self.params.max_elapsed_ns {
            Some(_) => self.clock.now_ns().saturating_sub(self.start_ns),
            None => 0,
        };
        self.next_delay_ns(elapsed, retry_after.map(duration_to_ns))
            .map(Duration::from_nanos)
    }

    /// Like [`next_delay`](Self::next_delay) with the elapsed time given by
    /// the caller (for bindings that keep their own time).
    // Inlined, so that a binding's `Duration::from_nanos` of its arguments
    // and its `duration_to_ns` of the result fold with the conversions here.
    #[inline]
    pub fn next_delay_elapsed(
        &mut self,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.next_delay_ns(duration_to_ns(elapsed), retry_after.map(duration_to_ns))
            .map(Duration::from_nanos)
    }

    /// The algorithm of `spec/backoff.md`, in nanoseconds.
    fn next_delay_ns(&mut self, elapsed_ns: u64, retry_after_ns: Option<u64>) -> Option<u64> {
        if self.done {
            return None;
        }
        let p = self.params;
        // 1. the retry number; call number n + 1 must fit in max_attempts.
        let n = self.retries.saturating_add(1);
        if n >= p.max_attempts {
            self.done = true;
            self.shared
                .exhausted_attempts
                .fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // 2. un-jittered delay, 3. jitter (one draw unless jitter is none).
        let d = self.shared.delay(&p, n);
        let jittered = match p.jitter {
            Jitter::None => d,
            Jitter::Full => uniform(&self.shared.rng, 0, d),
            Jitter::Equal => {
                let h = d / 2;
                (d - h).saturating_add(uniform(&self.shared.rng, 0, h))
            }
            Jitter::Proportional => {
                let h = d / 2;
                (d - h)
                    .saturating_add(uniform(&self.shared.rng, 0, h.saturating_mul(2)))
                    .min(p.cap_ns)
            }
            Jitter::Decorrelated => {
                let hi = self.prev_ns.saturating_mul(3).max(p.base_ns);
                let v = uniform(&self.shared.rng, p.base_ns, hi).min(p.cap_ns);
                self.prev_ns = v;
                v
            }
        };
        // 4. a server hint replaces the delay as-is.
        let delay = retry_after_ns.unwrap_or(jittered);
        // 5. refuse a retry that would start after max_elapsed.
        if let Some(me) = p.max_elapsed_ns {
            if elapsed_ns.saturating_add(delay) > me {
                self.done = true;
                self.shared
                    .exhausted_elapsed
                    .fetch_add(1, Ordering::Relaxed);
                return None;
            }
        }
        self.retries = n;
        if p.count_retries {
            self.shared.retries.fetch_add(1, Ordering::Relaxed);
        }
        Some(delay)
    }

    /// Retries handed out so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Calls made so far if every delay was followed by a call: `retries + 1`.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// Whether the schedule has given up.
    pub fn is_exhausted(&self) -> bool {
        self.done
    }

    /// Time since the schedule started, on its clock.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.clock.now_ns().saturating_sub(self.start_ns))
    }
}

/// Retries whose un-jittered delay a `Backoff` precomputes (64 × 8 bytes).
const TABLE_MAX: u32 = 64;

impl Shared {
    /// `delay_ns(p, n)`, from the table when `n` is in it.
    #[inline]
    fn delay(&self, p: &Params, n: u32) -> u64 {
        match (n as usize).checked_sub(1).and_then(|i| self.delays.get(i)) {
            Some(&d) => d,
            None => delay_ns(p, n),
        }
    }
}

/// The un-jittered delay before retry `n`, in ns (see `spec/backoff.md`).
fn delay_ns(p: &Params, n: u32) -> u64 {
    if n == 0 || p.base_ns == 0 {
        return 0;
    }
    match p.kind {
        BackoffKind::Constant => p.base_ns,
        BackoffKind::Linear => p.base_ns.saturating_mul(u64::from(n)).min(p.cap_ns),
        BackoffKind::Exponential => {
            let raw = p.base_ns as f64 * pow_by_squaring(p.factor, n - 1);
            // NaN cannot occur (base > 0, factor >= 1), but would cap too.
            // The clamp to base matters only above 2^53 ns (~104 days),
            // where base_ns as f64 may round below base_ns.
            if raw < p.cap_ns as f64 {
                (raw as u64).clamp(p.base_ns, p.cap_ns)
            } else {
                p.cap_ns
            }
        }
    }
}

/// `factor^e` by binary exponentiation, in this exact order of IEEE-754
/// multiplications (so every language gets the same bits): at most 32 steps.
fn pow_by_squaring(factor: f64, mut e: u32) -> f64 {
    let mut result = 1.0_f64;
    let mut b = factor;
    while e > 0 {
        if e & 1 == 1 {
            result *= b;
        }
        e >>= 1;
        b *= b;
    }
    result
}

/// A uniform integer in `[lo, hi]` (requires `lo <= hi`) from exactly one
/// draw: `lo + ((r × (hi − lo + 1)) >> 64)` in 128-bit arithmetic.
#[inline]
fn uniform(rng: &Rng, lo: u64, hi: u64) -> u64 {
    let r = u128::from(rng.next_u64());
    let span = u128::from(hi.saturating_sub(lo)) + 1;
    lo.saturating_add(((r * span) >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn cfg(kind: BackoffKind, jitter: Jitter) -> BackoffConfig {
        BackoffConfig {
            kind,
            base: Duration::from_millis(100),
            factor: 2.0,
            max_delay: Duration::from_secs(1),
            jitter,
            max_attempts: 10,
            max_elapsed: None,
            seed: Some(42),
        }
    }

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn retries_metric_counts_every_delay_handed_out() -> Result<()> {
        for j in Jitter::ALL {
            for max_elapsed in [None, Some(ms(1_500))] {
                let b = Backoff::new(BackoffConfig {
                    max_elapsed,
                    ..cfg(BackoffKind::Exponential, j)
                })?;
                let mut handed_out = 0u64;
                for k in 0..20u64 {
                    let mut s = b.schedule();
                    // Some schedules stop early (the call succeeded).
                    for _ in 0..(k % 12) {
                        let hint = (k % 3 == 0).then(|| ms(5));
                        match s.next_delay_elapsed(ms(100 * k), hint) {
                            Some(_) => handed_out += 1,
                            None => break,
                        }
                    }
                    assert_eq!(b.metrics().retries, handed_out, "{j:?} {max_elapsed:?}");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn delay_table_matches_formula() -> Result<()> {
        for kind in [
            BackoffKind::Constant,
            BackoffKind::Linear,
            BackoffKind::Exponential,
        ] {
            for (factor, attempts) in [(1.0, 3), (1.5, 200), (2.0, 11), (3.7, u32::MAX)] {
                let b = Backoff::new(BackoffConfig {
                    factor,
                    max_attempts: attempts,
                    max_delay: Duration::from_secs(3600),
                    ..cfg(kind, Jitter::None)
                })?;
                for n in (0..300).chain([u32::MAX - 1, u32::MAX]) {
                    assert_eq!(
                        b.shared.delay(&b.params, n),
                        delay_ns(&b.params, n),
                        "{kind:?} factor {factor} n {n}"
                    );
                }
            }
        }
        Ok(())
    }

    #[test]
    fn kinds_before_jitter() -> Result<()> {
        let c = Backoff::new(cfg(BackoffKind::Constant, Jitter::None))?;
        let l = Backoff::new(cfg(BackoffKind::Linear, Jitter::None))?;
        let e = Backoff::new(cfg(BackoffKind::Exponential, Jitter::None))?;
        for b in [&c, &l, &e] {
            assert_eq!(b.delay_for(0), Duration::ZERO);
            assert_eq!(b.delay_for(1), ms(100));
        }
        assert_eq!(c.delay_for(7), ms(100));
        assert_eq!(l.delay_for(3), ms(300));
        assert_eq!(l.delay_for(11), ms(1000));
        assert_eq!(e.delay_for(2), ms(200));
        assert_eq!(e.delay_for(4), ms(800));
        assert_eq!(e.delay_for(5), ms(1000));
        for b in [&l, &e] {
            assert_eq!(b.delay_for(u32::MAX), ms(1000));
        }
        assert_eq!(c.delay_for(u32::MAX), ms(100));
        Ok(())
    }

    #[test]
    fn fractional_factor_floors_to_ns() -> Result<()> {
        let b = Backoff::new(BackoffConfig {
            base: Duration::from_nanos(1000),
            factor: 1.5,
            jitter: Jitter::None,
            ..cfg(BackoffKind::Exponential, Jitter::None)
        })?;
        // 1000 × 1.5^3 = 3375, 1000 × 1.5^4 = 5062.5 → 5062
        assert_eq!(b.delay_for(4), Duration::from_nanos(3375));
        assert_eq!(b.delay_for(5), Duration::from_nanos(5062));
        Ok(())
    }

    #[test]
    fn factor_one_and_huge_factor() -> Result<()> {
        let one = Backoff::new(BackoffConfig {
            factor: 1.0,
            ..cfg(BackoffKind::Exponential, Jitter::None)
        })?;
        assert_eq!(one.delay_for(u32::MAX), ms(100));
        let huge = Backoff::new(BackoffConfig {
            factor: f64::MAX,
            ..cfg(BackoffKind::Exponential, Jitter::None)
        })?;
        assert_eq!(huge.delay_for(2), ms(1000));
        assert_eq!(huge.delay_for(u32::MAX), ms(1000));
        Ok(())
    }

    #[test]
    fn zero_base_retries_immediately() -> Result<()> {
        for j in Jitter::ALL {
            let b = Backoff::new(BackoffConfig {
                base: Duration::ZERO,
                ..cfg(BackoffKind::Exponential, j)
            })?;
            let mut s = b.schedule();
            for _ in 0..5 {
                assert_eq!(s.next_delay(None), Some(Duration::ZERO), "{j:?}");
            }
        }
        Ok(())
    }

    #[test]
    fn max_attempts_counts_the_first_call() -> Result<()> {
        let b = Backoff::new(BackoffConfig {
            max_attempts: 3,
            ..cfg(BackoffKind::Constant, Jitter::None)
        })?;
        let mut s = b.schedule();
        assert_eq!(s.next_delay(None), Some(ms(100)));
        assert_eq!(s.next_delay(None), Some(ms(100)));
        assert_eq!(s.attempts(), 3);
        assert_eq!(s.next_delay(None), None);
        assert!(s.is_exhausted());
        assert_eq!(s.next_delay(Some(ms(1))), None);
        let one = Backoff::new(BackoffConfig {
            max_attempts: 1,
            ..cfg(BackoffKind::Constant, Jitter::None)
        })?;
        assert_eq!(one.schedule().next_delay(None), None);
        let m = b.metrics();
        assert_eq!(
            (
                m.schedules,
                m.retries,
                m.exhausted_attempts,
                m.exhausted_elapsed
            ),
            (1, 2, 1, 0)
        );
        Ok(())
    }

    #[test]
    fn max_elapsed_refuses_the_crossing_delay_on_the_clock() -> Result<()> {
        let clock = ManualClock::new();
        let b = Backoff::with_clock(
            BackoffConfig {
                max_elapsed: Some(ms(1000)),
                ..cfg(BackoffKind::Constant, Jitter::None)
            },
            &clock,
        )?;
        let mut s = b.schedule();
        clock.advance(ms(900));
        assert_eq!(s.elapsed(), ms(900));
        // 900 + 100 = 1000: exactly at the limit is allowed
        assert_eq!(s.next_delay(None), Some(ms(100)));
        clock.advance(ms(101));
        assert_eq!(s.next_delay(None), None);
        assert_eq!(b.metrics().exhausted_elapsed, 1);
        Ok(())
    }

    #[test]
    fn retry_after_overrides_uncapped_but_not_past_max_elapsed() -> Result<()> {
        let b = Backoff::new(BackoffConfig {
            max_elapsed: Some(ms(10_000)),
            ..cfg(BackoffKind::Exponential, Jitter::None)
        })?;
        let mut s = b.schedule();
        assert_eq!(
            s.next_delay_elapsed(Duration::ZERO, Some(ms(5000))),
            Some(ms(5000))
        );
        // the hint did not change the schedule: retry 2 is 200 ms
        assert_eq!(s.next_delay_elapsed(ms(5000), None), Some(ms(200)));
        assert_eq!(s.next_delay_elapsed(ms(5200), Some(ms(4801))), None);
        Ok(())
    }

    #[test]
    fn clock_going_back_counts_as_no_elapsed_time() -> Result<()> {
        let clock = ManualClock::starting_at_ns(1_000_000_000);
        let b = Backoff::with_clock(
            BackoffConfig {
                max_elapsed: Some(ms(100)),
                ..cfg(BackoffKind::Constant, Jitter::None)
            },
            &clock,
        )?;
        let mut s = b.schedule();
        clock.set_ns(0);
        assert_eq!(s.next_delay(None), Some(ms(100)));
        Ok(())
    }

    #[test]
    fn jitter_ranges_and_determinism() -> Result<()> {
        for j in Jitter::ALL {
            let a = Backoff::new(cfg(BackoffKind::Exponential, j))?;
            let b = Backoff::new(cfg(BackoffKind::Exponential, j))?;
            let (mut sa, mut sb) = (a.schedule(), b.schedule());
            for n in 1..10u32 {
                let da = sa.next_delay(None);
                assert_eq!(da, sb.next_delay(None), "same seed, same delays");
                let d = a.delay_for(n);
                let got = da.unwrap_or_default();
                let (lo, hi) = match j {
                    Jitter::None => (d, d),
                    Jitter::Full => (Duration::ZERO, d),
                    Jitter::Equal => (d / 2, d),
                    Jitter::Proportional => (d / 2, (d * 3 / 2).min(ms(1000))),
                    Jitter::Decorrelated => (ms(100), ms(1000)),
                };
                assert!(
                    lo <= got && got <= hi,
                    "{j:?} n={n}: {got:?} not in [{lo:?}, {hi:?}]"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn full_jitter_reference_draws() -> Result<()> {
        // seed 0: first draw 0xE220A8397B1DCDAF; (r × 100_000_001) >> 64
        let b = Backoff::new(BackoffConfig {
            seed: Some(0),
            ..cfg(BackoffKind::Constant, Jitter::Full)
        })?;
        let r: u128 = 0xE220_A839_7B1D_CDAF;
        let want = ((r * 100_000_001) >> 64) as u64;
        assert_eq!(
            b.schedule().next_delay(None),
            Some(Duration::from_nanos(want))
        );
        Ok(())
    }

    #[test]
    fn rejects_bad_config_naming_the_field() {
        let base = cfg(BackoffKind::Exponential, Jitter::Full);
        let cases: Vec<(BackoffConfig, &str)> = vec![
            (
                BackoffConfig {
                    factor: f64::NAN,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    factor: f64::INFINITY,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    factor: f64::NEG_INFINITY,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    factor: 0.5,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    factor: -2.0,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    factor: 0.0,
                    ..base
                },
                "factor",
            ),
            (
                BackoffConfig {
                    max_delay: ms(99),
                    ..base
                },
                "max_delay",
            ),
            (
                BackoffConfig {
                    base: Duration::MAX,
                    max_delay: Duration::MAX,
                    ..base
                },
                "base",
            ),
            (
                BackoffConfig {
                    max_delay: Duration::MAX,
                    ..base
                },
                "max_delay",
            ),
            (
                BackoffConfig {
                    max_attempts: 0,
                    ..base
                },
                "max_attempts",
            ),
            (
                BackoffConfig {
                    max_elapsed: Some(Duration::ZERO),
                    ..base
                },
                "max_elapsed",
            ),
            (
                BackoffConfig {
                    max_elapsed: Some(Duration::MAX),
                    ..base
                },
                "max_elapsed",
            ),
        ];
        for (c, field) in cases {
            let e = Backoff::new(c).err();
            assert_eq!(
                e.as_ref().and_then(crate::Error::field),
                Some(field),
                "{c:?}"
            );
        }
        assert!(Backoff::new(BackoffConfig::default()).is_ok());
    }

    #[test]
    fn wire_names_round_trip() {
        for k in BackoffKind::ALL {
            assert_eq!(BackoffKind::parse(k.as_str()).ok(), Some(k));
        }
        for j in Jitter::ALL {
            assert_eq!(Jitter::parse(j.as_str()).ok(), Some(j));
        }
        assert_eq!(
            BackoffKind::parse("Exponential")
                .err()
                .as_ref()
                .and_then(crate::Error::field),
            Some("kind")
        );
        assert_eq!(
            Jitter::parse("")
                .err()
                .as_ref()
                .and_then(crate::Error::field),
            Some("jitter")
        );
    }
}

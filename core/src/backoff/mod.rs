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
//! Computing a delay allocates nothing and takes no lock: each schedule draws
//! from its own SplitMix64 stream (plain data, no atomic); the only atomic
//! operations are the `Backoff`'s counters.
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
use crate::rng::{entropy_seed, mix, LocalRng};
use crate::sync::{AtomicU64, Ordering, StripedCounter};
use std::sync::Arc;
use std::time::Duration;

/// Counters of a [`Backoff`], summed over all its schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BackoffMetrics {
    /// Schedules started ([`Backoff::schedule`]).
    pub schedules: u64,
    /// Delays handed out by schedules that have ended (counted when a
    /// schedule gives up, is finished or dropped, not per delay).
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
}

#[derive(Debug)]
struct Shared {
    /// `delay_ns(params, n)` for `n = 1..=delays.len()` (the first
    /// [`TABLE_MAX`] retries a schedule can ask for), computed once: the
    /// same bits as computing them per delay, without the `pow` loop and
    /// float conversions on every retry.
    delays: Box<[u64]>,
    /// The seed: schedule `k` draws from the stream starting at
    /// `seed + mix(k)` (`spec/backoff.md`, "RNG"). `None`: unseeded, each
    /// schedule's stream starts at a draw of a per-thread generator.
    seed: Option<u64>,
    /// Seeded: schedules started, and the next schedule's number `k`.
    numbered: AtomicU64,
    /// Unseeded: schedules started (no number needed, so no shared line).
    unnumbered: StripedCounter,
    // Bumped once per schedule by whichever thread ends it: striped, so
    // threads ending schedules at once do not pass one cache line around.
    retries: StripedCounter,
    exhausted_attempts: StripedCounter,
    exhausted_elapsed: StripedCounter,
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
    /// A backoff on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)). Fails with `InvalidConfig` naming
    /// the first bad field.
    pub fn new(cfg: BackoffConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
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
        };
        let retries_max = params.max_attempts.saturating_sub(1).min(TABLE_MAX);
        let delays = (1..=retries_max).map(|n| delay_ns(&params, n)).collect();
        Ok(Self {
            cfg,
            params,
            shared: Arc::new(Shared {
                delays,
                seed: cfg.seed,
                numbered: AtomicU64::new(0),
                unnumbered: StripedCounter::new(),
                retries: StripedCounter::new(),
                exhausted_attempts: StripedCounter::new(),
                exhausted_elapsed: StripedCounter::new(),
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

    /// Starts the schedule of one retried call: elapsed time counts from now
    /// (read from the clock only under `max_elapsed`). The schedule borrows
    /// the backoff; to keep a schedule beyond a borrow (in a spawned task,
    /// or in a binding's object), clone the `Backoff` (an `Arc`) or keep a
    /// [`ScheduleState`] (see [`start`](Self::start)).
    #[inline]
    pub fn schedule(&self) -> Schedule<'_> {
        Schedule {
            backoff: self,
            state: self.start(),
        }
    }

    /// Starts a schedule as plain data, for a caller that keeps the state
    /// of each retried call in its own objects (bindings do) and steps it
    /// with [`next_delay`](Self::next_delay): the same answers as a
    /// [`Schedule`]. Elapsed time counts from now (the clock is read only
    /// under `max_elapsed`, the one rule that needs it); the schedule's
    /// random stream is the next one of this backoff (one atomic add).
    #[inline]
    pub fn start(&self) -> ScheduleState {
        let start_ns = match self.params.max_elapsed_ns {
            Some(_) => self.clock.now_ns(),
            None => 0,
        };
        self.start_at(start_ns)
    }

    /// [`start`](Self::start) with the start time given (no clock read).
    #[inline]
    pub(crate) fn start_at(&self, start_ns: u64) -> ScheduleState {
        let rng = match self.shared.seed {
            Some(seed) => {
                let k = self.shared.numbered.fetch_add(1, Ordering::Relaxed);
                seed.wrapping_add(mix(k))
            }
            None => {
                self.shared.unnumbered.incr();
                thread_stream()
            }
        };
        ScheduleState {
            start_ns,
            retries: 0,
            prev_ns: self.params.base_ns,
            rng,
            done: false,
        }
    }

    /// After a failed call: the delay before the next retry of the schedule
    /// `state`, or `None` to give up. Under `max_elapsed`, reads the clock
    /// once for the time since the schedule started. `retry_after` is a
    /// server hint (HTTP `Retry-After`, gRPC pushback) that replaces the
    /// computed delay, uncapped by `max_delay` but still subject to
    /// `max_elapsed`.
    #[inline]
    pub fn next_delay(
        &self,
        state: &mut ScheduleState,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let elapsed_ns = self.elapsed_ns(state);
        self.step(state, elapsed_ns, retry_after)
    }

    /// Like [`next_delay`](Self::next_delay) with the elapsed time given by
    /// the caller (for callers that keep their own time).
    #[inline]
    pub fn next_delay_elapsed(
        &self,
        state: &mut ScheduleState,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.step(state, duration_to_ns(elapsed), retry_after)
    }

    // Always inlined: one call per delay costs as much as the jitter.
    #[inline(always)]
    fn step(
        &self,
        state: &mut ScheduleState,
        elapsed_ns: u64,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        next_delay(
            &self.params,
            &self.shared,
            state,
            elapsed_ns,
            retry_after.map(duration_to_ns),
        )
        .ok()
        .map(Duration::from_nanos)
    }

    /// [`next_delay`](Self::next_delay) /
    /// [`next_delay_elapsed`](Self::next_delay_elapsed) in integer
    /// nanoseconds, for bindings whose callers speak ns or ms (no `Duration`
    /// round trip per delay): `elapsed_ns` `None` reads the clock under
    /// `max_elapsed`.
    #[inline]
    pub fn next_delay_ns(
        &self,
        state: &mut ScheduleState,
        elapsed_ns: Option<u64>,
        retry_after_ns: Option<u64>,
    ) -> Option<u64> {
        let elapsed_ns = match elapsed_ns {
            Some(e) => e,
            None => self.elapsed_ns(state),
        };
        next_delay(
            &self.params,
            &self.shared,
            state,
            elapsed_ns,
            retry_after_ns,
        )
        .ok()
    }

    /// [`next_delay_ns`](Self::next_delay_ns) with the elapsed time given,
    /// saying why it gives up.
    #[inline]
    pub(crate) fn next_delay_why(
        &self,
        state: &mut ScheduleState,
        elapsed_ns: u64,
        retry_after_ns: Option<u64>,
    ) -> std::result::Result<u64, Stop> {
        next_delay(
            &self.params,
            &self.shared,
            state,
            elapsed_ns,
            retry_after_ns,
        )
    }

    /// Ends `state` as given up for attempts (a caller's own, lower attempt
    /// cap): counted in `exhausted_attempts` like the schedule's own.
    #[inline]
    pub(crate) fn give_up_attempts(&self, state: &mut ScheduleState) {
        if !state.done {
            self.shared.finish(state);
            self.shared.exhausted_attempts.incr();
        }
    }

    /// The clock this backoff reads.
    pub(crate) fn clock(&self) -> &ClockSource {
        &self.clock
    }

    /// Whether a `max_elapsed` limit is set.
    pub(crate) fn has_max_elapsed(&self) -> bool {
        self.params.max_elapsed_ns.is_some()
    }

    /// Ends the schedule `state` (the call succeeded or was abandoned): its
    /// retries are counted in [`metrics`](Self::metrics) once, and it gives
    /// up from now on. Giving up already did this.
    #[inline]
    pub fn finish(&self, state: &mut ScheduleState) {
        self.shared.finish(state);
    }

    /// Time since the schedule `state` started, on this backoff's clock,
    /// when the backoff has a `max_elapsed` limit; `None` without one (a
    /// schedule then never reads the clock: no rule needs the time).
    pub fn elapsed(&self, state: &ScheduleState) -> Option<Duration> {
        self.params
            .max_elapsed_ns
            .map(|_| Duration::from_nanos(self.elapsed_ns(state)))
    }

    /// The time since `state` started under `max_elapsed`, else 0 (unread).
    #[inline]
    fn elapsed_ns(&self, state: &ScheduleState) -> u64 {
        match self.params.max_elapsed_ns {
            Some(_) => self.clock.now_ns().saturating_sub(state.start_ns),
            None => 0,
        }
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> BackoffMetrics {
        BackoffMetrics {
            schedules: self
                .shared
                .numbered
                .load(Ordering::Relaxed)
                .wrapping_add(self.shared.unnumbered.sum()),
            retries: self.shared.retries.sum(),
            exhausted_attempts: self.shared.exhausted_attempts.sum(),
            exhausted_elapsed: self.shared.exhausted_elapsed.sum(),
        }
    }
}

/// The state of one call's schedule as plain data: what [`Backoff::start`]
/// returns and [`Backoff::next_delay`] advances. Any values are safe (they
/// only give other delays); a binding may store and restore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleState {
    /// When the schedule started, on the backoff's clock (ns); read only
    /// when the backoff has `max_elapsed`, else 0.
    pub start_ns: u64,
    /// Retries handed out so far.
    pub retries: u32,
    /// The previous jittered delay (decorrelated jitter), ns.
    pub prev_ns: u64,
    /// The schedule's SplitMix64 state.
    pub rng: u64,
    /// Whether the schedule has ended: gave up or was finished (sticky).
    pub done: bool,
}

impl ScheduleState {
    /// Retries handed out so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Calls made so far if every delay was followed by a call: `retries + 1`.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// Whether the schedule has ended (gave up, or was finished).
    pub fn is_exhausted(&self) -> bool {
        self.done
    }
}

/// The retry state of one call, borrowing its [`Backoff`]: how many retries
/// were given, the previous delay (for decorrelated jitter), its random
/// stream and when the call began. Dropping it ends it
/// ([`finish`](Self::finish)).
///
/// Once it returns `None` it stays exhausted.
#[derive(Debug)]
pub struct Schedule<'a> {
    backoff: &'a Backoff,
    state: ScheduleState,
}

impl Schedule<'_> {
    /// After a failed call: the delay before the next retry, or `None` to
    /// give up ([`Backoff::next_delay`]).
    #[inline]
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        self.backoff.next_delay(&mut self.state, retry_after)
    }

    /// Like [`next_delay`](Self::next_delay) with the elapsed time given by
    /// the caller.
    #[inline]
    pub fn next_delay_elapsed(
        &mut self,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.backoff
            .next_delay_elapsed(&mut self.state, elapsed, retry_after)
    }

    /// Retries handed out so far.
    pub fn retries(&self) -> u32 {
        self.state.retries
    }

    /// Calls made so far if every delay was followed by a call: `retries + 1`.
    pub fn attempts(&self) -> u32 {
        self.state.attempts()
    }

    /// Whether the schedule has ended (gave up, or was finished).
    pub fn is_exhausted(&self) -> bool {
        self.state.done
    }

    /// Time since the schedule started under `max_elapsed`, else `None`
    /// ([`Backoff::elapsed`]).
    pub fn elapsed(&self) -> Option<Duration> {
        self.backoff.elapsed(&self.state)
    }

    /// The schedule's state as plain data.
    pub fn state(&self) -> ScheduleState {
        self.state
    }

    /// Ends the schedule (the call succeeded or was abandoned): its retries
    /// are counted in [`Backoff::metrics`] and it gives up from now on.
    /// Dropping the schedule does the same; giving up already did.
    pub fn finish(&mut self) {
        self.backoff.finish(&mut self.state);
    }
}

impl Drop for Schedule<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Why a schedule gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// It had ended before (gave up, or was finished).
    Ended,
    /// `max_attempts` reached.
    Attempts,
    /// The retry would start after `max_elapsed`.
    Elapsed,
}

/// The algorithm of `spec/backoff.md`, in nanoseconds.
#[inline(always)]
fn next_delay(
    p: &Params,
    shared: &Shared,
    st: &mut ScheduleState,
    elapsed_ns: u64,
    retry_after_ns: Option<u64>,
) -> std::result::Result<u64, Stop> {
    if st.done {
        return Err(Stop::Ended);
    }
    // 1. the retry number; call number n + 1 must fit in max_attempts.
    let n = st.retries.saturating_add(1);
    if n >= p.max_attempts {
        shared.finish(st);
        shared.exhausted_attempts.incr();
        return Err(Stop::Attempts);
    }
    // 2. un-jittered delay, 3. jitter (one draw unless jitter is none).
    let d = shared.delay(p, n);
    let mut rng = LocalRng(st.rng);
    let jittered = match p.jitter {
        Jitter::None => d,
        Jitter::Full => uniform(&mut rng, 0, d),
        Jitter::Equal => {
            let h = d / 2;
            (d - h).saturating_add(uniform(&mut rng, 0, h))
        }
        Jitter::Proportional => {
            let h = d / 2;
            (d - h)
                .saturating_add(uniform(&mut rng, 0, h.saturating_mul(2)))
                .min(p.cap_ns)
        }
        Jitter::Decorrelated => {
            let hi = st.prev_ns.saturating_mul(3).max(p.base_ns);
            let v = uniform(&mut rng, p.base_ns, hi).min(p.cap_ns);
            st.prev_ns = v;
            v
        }
    };
    st.rng = rng.0;
    // 4. a server hint replaces the delay as-is.
    let delay = retry_after_ns.unwrap_or(jittered);
    // 5. refuse a retry that would start after max_elapsed.
    if let Some(me) = p.max_elapsed_ns {
        if elapsed_ns.saturating_add(delay) > me {
            shared.finish(st);
            shared.exhausted_elapsed.incr();
            return Err(Stop::Elapsed);
        }
    }
    // Counted when the schedule ends (`Shared::finish`), not here: one
    // atomic add per schedule rather than one per delay.
    st.retries = n;
    Ok(delay)
}

/// The starting state of an unseeded schedule's stream: the next draw of
/// this thread's generator (seeded once per thread from the clock and the
/// thread's stack address), so unseeded schedules on different threads
/// share no memory at all.
fn thread_stream() -> u64 {
    use std::cell::Cell;
    std::thread_local! {
        static STREAMS: Cell<Option<(u64, LocalRng)>> = const { Cell::new(None) };
    }
    // A generator seeded before a fork() is reseeded in the child (see
    // `rng::after_fork`), so forked workers do not retry in lockstep.
    let epoch = crate::rng::fork_epoch();
    STREAMS.with(|c| {
        let mut g = match c.get() {
            Some((e, g)) if e == epoch => g,
            _ => LocalRng(entropy_seed()),
        };
        let s = g.next_u64();
        c.set(Some((epoch, g)));
        s
    })
}

/// Retries whose un-jittered delay a `Backoff` precomputes (64 × 8 bytes).
const TABLE_MAX: u32 = 64;

impl Shared {
    /// Ends a schedule: its retries join the `retries` counter once, and it
    /// gives up from now on.
    #[inline]
    fn finish(&self, st: &mut ScheduleState) {
        if !st.done {
            st.done = true;
            if st.retries > 0 {
                self.retries.add(u64::from(st.retries));
            }
        }
    }

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
fn uniform(rng: &mut LocalRng, lo: u64, hi: u64) -> u64 {
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
    fn retries_metric_counts_every_delay_of_ended_schedules() -> Result<()> {
        for j in Jitter::ALL {
            for max_elapsed in [None, Some(ms(1_500))] {
                let b = Backoff::new(BackoffConfig {
                    max_elapsed,
                    ..cfg(BackoffKind::Exponential, j)
                })?;
                let mut handed_out = 0u64;
                for k in 0..30u64 {
                    let mut s = b.schedule();
                    let mut mine = 0u64;
                    // Some schedules stop early (the call succeeded).
                    for _ in 0..(k % 12) {
                        let hint = (k % 3 == 0).then(|| ms(5));
                        match s.next_delay_elapsed(ms(100 * k), hint) {
                            Some(_) => mine += 1,
                            None => break,
                        }
                    }
                    let live = !s.is_exhausted();
                    let before = b.metrics().retries;
                    // Ended by giving up: already counted; else not yet.
                    let expect = if live { handed_out } else { handed_out + mine };
                    assert_eq!(before, expect, "{j:?} {max_elapsed:?} k={k}");
                    // ...and ended here by each of the three ways.
                    match k % 3 {
                        0 => drop(s),
                        1 => s.finish(),
                        _ => {
                            s.finish();
                            s.finish(); // twice counts once
                            assert_eq!(s.next_delay(None), None, "finished gives up");
                        }
                    }
                    handed_out += mine;
                    assert_eq!(
                        b.metrics().retries,
                        handed_out,
                        "{j:?} {max_elapsed:?} k={k}"
                    );
                }
            }
        }
        Ok(())
    }

    #[test]
    fn schedules_draw_independent_streams() -> Result<()> {
        // Interleaving two schedules gives each the delays it has alone:
        // schedule k's stream starts at seed + mix(k) whatever the others do.
        let b1 = Backoff::new(cfg(BackoffKind::Exponential, Jitter::Full))?;
        let (mut x, mut y) = (b1.schedule(), b1.schedule());
        let mut interleaved = (Vec::new(), Vec::new());
        for _ in 0..9 {
            interleaved.0.push(x.next_delay(None));
            interleaved.1.push(y.next_delay(None));
        }
        let b2 = Backoff::new(cfg(BackoffKind::Exponential, Jitter::Full))?;
        let alone0: Vec<_> = {
            let mut s = b2.schedule();
            (0..9).map(|_| s.next_delay(None)).collect()
        };
        let alone1: Vec<_> = {
            let mut s = b2.schedule();
            (0..9).map(|_| s.next_delay(None)).collect()
        };
        assert_eq!(interleaved.0, alone0);
        assert_eq!(interleaved.1, alone1);
        assert_ne!(alone0, alone1, "different schedules, different streams");
        // The plain-data form gives the same answers as a Schedule.
        let clock = ManualClock::new();
        let b3 = Backoff::with_clock(cfg(BackoffKind::Exponential, Jitter::Decorrelated), &clock)?;
        let b4 = Backoff::with_clock(cfg(BackoffKind::Exponential, Jitter::Decorrelated), &clock)?;
        let (mut st, mut s) = (b3.start(), b4.schedule());
        assert_eq!(st, s.state());
        for _ in 0..10 {
            assert_eq!(b3.next_delay(&mut st, None), s.next_delay(None));
        }
        assert_eq!(st, s.state());
        assert!(st.is_exhausted() && st.retries() == 9);
        // ...and so does the nanosecond form, hints and elapsed included.
        let b5 = Backoff::with_clock(
            BackoffConfig {
                max_elapsed: Some(ms(3_000)),
                ..cfg(BackoffKind::Exponential, Jitter::Decorrelated)
            },
            &clock,
        )?;
        let b6 = Backoff::with_clock(*b5.config(), &clock)?;
        let (mut x, mut y) = (b5.start(), b6.start());
        for i in 0..12u64 {
            let hint = (i % 4 == 1).then_some(7_000_000);
            let el = (i % 3 == 0).then_some(i * 90_000_000);
            let want = match el {
                Some(e) => b6.next_delay_elapsed(
                    &mut y,
                    Duration::from_nanos(e),
                    hint.map(Duration::from_nanos),
                ),
                None => b6.next_delay(&mut y, hint.map(Duration::from_nanos)),
            };
            assert_eq!(
                b5.next_delay_ns(&mut x, el, hint).map(Duration::from_nanos),
                want,
                "step {i}"
            );
            clock.advance(ms(100));
        }
        assert_eq!(x, y);
        Ok(())
    }

    #[test]
    fn unseeded_schedules_get_distinct_streams_and_are_counted() -> Result<()> {
        let b = Backoff::new(BackoffConfig {
            seed: None,
            ..cfg(BackoffKind::Exponential, Jitter::Full)
        })?;
        let here: Vec<u64> = (0..50).map(|_| b.start().rng).collect();
        let there = std::thread::scope(|sc| {
            sc.spawn(|| (0..50).map(|_| b.start().rng).collect::<Vec<u64>>())
                .join()
                .unwrap_or_default()
        });
        let mut all: Vec<u64> = here.iter().chain(there.iter()).copied().collect();
        assert_eq!(all.len(), 100);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 100, "every schedule its own stream");
        assert_eq!(b.metrics().schedules, 100);
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
        assert_eq!(s.elapsed(), Some(ms(900)));
        let untimed = Backoff::with_clock(cfg(BackoffKind::Constant, Jitter::None), &clock)?;
        assert_eq!(
            untimed.schedule().elapsed(),
            None,
            "no max_elapsed, no clock"
        );
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

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
    #[inline(always)]
    pub fn next_delay(
        &self,
        state: &mut ScheduleState,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let elapsed_ns = self.elapsed_ns(state);
        self.step(state, elapsed_ns, retry_after.map(duration_to_ns))
            .ok()
            .map(Duration::from_nanos)
    }

    /// Like [`next_delay`](Self::next_delay) with the elapsed time given by
    /// the caller (for callers that keep their own time).
    #[inline(always)]
    pub fn next_delay_elapsed(
        &self,
        state: &mut ScheduleState,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.step(
            state,
            duration_to_ns(elapsed),
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
    #[inline(always)]
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
        self.step(state, elapsed_ns, retry_after_ns).ok()
    }

    /// One step of the schedule `st`: the algorithm of `spec/backoff.md`,
    /// in nanoseconds, behind every entry point above (which differ only
    /// in units and in where the elapsed time comes from) and the retry
    /// run. The delay, or why the schedule gives up. Always inlined: one
    /// call per delay costs as much as the jitter.
    #[inline(always)]
    pub(crate) fn step(
        &self,
        st: &mut ScheduleState,
        elapsed_ns: u64,
        retry_after_ns: Option<u64>,
    ) -> std::result::Result<u64, Stop> {
        let (p, shared): (&Params, &Shared) = (&self.params, &self.shared);
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
mod tests;

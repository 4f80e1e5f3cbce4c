//! Circuit breaker: stops calling a dependency that keeps failing, then
//! probes it before letting traffic through again.
//!
//! States and transitions (full contract in `spec/circuit_breaker.md`):
//!
//! ```text
//!            trip rule fires                     open_duration elapsed
//! closed ───────────────────────▶ open ─────────────────────────────▶ half_open
//!    ▲                             ▲   (on the next try_acquire)          │
//!    │                             └───── a probe fails (or is slow) ─────┤
//!    └─────────── success_threshold probes succeed ──────────────────────┘
//! any state ── force_open() / disable() / metrics_only() / reset() ──▶ forced_open / disabled / metrics_only / closed
//! ```
//!
//! The hot path is lock-free and allocation-free: in the closed state
//! [`try_acquire`](CircuitBreaker::try_acquire) is one atomic load, and
//! [`record`](CircuitBreaker::record) is a few atomic read-modify-writes on
//! the window. Every transition is one compare-and-swap on a packed state
//! word that carries a generation, so concurrent failures crossing a
//! threshold trip the breaker exactly once and outcomes of permits issued
//! before a transition cannot change the new state.
//!
//! ```
//! use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome, State};
//! use seawall::ManualClock;
//! use std::time::Duration;
//!
//! let clock = ManualClock::new();
//! let cfg = Config { failure_count_threshold: Some(2), ..Config::default() };
//! let cb = CircuitBreaker::with_clock(cfg, &clock)?;
//! for _ in 0..2 {
//!     let permit = cb.try_acquire().map_err(seawall::Error::from)?;
//!     cb.record(permit, Outcome::Failure, Duration::from_millis(3));
//! }
//! assert_eq!(cb.state(), State::Open);
//! let rejected = cb.try_acquire().unwrap_err();
//! assert_eq!(rejected.retry_after, Duration::from_secs(60));
//! clock.advance(Duration::from_secs(60));
//! let probe = cb.try_acquire().map_err(seawall::Error::from)?;
//! assert!(probe.is_probe());
//! # Ok::<(), seawall::Error>(())
//! ```

mod call;
mod config;
mod state;
mod window;

pub use call::CallError;
pub use config::{
    Config, WindowKind, MAX_COUNT_WINDOW, MAX_FAILURE_COUNT, MAX_MINIMUM_CALLS, MAX_MULTIPLIER,
    MAX_TIME_WINDOW_SECS,
};
#[cfg(all(unix, not(seawall_loom)))]
pub use shared::TransitionWatcher;
pub use state::{Permit, State, MAX_HALF_OPEN_CALLS};

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::{Error, Result};
use crate::place::Place;
use crate::sync::{AtomicU64, Ordering, Padded};
use crate::validate::MAX_DURATION;
use state::Word;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use window::{CountWindow, Counts, FailureRing, TimeWindow};

/// The outcome of a call, as the caller classified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The call succeeded (it may still be slow).
    Success,
    /// The call failed.
    Failure,
    /// The outcome says nothing about the dependency's health (e.g. a
    /// client-side validation error): counted in `metrics().ignored` only;
    /// a half-open probe recorded as ignored gives its slot back.
    Ignored,
}

impl Outcome {
    /// The wire name: `success`, `failure` or `ignored`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Ignored => "ignored",
        }
    }

    /// Parses a wire name; unknown names are `InvalidArgument` naming `field`.
    pub fn parse(field: &'static str, name: &str) -> Result<Outcome> {
        match name {
            "success" => Ok(Outcome::Success),
            "failure" => Ok(Outcome::Failure),
            "ignored" => Ok(Outcome::Ignored),
            other => Err(Error::argument(
                field,
                format!("must be \"success\", \"failure\" or \"ignored\", got {other:?}"),
            )),
        }
    }
}

/// A rejected [`try_acquire`](CircuitBreaker::try_acquire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// The state that rejected the call: `open`, `half_open` (every probe
    /// slot taken) or `forced_open`.
    pub state: State,
    /// Open: time until the breaker will admit a probe. Half-open with every
    /// slot taken, and forced open: the current open duration (a hint; the
    /// breaker cannot know when it will admit again).
    pub retry_after: Duration,
}

impl From<Rejected> for Error {
    fn from(r: Rejected) -> Error {
        Error::CircuitOpen {
            retry_after: r.retry_after,
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "circuit {}; retry after {:?}",
            self.state, self.retry_after
        )
    }
}

impl std::error::Error for Rejected {}

/// A state change, passed to listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// Clock time of the transition (ns).
    pub at_ns: u64,
}

impl fmt::Display for Transition {
    /// `from->to`, e.g. `closed->open` (the form used in `spec/vectors`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}", self.from, self.to)
    }
}

/// Identifies a listener for [`CircuitBreaker::remove_listener`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(pub u64);

/// A transition listener.
pub type Listener = Box<dyn Fn(Transition) + Send + Sync + 'static>;

/// A registered listener. Dropped (and the closure with it, which is how
/// a binding learns that the listener can no longer fire) when it is
/// removed and no notifying thread holds it any more.
struct Entry {
    id: u64,
    f: Listener,
    /// Set by `remove_listener`: a notifying thread still holding the
    /// entry starts no new call.
    removed: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Listeners {
    next_id: u64,
    list: Arc<[Arc<Entry>]>,
}

std::thread_local! {
    /// How many listener calls (of any breaker) this thread is inside.
    static IN_LISTENER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Whether the calling thread is inside a transition listener (of any
/// breaker): `remove_listener` then does not wait for running calls.
pub fn in_listener() -> bool {
    IN_LISTENER.with(|d| d.get() != 0)
}

/// A snapshot of the breaker's state and counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Current state.
    pub state: State,
    /// Outcomes recorded (successes + failures + ignored), stale permits
    /// included; nothing is counted while disabled.
    pub calls: u64,
    /// Successful outcomes recorded.
    pub successes: u64,
    /// Failed outcomes recorded.
    pub failures: u64,
    /// Recorded successes and failures slower than
    /// `slow_call_duration_threshold`.
    pub slow: u64,
    /// Ignored outcomes recorded.
    pub ignored: u64,
    /// Rejected `try_acquire` calls.
    pub rejected: u64,
    /// State transitions so far.
    pub transitions: u64,
    /// Calls in the rate window now.
    pub buffered_calls: u64,
    /// Failures in the rate window now.
    pub buffered_failures: u64,
    /// Slow calls in the rate window now.
    pub buffered_slow: u64,
    /// `buffered_failures / buffered_calls` once the window holds
    /// `minimum_number_of_calls`, else `None`.
    pub failure_rate: Option<f64>,
    /// `buffered_slow / buffered_calls`, same condition.
    pub slow_call_rate: Option<f64>,
    /// The count the failure-count rule compares: failures in a row, or
    /// failures younger than `failure_count_period`.
    pub failure_count: u64,
    /// Half-open probes admitted and not yet finished.
    pub half_open_in_flight: u32,
    /// Half-open probes that succeeded in this episode.
    pub half_open_successes: u32,
    /// The open duration of the current or last open episode.
    pub open_duration: Duration,
}

// The count window is large only because its hot atomics are padded to their
// own cache lines; there is one per breaker and it never moves, and boxing it
// would put a pointer chase on the hot path.
#[allow(clippy::large_enum_variant)]
enum RateWindow {
    Count(CountWindow),
    Time(TimeWindow),
}

/// A thread-safe circuit breaker. See the [module docs](self) for an example.
pub struct CircuitBreaker {
    cfg: Config,
    clock: ClockSource,
    /// The state and the fields below are inline, or in a shared region
    /// (`spec/shared_memory.md`); the code is the same.
    word: Place<AtomicU64>,
    /// Open episode data, written by the thread whose CAS opened the breaker,
    /// then published by storing the generation into `deadline_gen`.
    deadline_ns: Place<AtomicU64>,
    deadline_gen: Place<AtomicU64>,
    cur_open_ns: Place<AtomicU64>,
    window: RateWindow,
    ring: Option<FailureRing>,
    // precomputed
    slow_threshold: Duration,
    /// A consecutive-failures rule (count threshold without a period) is
    /// configured, so a success resets the run.
    resets_consecutive: bool,
    base_open_ns: u64,
    max_open_ns: u64,
    period_ns: u64,
    listeners: Mutex<Listeners>,
    /// Written on failures, rejections and transitions, not on the closed
    /// success path; kept off the lines of the read-mostly fields above.
    counters: Place<Padded<Counters>>,
    /// In a shared region: the transition log, probe holders and what this
    /// process has heard about. `None` on the heap.
    #[cfg(all(unix, not(seawall_loom)))]
    shared: Option<Box<shared::Extra>>,
}

/// Lifetime counters. A success recorded into a count window is not counted
/// here: the window's cursor counts every outcome it records, so those
/// successes are `cursor - window_failures` (one atomic add fewer on the
/// hottest path).
#[derive(Debug, Default)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
struct Counters {
    consecutive: AtomicU64,
    /// Successes not recorded into a count window (time window, half-open,
    /// stale permits).
    other_successes: AtomicU64,
    /// Failures recorded into the count window; incremented before the
    /// cursor, so `cursor - window_failures` never counts a failure as a
    /// success.
    window_failures: AtomicU64,
    other_failures: AtomicU64,
    /// The largest count-window success total `metrics` has reported, so a
    /// failure caught between its two increments never makes the reported
    /// count go down.
    window_successes_seen: AtomicU64,
    slow: AtomicU64,
    ignored: AtomicU64,
    rejected: AtomicU64,
    transitions: AtomicU64,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("config", &self.cfg)
            .finish_non_exhaustive()
    }
}

const NO_GEN: u64 = u64::MAX;

impl CircuitBreaker {
    /// A breaker on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: Config) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A breaker on the given clock (e.g. a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(cfg: Config, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let window = match cfg.window_kind {
            WindowKind::CountBased => RateWindow::Count(CountWindow::new(cfg.window_size)),
            WindowKind::TimeBased => RateWindow::Time(TimeWindow::new(cfg.window_size)),
        };
        let ring = match (cfg.failure_count_threshold, cfg.failure_count_period) {
            (Some(n), Some(_)) => Some(FailureRing::new(n)),
            _ => None,
        };
        let base_open_ns = duration_to_ns(cfg.open_duration);
        Ok(CircuitBreaker {
            clock: clock.into(),
            word: Place::Local(AtomicU64::new(Word::new(State::Closed, 0).0)),
            deadline_ns: Place::Local(AtomicU64::new(0)),
            deadline_gen: Place::Local(AtomicU64::new(NO_GEN)),
            cur_open_ns: Place::Local(AtomicU64::new(base_open_ns)),
            window,
            ring,
            slow_threshold: cfg.slow_call_duration_threshold,
            resets_consecutive: cfg.failure_count_threshold.is_some()
                && cfg.failure_count_period.is_none(),
            base_open_ns,
            max_open_ns: duration_to_ns(cfg.max_open_duration.unwrap_or(MAX_DURATION)),
            period_ns: cfg.failure_count_period.map_or(0, duration_to_ns),
            listeners: Mutex::new(Listeners::default()),
            counters: Place::Local(Padded(Counters::default())),
            #[cfg(all(unix, not(seawall_loom)))]
            shared: None,
            cfg,
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    #[inline]
    fn load(&self) -> Word {
        Word(self.word.load(Ordering::Acquire))
    }

    /// The current state. Pure read: an open breaker whose open duration has
    /// passed still reports `Open` until the next `try_acquire` moves it to
    /// half-open.
    pub fn state(&self) -> State {
        let w = self.load();
        self.notice(w);
        w.state()
    }

    /// In a shared region, fires this process's listeners for transitions
    /// other processes made since this one last looked (each once, in
    /// order). Every call (`try_acquire`, `record`, `release`, `state`,
    /// `metrics`) does this; a process that makes no calls can call this
    /// from a timer. Does nothing on the heap.
    pub fn poll_transitions(&self) {
        self.notice(self.load());
    }

    /// Region only: a transition this process has not heard about yet?
    #[inline(always)]
    fn notice(&self, _w: Word) {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(x) = &self.shared {
            if x.behind(_w) {
                self.catch_up(x, _w);
            }
        }
    }

    /// Asks to make one call. `Ok(permit)`: make the call, then finish the
    /// permit with [`record`](Self::record) or [`release`](Self::release).
    /// `Err(Rejected)`: don't call; convert with `Error::from` for
    /// `Error::CircuitOpen { retry_after }`.
    ///
    /// Closed, disabled and metrics-only: always admitted (closed is one
    /// atomic load). Open: rejected until the open duration has passed, then
    /// the first caller moves the breaker to half-open and gets the first
    /// probe. Half-open: at most `half_open_max_calls` probes are admitted
    /// per episode (a released probe gives its slot back). Forced open:
    /// always rejected.
    #[inline]
    pub fn try_acquire(&self) -> std::result::Result<Permit, Rejected> {
        let w = self.load();
        self.notice(w);
        if w.state() == State::Closed {
            return Ok(Permit::new(State::Closed, 0, w.generation()));
        }
        self.try_acquire_slow(w)
    }

    fn try_acquire_slow(&self, mut w: Word) -> std::result::Result<Permit, Rejected> {
        let mut now: Option<u64> = None;
        loop {
            match w.state() {
                s @ (State::Closed | State::Disabled | State::MetricsOnly) => {
                    return Ok(Permit::new(s, 0, w.generation()));
                }
                State::ForcedOpen => return Err(self.reject(State::ForcedOpen, self.cur_open())),
                State::Open => {
                    if self.deadline_gen.load(Ordering::Acquire) != u64::from(w.generation()) {
                        // The opening thread has not published the deadline yet.
                        return Err(self.reject(State::Open, self.cur_open()));
                    }
                    let deadline = self.deadline_ns.load(Ordering::Acquire);
                    let t = *now.get_or_insert_with(|| self.clock.now_ns());
                    if t < deadline {
                        return Err(self.reject(State::Open, Duration::from_nanos(deadline - t)));
                    }
                    let next = w.next(State::HalfOpen).with_masks(1, 0);
                    self.note_probe(0, next.generation());
                    match self.cas(w, next) {
                        Ok(()) => {
                            self.note_probe(0, next.generation());
                            self.after_transition(
                                State::Open,
                                State::HalfOpen,
                                next.generation(),
                                t,
                            );
                            return Ok(Permit::new(State::HalfOpen, 0, next.generation()));
                        }
                        Err(actual) => w = actual,
                    }
                }
                State::HalfOpen => {
                    let full = (1u32 << self.cfg.half_open_max_calls) - 1;
                    let free = !w.taken() & full;
                    if free == 0 {
                        if self.reclaim_probes(w, false) > 0 {
                            w = self.load();
                            continue;
                        }
                        return Err(self.reject(State::HalfOpen, self.cur_open()));
                    }
                    let slot = free.trailing_zeros();
                    let next = w.with_masks(w.taken() | (1 << slot), w.succeeded());
                    self.note_probe(slot, w.generation());
                    match self.cas(w, next) {
                        Ok(()) => {
                            self.note_probe(slot, w.generation());
                            return Ok(Permit::new(State::HalfOpen, slot as u8, w.generation()));
                        }
                        Err(actual) => w = actual,
                    }
                }
            }
        }
    }

    /// Region only: records this process as the holder of probe `slot` of
    /// generation `gen` (before the CAS that takes it, and again after).
    #[inline]
    fn note_probe(&self, slot: u32, gen: u32) {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(x) = &self.shared {
            x.note_probe(slot, gen);
        }
        let _ = (slot, gen);
    }

    /// Region only: frees probe slots of `w`'s episode held by dead
    /// processes (at most every 100 ms unless `force`); how many.
    fn reclaim_probes(&self, w: Word, force: bool) -> u32 {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(x) = &self.shared {
            return self.reclaim_probes_in(x, w, force);
        }
        let _ = (w, force);
        0
    }

    fn reject(&self, state: State, retry_after: Duration) -> Rejected {
        self.counters.rejected.fetch_add(1, Ordering::Relaxed);
        Rejected { state, retry_after }
    }

    fn cur_open(&self) -> Duration {
        Duration::from_nanos(self.cur_open_ns.load(Ordering::Acquire))
    }

    #[inline]
    fn cas(&self, from: Word, to: Word) -> std::result::Result<(), Word> {
        self.word
            .compare_exchange(from.0, to.0, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(Word)
    }

    /// Records the outcome of the call `permit` admitted, and how long it
    /// took (`duration > slow_call_duration_threshold` makes it slow).
    ///
    /// Closed: the outcome enters the rate window and the failure count;
    /// a rule that fires trips the breaker. Metrics-only: recorded, never
    /// trips. Half-open probe: a success (not slow) counts toward
    /// `success_threshold`; a failure, or a slow success while the slow-call
    /// rule is enabled, re-opens the breaker; `Ignored` gives the slot back.
    /// A stale permit (issued before the last transition) only counts in the
    /// lifetime counters. Disabled permits record nothing.
    #[inline]
    pub fn record(&self, permit: Permit, outcome: Outcome, duration: Duration) {
        #[cfg(all(unix, not(seawall_loom)))]
        if self.shared.is_some() {
            self.notice(self.load());
        }
        // The hot case: a success on a closed permit whose generation is
        // still the current closed state (the word is then exactly
        // `Word::new(Closed, generation)`: closed has empty masks), with a
        // count window. Same steps as `record_closed`, fewer branches.
        if outcome == Outcome::Success && permit.kind() == State::Closed as u8 {
            if let RateWindow::Count(cw) = &self.window {
                let w = self.load();
                if w == Word::new(State::Closed, permit.generation()) {
                    self.record_closed_success(w, cw, duration > self.slow_threshold);
                    return;
                }
            }
        }
        self.record_any(permit, outcome, duration);
    }

    /// A fresh success in the closed state with a count window.
    #[inline]
    fn record_closed_success(&self, w: Word, cw: &CountWindow, slow: bool) {
        if slow {
            self.counters.slow.fetch_add(1, Ordering::Relaxed);
        }
        if self.resets_consecutive {
            let c = &self.counters.consecutive;
            if c.load(Ordering::Relaxed) != 0 {
                c.store(0, Ordering::Release);
            }
        }
        // The cursor counts the success (see `Counters`).
        let totals = if slow {
            cw.record_raw(false, true)
        } else {
            match cw.record_plain_success() {
                Some(t) => t,
                None => return, // a window of plain successes: no rule fires
            }
        };
        if window::all_good(totals) {
            return; // no failure or slow call in the window: no rule fires
        }
        if self.rates_trip(window::decode(totals)) {
            self.trip(w, None);
        }
    }

    fn record_any(&self, permit: Permit, outcome: Outcome, duration: Duration) {
        if permit.state() == Some(State::Disabled) {
            return;
        }
        // Comparing durations (both <= MAX_DURATION or saturating above it)
        // is the same test as comparing nanoseconds, without the u128.
        let slow = outcome != Outcome::Ignored && duration > self.slow_threshold;
        if slow {
            self.counters.slow.fetch_add(1, Ordering::Relaxed);
        }
        let w = self.load();
        let fresh = w.generation() == permit.generation() && w.kind() == u64::from(permit.kind());
        if fresh
            && outcome != Outcome::Ignored
            && matches!(w.state(), State::Closed | State::MetricsOnly)
        {
            // Counts the outcome in the lifetime counters too.
            self.record_closed(w, outcome == Outcome::Failure, slow);
            return;
        }
        let c = &self.counters;
        match outcome {
            Outcome::Success => c.other_successes.fetch_add(1, Ordering::Relaxed),
            Outcome::Failure => c.other_failures.fetch_add(1, Ordering::Relaxed),
            Outcome::Ignored => c.ignored.fetch_add(1, Ordering::Relaxed),
        };
        if !fresh {
            return; // stale
        }
        match w.state() {
            State::Closed | State::MetricsOnly => {} // ignored: counted above
            State::HalfOpen => {
                let bad = outcome == Outcome::Failure
                    || (slow && self.cfg.slow_call_rate_threshold.is_some());
                match outcome {
                    Outcome::Ignored => self.release_probe(w, permit),
                    _ if bad => self.fail_probe(w, permit),
                    _ => self.succeed_probe(w, permit),
                }
            }
            State::Open | State::Disabled | State::ForcedOpen => {}
        }
    }

    /// `record(permit, Outcome::Success, duration)`.
    pub fn record_success(&self, permit: Permit, duration: Duration) {
        self.record(permit, Outcome::Success, duration);
    }

    /// `record(permit, Outcome::Failure, duration)`.
    pub fn record_failure(&self, permit: Permit, duration: Duration) {
        self.record(permit, Outcome::Failure, duration);
    }

    /// `record(permit, Outcome::Ignored, Duration::ZERO)`.
    pub fn record_ignored(&self, permit: Permit) {
        self.record(permit, Outcome::Ignored, Duration::ZERO);
    }

    /// Finishes a permit whose call produced no outcome (cancelled, or
    /// rejected by a later policy stage). Records nothing; a half-open probe
    /// gives its slot back. Stale permits and repeated releases do nothing.
    pub fn release(&self, permit: Permit) {
        if permit.is_probe() {
            let w = self.load();
            self.release_probe(w, permit);
        }
    }

    /// Records a fresh success or failure in the closed or metrics-only
    /// state (lifetime counters included) and trips if a rule fires.
    fn record_closed(&self, w: Word, failure: bool, slow: bool) {
        let mut now: Option<u64> = None;
        let mut trip = false;
        let counters = &self.counters;
        if let Some(n) = self.cfg.failure_count_threshold {
            match &self.ring {
                Some(ring) => {
                    if failure {
                        let t = *now.get_or_insert_with(|| self.clock.now_ns());
                        trip |= ring.record(t, self.period_ns);
                    }
                }
                None => {
                    if failure {
                        trip |= counters
                            .consecutive
                            .fetch_add(1, Ordering::AcqRel)
                            .saturating_add(1)
                            >= n;
                    } else if counters.consecutive.load(Ordering::Relaxed) != 0 {
                        counters.consecutive.store(0, Ordering::Release);
                    }
                }
            }
        }
        let counts = match &self.window {
            RateWindow::Count(cw) => {
                // The cursor counts the outcome; a failure is also counted
                // apart, first (see `Counters`).
                if failure {
                    counters.window_failures.fetch_add(1, Ordering::AcqRel);
                }
                cw.record(failure, slow)
            }
            RateWindow::Time(tw) => {
                if failure {
                    counters.other_failures.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.other_successes.fetch_add(1, Ordering::Relaxed);
                }
                let t = *now.get_or_insert_with(|| self.clock.now_ns());
                tw.record(t, failure, slow)
            }
        };
        trip |= self.rates_trip(counts);
        if trip {
            self.trip(w, now);
        }
    }

    /// Closed (as seen in `w`) to open, unless another transition came first.
    fn trip(&self, w: Word, now: Option<u64>) {
        if w.state() == State::Closed {
            let t = now.unwrap_or_else(|| self.clock.now_ns());
            let next = w.next(State::Open);
            if self.cas(w, next).is_ok() {
                self.after_transition(State::Closed, State::Open, next.generation(), t);
            }
        }
    }

    #[inline]
    fn rates_trip(&self, c: Counts) -> bool {
        // Thresholds are > 0, so a window without failures or slow calls
        // never trips: skip the divisions on the all-success path.
        if (c.failures | c.slow) == 0 || c.calls == 0 || c.calls < self.cfg.minimum_number_of_calls
        {
            return false;
        }
        let over = |n: u64, threshold: Option<f64>| {
            threshold.is_some_and(|t| n as f64 / c.calls as f64 >= t)
        };
        over(c.failures, self.cfg.failure_rate_threshold)
            || over(c.slow, self.cfg.slow_call_rate_threshold)
    }

    fn succeed_probe(&self, mut w: Word, p: Permit) {
        let bit = 1u32 << (p.slot() & 0xF);
        let mut cleared = false;
        loop {
            if !self.is_live_probe(w, p, bit) {
                return;
            }
            let succeeded = w.succeeded() | bit;
            if u64::from(succeeded.count_ones()) >= self.cfg.success_threshold {
                if !cleared {
                    self.clear_windows();
                    cleared = true;
                }
                let next = w.next(State::Closed);
                match self.cas(w, next) {
                    Ok(()) => {
                        let now = self.clock.now_ns();
                        self.after_transition(
                            State::HalfOpen,
                            State::Closed,
                            next.generation(),
                            now,
                        );
                        return;
                    }
                    Err(a) => w = a,
                }
            } else {
                match self.cas(w, w.with_masks(w.taken(), succeeded)) {
                    Ok(()) => return,
                    Err(a) => w = a,
                }
            }
        }
    }

    fn fail_probe(&self, mut w: Word, p: Permit) {
        let bit = 1u32 << (p.slot() & 0xF);
        while self.is_live_probe(w, p, bit) {
            let next = w.next(State::Open);
            match self.cas(w, next) {
                Ok(()) => {
                    let now = self.clock.now_ns();
                    self.after_transition(State::HalfOpen, State::Open, next.generation(), now);
                    return;
                }
                Err(a) => w = a,
            }
        }
    }

    fn release_probe(&self, mut w: Word, p: Permit) {
        let bit = 1u32 << (p.slot() & 0xF);
        while self.is_live_probe(w, p, bit) {
            match self.cas(w, w.with_masks(w.taken() & !bit, w.succeeded())) {
                Ok(()) => return,
                Err(a) => w = a,
            }
        }
    }

    /// The probe belongs to the current half-open episode and is in flight
    /// (admitted, not yet finished).
    #[inline]
    fn is_live_probe(&self, w: Word, p: Permit, bit: u32) -> bool {
        w.state() == State::HalfOpen
            && p.is_probe()
            && w.generation() == p.generation()
            && u64::from(p.slot()) < self.cfg.half_open_max_calls
            && w.taken() & bit != 0
            && w.succeeded() & bit == 0
    }

    fn clear_windows(&self) {
        match &self.window {
            RateWindow::Count(cw) => cw.clear(),
            RateWindow::Time(tw) => tw.clear(),
        }
        if let Some(r) = &self.ring {
            r.clear();
        }
        self.counters.consecutive.store(0, Ordering::Release);
    }

    /// Bookkeeping by the thread whose CAS made the transition, then the
    /// listeners (outside any lock the hot path takes).
    fn after_transition(&self, from: State, to: State, new_gen: u32, now: u64) {
        match to {
            State::Open => {
                let dur = if from == State::HalfOpen {
                    let cur = self.cur_open_ns.load(Ordering::Acquire);
                    let grown = cur as f64 * self.cfg.open_duration_multiplier;
                    if grown.is_finite() && grown < self.max_open_ns as f64 {
                        (grown as u64).max(cur)
                    } else {
                        self.max_open_ns
                    }
                } else {
                    self.base_open_ns
                };
                self.cur_open_ns.store(dur, Ordering::Release);
                self.deadline_ns
                    .store(now.saturating_add(dur), Ordering::Release);
                self.publish_deadline(new_gen);
            }
            State::Closed => self.cur_open_ns.store(self.base_open_ns, Ordering::Release),
            _ => {}
        }
        self.counters.transitions.fetch_add(1, Ordering::Relaxed);
        let t = Transition {
            from,
            to,
            at_ns: now,
        };
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(x) = &self.shared {
            // Logged for every process; this one hears it (and any other
            // it missed) in order, once, like the others.
            x.log(new_gen, t);
            self.catch_up(x, self.load());
            return;
        }
        self.notify(t);
    }

    /// Marks the deadline as belonging to `new_gen`, unless a newer open
    /// episode has already published its own (a thread delayed between its
    /// CAS and here must not hide a later episode's deadline).
    fn publish_deadline(&self, new_gen: u32) {
        let mut cur = self.deadline_gen.load(Ordering::Acquire);
        loop {
            if cur != NO_GEN {
                let ahead = new_gen.wrapping_sub(cur as u32) & state::GEN_MASK;
                if ahead == 0 || ahead >= (state::GEN_MASK >> 1) {
                    return;
                }
            }
            match self.deadline_gen.compare_exchange(
                cur,
                u64::from(new_gen),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(a) => cur = a,
            }
        }
    }

    fn notify(&self, t: Transition) {
        let list = {
            let guard = self
                .listeners
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if guard.list.is_empty() {
                return;
            }
            Arc::clone(&guard.list)
        };
        // `remove_listener` waits until no snapshot holds a removed entry,
        // so a call running here keeps it waiting.
        for e in list.iter() {
            if e.removed.load(std::sync::atomic::Ordering::Acquire) {
                continue;
            }
            IN_LISTENER.with(|d| d.set(d.get().saturating_add(1)));
            // A panicking listener must not poison the breaker.
            let _ = catch_unwind(AssertUnwindSafe(|| (e.f)(t)));
            IN_LISTENER.with(|d| d.set(d.get().saturating_sub(1)));
        }
    }

    fn force(&self, to: State) {
        let mut w = self.load();
        let mut cleared = false;
        loop {
            let from = w.state();
            if from == to && to != State::Closed {
                return;
            }
            if matches!(to, State::Closed | State::MetricsOnly) && !cleared {
                self.clear_windows();
                cleared = true;
            }
            match self.cas(w, w.next(to)) {
                Ok(()) => break,
                Err(a) => w = a,
            }
        }
        let from = w.state();
        if to == State::Closed {
            self.cur_open_ns.store(self.base_open_ns, Ordering::Release);
        }
        if from != to {
            let now = self.clock.now_ns();
            self.after_transition(from, to, w.generation().wrapping_add(1), now);
        }
    }

    /// Holds the breaker open (every call rejected) until [`reset`](Self::reset).
    pub fn force_open(&self) {
        self.force(State::ForcedOpen);
    }

    /// Admits every call and records nothing until [`reset`](Self::reset).
    pub fn disable(&self) {
        self.force(State::Disabled);
    }

    /// Admits every call and records outcomes (fresh windows) without ever
    /// tripping, until [`reset`](Self::reset).
    pub fn metrics_only(&self) {
        self.force(State::MetricsOnly);
    }

    /// Back to closed with fresh windows and the base open duration, from
    /// any state. Every permit issued before is stale afterwards. Listeners
    /// hear about it unless the breaker was already closed.
    pub fn reset(&self) {
        self.force(State::Closed);
    }

    /// Registers a listener called after every transition, on the thread
    /// that made it, outside any lock. A listener that panics is caught and
    /// ignored. May be called from inside a listener.
    ///
    /// Lifetime: the closure is dropped exactly once, when it can no longer
    /// be called: after [`remove_listener`](Self::remove_listener) once no
    /// thread is still notifying with it, or when the breaker is dropped.
    /// A binding that hands the listener data it must free frees it in the
    /// closure's `Drop`.
    pub fn on_transition(&self, f: Listener) -> ListenerId {
        let mut g = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        g.next_id += 1;
        let id = g.next_id;
        let mut v: Vec<Arc<Entry>> = g.list.iter().cloned().collect();
        v.push(Arc::new(Entry {
            id,
            f,
            removed: std::sync::atomic::AtomicBool::new(false),
        }));
        g.list = v.into();
        ListenerId(id)
    }

    /// Removes a listener; `false` if it was not registered. No new call
    /// of it starts; a call already running on another thread may still be
    /// finishing, and the last one drops the closure when it returns (at
    /// once if none runs). Never blocks: for a binding whose listeners need
    /// a lock the caller may hold (Python's GIL). See
    /// [`remove_listener_and_wait`](Self::remove_listener_and_wait).
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.remove(id, false)
    }

    /// [`remove_listener`](Self::remove_listener), then waits until no
    /// thread is running the listener: when it returns `true`, the listener
    /// will not run again and its closure has been dropped, so whatever it
    /// captured may be freed. Except from inside a listener (of any
    /// breaker; see [`in_listener`]): waiting there could deadlock, so it
    /// returns at once, as `remove_listener` does. The caller must not hold
    /// a lock the listener takes.
    pub fn remove_listener_and_wait(&self, id: ListenerId) -> bool {
        self.remove(id, true)
    }

    fn remove(&self, id: ListenerId, wait: bool) -> bool {
        use std::sync::atomic::Ordering::Release;
        let entry = {
            let mut g = self
                .listeners
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let Some(entry) = g.list.iter().find(|e| e.id == id.0).cloned() else {
                return false;
            };
            let v: Vec<Arc<Entry>> = g.list.iter().filter(|e| e.id != id.0).cloned().collect();
            g.list = v.into();
            entry
        };
        entry.removed.store(true, Release);
        if wait && !in_listener() {
            // Wait until no notifying thread holds it (they hold it only
            // while notifying, and listeners are short): spin, then yield.
            // Then ours is the last reference and drops it here.
            let mut spins = 0u32;
            while Arc::strong_count(&entry) > 1 {
                if spins < 64 {
                    std::hint::spin_loop();
                    spins += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        }
        true
    }

    /// A snapshot of the state and counters (reads the clock once for a
    /// time-based window).
    pub fn metrics(&self) -> Metrics {
        let w = self.load();
        self.notice(w);
        let now = self.clock.now_ns();
        let c = match &self.window {
            RateWindow::Count(cw) => cw.counts(),
            RateWindow::Time(tw) => tw.counts(now),
        };
        let computable = c.calls > 0 && c.calls >= self.cfg.minimum_number_of_calls;
        let rate = |n: u64| computable.then(|| n as f64 / c.calls as f64);
        let failure_count = match &self.ring {
            Some(r) => r.live(now, self.period_ns),
            None => self.counters.consecutive.load(Ordering::Acquire),
        };
        let (in_flight, successes) = if w.state() == State::HalfOpen {
            (
                (w.taken() & !w.succeeded()).count_ones(),
                w.succeeded().count_ones(),
            )
        } else {
            (0, 0)
        };
        let k = &self.counters;
        let window_successes = match &self.window {
            RateWindow::Count(cw) => {
                // Cursor first: every failure it includes is already in
                // window_failures, so the difference never overcounts.
                let recorded = cw.recorded();
                let wf = k.window_failures.load(Ordering::Acquire);
                let now_seen = recorded.saturating_sub(wf);
                k.window_successes_seen
                    .fetch_max(now_seen, Ordering::AcqRel)
                    .max(now_seen)
            }
            RateWindow::Time(_) => 0,
        };
        let ok = window_successes.saturating_add(k.other_successes.load(Ordering::Relaxed));
        let failed = k
            .window_failures
            .load(Ordering::Relaxed)
            .saturating_add(k.other_failures.load(Ordering::Relaxed));
        let ignored = k.ignored.load(Ordering::Relaxed);
        Metrics {
            state: w.state(),
            // Derived rather than counted: one atomic add fewer per record.
            calls: ok.saturating_add(failed).saturating_add(ignored),
            successes: ok,
            failures: failed,
            slow: k.slow.load(Ordering::Relaxed),
            ignored,
            rejected: k.rejected.load(Ordering::Relaxed),
            transitions: k.transitions.load(Ordering::Relaxed),
            buffered_calls: c.calls,
            buffered_failures: c.failures,
            buffered_slow: c.slow,
            failure_rate: rate(c.failures),
            slow_call_rate: rate(c.slow),
            failure_count,
            half_open_in_flight: in_flight,
            half_open_successes: successes,
            open_duration: self.cur_open(),
        }
    }
}

#[cfg(all(unix, not(seawall_loom)))]
mod shared;

#[cfg(test)]
mod tests;

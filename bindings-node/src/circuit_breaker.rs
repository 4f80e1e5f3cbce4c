//! `CircuitBreaker`: the native half. The JS class in `lib/breaker.js` runs
//! the user's function and emits events; this side owns every decision.
//!
//! Hot calls cross once and allocate nothing: `tryAcquire()` returns the
//! permit as a number (core's `Permit::to_bits`), or a negative number for
//! a rejection (`-1 - retryAfterMs`). Transitions are queued by a core
//! listener and flagged in the return values (`EVENTS_PENDING`), so the JS
//! side drains and emits them synchronously, right after the call that
//! caused them.

use crate::clock::{source, ManualClock, Stopwatch};
use crate::conf::Opts;
use crate::ffi::{RawFn, Slab};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::circuit_breaker::{self as cb, Outcome, Permit, WindowKind};
use std::cell::RefCell;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// This module's registry: the breakers raw hot calls reach by id.
#[derive(Default)]
pub struct Registry {
    pub breakers: RefCell<Slab<Shared>>,
}

crate::thread_ctx!(Registry);

/// Added to a granted permit's bits when transitions are waiting to be drained.
pub const EVENTS_PENDING: f64 = 1_099_511_627_776.0; // 2^40

/// A rejected acquire answers `REJECTED - retryAfterMs` (- EVENTS_PENDING),
/// at most `REJECTED`, while a grant is >= 0: JS reads the wait back as
/// `REJECTED - answer` (`protocol().breakerRejected`).
pub const REJECTED: f64 = -1.0;

#[derive(Default)]
struct Events {
    pending: AtomicBool,
    queue: Mutex<Vec<cb::Transition>>,
}

/// A state change, as `takeEvents()` returns it.
#[napi(object)]
pub struct BreakerTransition {
    pub from: String,
    pub to: String,
    pub at_ms: f64,
}

/// A snapshot of the breaker's counters (`metrics()`).
#[napi(object)]
pub struct BreakerMetrics {
    pub state: String,
    pub calls: f64,
    pub successes: f64,
    pub failures: f64,
    pub slow: f64,
    pub ignored: f64,
    pub rejected: f64,
    pub transitions: f64,
    pub buffered_calls: f64,
    pub buffered_failures: f64,
    pub buffered_slow: f64,
    pub failure_rate: Option<f64>,
    pub slow_call_rate: Option<f64>,
    pub failure_count: f64,
    pub half_open_in_flight: u32,
    pub half_open_successes: u32,
    pub open_duration_ms: f64,
}

/// What the slab and the napi object share.
pub struct Shared {
    pub(crate) cb: Arc<cb::CircuitBreaker>,
    events: Arc<Events>,
    watch: Stopwatch,
}

#[napi(js_name = "NativeCircuitBreaker")]
pub struct CircuitBreaker {
    pub(crate) inner: AssertUnwindSafe<Arc<Shared>>,
    id: u32,
    hot: AssertUnwindSafe<Rc<Hot>>,
    listener: cb::ListenerId,
}

impl Drop for CircuitBreaker {
    fn drop(&mut self) {
        self.hot.breakers.borrow_mut().remove(self.id);
        // A breaker shared with other threads outlives this object: its
        // transitions must stop queueing for an object nobody drains.
        self.inner.cb.remove_listener(self.listener);
    }
}

/// This thread's view of a breaker: its own event queue, filled by a
/// listener on the (possibly shared) core breaker.
fn attach_view(core: Arc<cb::CircuitBreaker>, watch: Stopwatch) -> CircuitBreaker {
    let events = Arc::new(Events::default());
    let sink = Arc::clone(&events);
    let listener = core.on_transition(Box::new(move |t| {
        sink.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(t);
        sink.pending.store(true, Ordering::Release);
    }));
    let shared = Arc::new(Shared {
        cb: core,
        events,
        watch,
    });
    let hot = hot();
    let id = hot.breakers.borrow_mut().insert(Arc::clone(&shared));
    CircuitBreaker {
        inner: AssertUnwindSafe(shared),
        id,
        hot: AssertUnwindSafe(hot),
        listener,
    }
}

/// Runs `f` on breaker `id` of this thread (`missing` when there is none).
#[inline]
fn with<R>(hot: &Hot, id: Option<u32>, missing: R, f: impl FnOnce(&Shared) -> R) -> R {
    let slab = hot.breakers.borrow();
    match id.and_then(|id| slab.get(id)) {
        Some(s) => f(s),
        None => missing,
    }
}

fn pending(s: &Shared) -> bool {
    s.events.pending.load(Ordering::Acquire)
}

/// Permit bits (+ EVENTS_PENDING), or `-1 - retryAfterMs` (- EVENTS_PENDING)
/// when rejected; on a grant, `start` gets the stopwatch's now (ns).
#[inline]
fn acquire(s: &Shared, start: impl FnOnce(f64)) -> f64 {
    match s.cb.try_acquire() {
        Ok(p) => {
            start(s.watch.now_ns() as f64);
            p.to_bits() as f64 + if pending(s) { EVENTS_PENDING } else { 0.0 }
        }
        Err(r) => REJECTED - ms(r.retry_after) - if pending(s) { EVENTS_PENDING } else { 0.0 },
    }
}

#[inline]
fn record(s: &Shared, bits: f64, outcome_code: u32, d: Duration) -> bool {
    s.cb.record(permit(bits), outcome(outcome_code), d);
    pending(s)
}

crate::hot_fn! {
    /// `breakerAcquire()`, the hot path of `execute`/`tryAcquire`. Scratch in:
    /// [0] the breaker id. Out: [0] the permit bits (+ EVENTS_PENDING), or
    /// `-1 - retryAfterMs` (- EVENTS_PENDING) when rejected, NaN for an unknown
    /// id; on a grant [1] = the breaker stopwatch's now (ns, a float), for the
    /// duration measurement.
    fn breaker_acquire(h: Hot) {
        let r = with(h, h.id_arg(0), f64::NAN, |s| acquire(s, |t| h.put(1, t)));
        h.put(0, r);
    }
}

crate::hot_fn! {
    /// `breakerRecordSince()`: records an outcome for a call. Scratch in: [0] the
    /// breaker id, [1] the permit bits, [2] the outcome (0 success, 1 failure,
    /// 2 ignored), [3] the start `breakerAcquire` wrote. Out: [0] 1 when transitions
    /// are waiting to be drained, else 0 (also for an unknown id).
    fn breaker_record_since(h: Hot) {
        let (bits, code, start) = (h.arg(1), h.arg(2), h.arg(3));
        let pending = with(h, h.id_arg(0), false, |s| {
            record(s, bits, outcome_arg(code), since(s.watch.now_ns(), start))
        });
        h.put(0, f64::from(u8::from(pending)));
    }
}

/// An outcome code from the scratch array: 0 success, 1 failure,
/// anything else ignored (as [`outcome`]).
#[inline]
fn outcome_arg(code: f64) -> u32 {
    if code == 0.0 {
        0
    } else if code == 1.0 {
        1
    } else {
        2
    }
}

/// Time from `start` (a stopwatch reading, ns as a float) to `now`, in
/// integer nanoseconds; zero when `start` is not a finite number >= 0 or
/// is later than `now` (a manual clock set back).
#[inline]
fn since(now: u64, start: f64) -> Duration {
    if start.is_finite() && start >= 0.0 {
        Duration::from_nanos(now.saturating_sub(start as u64))
    } else {
        Duration::ZERO
    }
}

/// Explicit durations in ms (`record()`), as before: float seconds.
fn duration_from_ms(duration_ms: f64) -> Duration {
    if duration_ms.is_finite() && duration_ms > 0.0 {
        Duration::try_from_secs_f64(duration_ms / 1000.0).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    }
}

/// The raw hot functions of this module (see `handles`).
pub const HOT_FNS: &[(&CStr, RawFn)] = &[
    (c"breakerAcquire", breaker_acquire),
    (c"breakerRecordSince", breaker_record_since),
];

fn ms(d: Duration) -> f64 {
    crate::conf::duration_ms(d)
}

fn config(o: &Opts<'_>) -> Result<cb::Config> {
    let d = cb::Config::default();
    Ok(cb::Config {
        failure_rate_threshold: o.nullable_float(
            "failureRateThreshold",
            "failure_rate_threshold",
            d.failure_rate_threshold,
        )?,
        slow_call_rate_threshold: o.nullable_float(
            "slowCallRateThreshold",
            "slow_call_rate_threshold",
            d.slow_call_rate_threshold,
        )?,
        slow_call_duration_threshold: o
            .duration_ms(
                "slowCallDurationThresholdMs",
                "slow_call_duration_threshold",
            )?
            .unwrap_or(d.slow_call_duration_threshold),
        window_kind: o
            .mode("windowKind", "window_kind", WindowKind::parse)?
            .unwrap_or(d.window_kind),
        window_size: o
            .uint("windowSize", "window_size")?
            .unwrap_or(d.window_size),
        minimum_number_of_calls: o
            .uint("minimumNumberOfCalls", "minimum_number_of_calls")?
            .unwrap_or(d.minimum_number_of_calls),
        failure_count_threshold: o.nullable_uint(
            "failureCountThreshold",
            "failure_count_threshold",
            d.failure_count_threshold,
        )?,
        failure_count_period: o.nullable_duration_ms(
            "failureCountPeriodMs",
            "failure_count_period",
            d.failure_count_period,
        )?,
        open_duration: o
            .duration_ms("openDurationMs", "open_duration")?
            .unwrap_or(d.open_duration),
        open_duration_multiplier: o
            .float("openDurationMultiplier", "open_duration_multiplier")?
            .unwrap_or(d.open_duration_multiplier),
        max_open_duration: o.nullable_duration_ms(
            "maxOpenDurationMs",
            "max_open_duration",
            d.max_open_duration,
        )?,
        half_open_max_calls: o
            .uint("halfOpenMaxCalls", "half_open_max_calls")?
            .unwrap_or(d.half_open_max_calls),
        success_threshold: o
            .uint("successThreshold", "success_threshold")?
            .unwrap_or(d.success_threshold),
    })
}

fn permit(bits: f64) -> Permit {
    Permit::from_bits(if bits.is_finite() && bits >= 0.0 {
        bits as u64
    } else {
        u64::MAX
    })
}

/// The codes of an outcome crossing from JS (the breaker's record calls
/// and the policy's); any other code is `ignored`.
pub const OUTCOME_SUCCESS: u32 = 0;
/// See [`OUTCOME_SUCCESS`].
pub const OUTCOME_FAILURE: u32 = 1;
/// See [`OUTCOME_SUCCESS`].
pub const OUTCOME_IGNORED: u32 = 2;

/// The outcome of a code (see [`OUTCOME_SUCCESS`]).
pub fn outcome(code: u32) -> Outcome {
    match code {
        OUTCOME_SUCCESS => Outcome::Success,
        OUTCOME_FAILURE => Outcome::Failure,
        _ => Outcome::Ignored,
    }
}

#[napi]
impl CircuitBreaker {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let cfg = config(&o)?;
        let src = source(clock);
        let watch = Stopwatch::new(&src, cfg.slow_call_duration_threshold);
        let inner = match crate::region::region_of(&o)? {
            Some((r, n)) => cb::CircuitBreaker::in_region_with_clock(cfg, src, &r, &n),
            None => cb::CircuitBreaker::with_clock(cfg, src),
        }
        .map_err(|e| o.core_error(&e))?;
        Ok(attach_view(Arc::new(inner), watch))
    }

    /// Registers this breaker for the other threads of the process; the id
    /// for `attach`.
    #[napi(catch_unwind)]
    pub fn share(&self) -> f64 {
        crate::share::share("CircuitBreaker", &self.inner)
    }

    /// This thread's object for the breaker another thread shared.
    #[napi(factory, catch_unwind)]
    pub fn attach(id: f64) -> Result<Self> {
        let s: Arc<Shared> = crate::share::attach("CircuitBreaker", id)?;
        Ok(attach_view(Arc::clone(&s.cb), s.watch.clone()))
    }

    /// The id for the hot functions (`breakerAcquire`, `breakerRecordSince`).
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Permit bits (+ EVENTS_PENDING), or `-1 - retryAfterMs` when rejected.
    #[napi(catch_unwind)]
    pub fn try_acquire(&self) -> f64 {
        acquire(&self.inner, |t| self.hot.put(0, t))
    }

    /// Records an outcome (0 success, 1 failure, 2 ignored) with an explicit
    /// duration; returns whether transitions are waiting.
    #[napi(catch_unwind)]
    pub fn record(&self, bits: f64, outcome_code: u32, duration_ms: f64) -> bool {
        record(
            &self.inner,
            bits,
            outcome_code,
            duration_from_ms(duration_ms),
        )
    }

    /// Finishes a permit with no outcome.
    #[napi(catch_unwind)]
    pub fn release(&self, bits: f64) -> bool {
        self.inner.cb.release(permit(bits));
        pending(&self.inner)
    }

    /// Whether a permit is a half-open probe.
    #[napi(catch_unwind)]
    pub fn is_probe(&self, bits: f64) -> bool {
        permit(bits).is_probe()
    }

    #[napi(catch_unwind)]
    pub fn state(&self) -> &'static str {
        self.inner.cb.state().as_str()
    }

    #[napi(catch_unwind)]
    pub fn pending(&self) -> bool {
        pending(&self.inner)
    }

    /// A breaker in a shared region: hears now the transitions other
    /// processes made; whether events wait to be drained.
    #[napi(catch_unwind)]
    pub fn poll_transitions(&self) -> bool {
        self.inner.cb.poll_transitions();
        pending(&self.inner)
    }

    #[napi(catch_unwind)]
    pub fn force_open(&self) {
        self.inner.cb.force_open()
    }

    #[napi(catch_unwind)]
    pub fn disable(&self) {
        self.inner.cb.disable()
    }

    #[napi(catch_unwind)]
    pub fn metrics_only(&self) {
        self.inner.cb.metrics_only()
    }

    #[napi(catch_unwind)]
    pub fn reset(&self) {
        self.inner.cb.reset()
    }

    /// Transitions since the last call, oldest first.
    #[napi(catch_unwind)]
    pub fn take_events(&self) -> Vec<BreakerTransition> {
        let list = {
            let ev = &self.inner.events;
            let mut q = ev.queue.lock().unwrap_or_else(PoisonError::into_inner);
            ev.pending.store(false, Ordering::Release);
            std::mem::take(&mut *q)
        };
        list.into_iter()
            .map(|t| BreakerTransition {
                from: t.from.as_str().to_string(),
                to: t.to.as_str().to_string(),
                at_ms: t.at_ns as f64 / 1e6,
            })
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> BreakerMetrics {
        let m = self.inner.cb.metrics();
        BreakerMetrics {
            state: m.state.as_str().to_string(),
            calls: m.calls as f64,
            successes: m.successes as f64,
            failures: m.failures as f64,
            slow: m.slow as f64,
            ignored: m.ignored as f64,
            rejected: m.rejected as f64,
            transitions: m.transitions as f64,
            buffered_calls: m.buffered_calls as f64,
            buffered_failures: m.buffered_failures as f64,
            buffered_slow: m.buffered_slow as f64,
            failure_rate: m.failure_rate,
            slow_call_rate: m.slow_call_rate,
            failure_count: m.failure_count as f64,
            half_open_in_flight: m.half_open_in_flight,
            half_open_successes: m.half_open_successes,
            open_duration_ms: ms(m.open_duration),
        }
    }
}

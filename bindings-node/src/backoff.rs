//! `Backoff` and its per-call `Schedule`.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, ms_to_ns, Opts};
use crate::error;
use crate::ffi::{RawFn, Slab};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::backoff::{self as bo, BackoffKind, Jitter};
use std::cell::RefCell;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

/// This module's registry: the backoffs raw hot calls reach by id.
#[derive(Default)]
pub struct Registry {
    pub backoffs: RefCell<Slab<bo::Backoff>>,
}

crate::thread_ctx!(Registry);

#[napi(js_name = "NativeBackoff")]
pub struct Backoff {
    pub(crate) inner: bo::Backoff,
    id: u32,
    hot: AssertUnwindSafe<Rc<Hot>>,
}

impl Drop for Backoff {
    fn drop(&mut self) {
        self.hot.backoffs.borrow_mut().remove(self.id);
    }
}

fn config(o: &Opts<'_>) -> Result<bo::BackoffConfig> {
    let d = bo::BackoffConfig::default();
    let max_attempts = match o.uint("maxAttempts", "max_attempts")? {
        None => d.max_attempts,
        Some(v) => u32::try_from(v).map_err(|_| {
            error::config(
                "maxAttempts",
                format!("must be in [1, 4294967295], got {v}"),
            )
        })?,
    };
    Ok(bo::BackoffConfig {
        kind: o
            .mode("kind", "kind", |_, s| BackoffKind::parse(s))?
            .unwrap_or(d.kind),
        base: o.duration_ms("baseMs", "base")?.unwrap_or(d.base),
        factor: o.float("factor", "factor")?.unwrap_or(d.factor),
        max_delay: o
            .duration_ms("maxDelayMs", "max_delay")?
            .unwrap_or(d.max_delay),
        jitter: o
            .mode("jitter", "jitter", |_, s| Jitter::parse(s))?
            .unwrap_or(d.jitter),
        max_attempts,
        max_elapsed: o.nullable_duration_ms("maxElapsedMs", "max_elapsed", d.max_elapsed)?,
        seed: o.seed("seed")?,
    })
}

/// Backoff metrics.
#[napi(object)]
pub struct BackoffMetrics {
    pub schedules: f64,
    pub retries: f64,
    pub exhausted_attempts: f64,
    pub exhausted_elapsed: f64,
}

impl Backoff {
    /// The core backoff (shared metrics with every clone).
    pub fn core(&self) -> &bo::Backoff {
        &self.inner
    }
}

#[napi]
impl Backoff {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let cfg = config(&o)?;
        let inner = bo::Backoff::with_clock(cfg, source(clock)).map_err(|e| o.core_error(&e))?;
        let hot = hot();
        let id = hot.backoffs.borrow_mut().insert(Arc::new(inner.clone()));
        Ok(Self {
            inner,
            id,
            hot: AssertUnwindSafe(hot),
        })
    }

    /// The id the plain `bo*` functions take.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Un-jittered delay before retry `n` (1-based), in ms.
    #[napi(catch_unwind)]
    pub fn delay_for_ms(&self, n: f64) -> Result<f64> {
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
            return Err(error::argument(
                "n",
                format!("must be an integer >= 0, got {}", crate::conf::js_num(n)),
            ));
        }
        let n = if n > f64::from(u32::MAX) {
            u32::MAX
        } else {
            n as u32
        };
        Ok(duration_ms(self.inner.delay_for(n)))
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> BackoffMetrics {
        let m = self.inner.metrics();
        BackoffMetrics {
            schedules: m.schedules as f64,
            retries: m.retries as f64,
            exhausted_attempts: m.exhausted_attempts as f64,
            exhausted_elapsed: m.exhausted_elapsed as f64,
        }
    }
}

// A schedule lives in JS (`lib/retry.js`) as plain numbers: core's
// `ScheduleState` as eight doubles (u64s as two exact u32 halves), so a
// schedule costs no native allocation, no id and no finalizer. Any values
// are safe: core gives other delays for other states. The steps are raw
// hot calls (`ffi::call`) on a region of the scratch array: the state at
// [STATE..STATE + 8], which no other call touches (the limiter, breaker
// and bulkhead use slots 0..4, the policy [policy::S..+10] = 16..26), and
// arguments and answers from [ARGS], which the policy's steps overwrite
// too (both are read right after the call that wrote them). So the JS side
// leaves the state of the schedule it stepped last in place and copies
// states in and out only when it steps another schedule.
pub const STATE: usize = 8;
/// Where the steps' arguments and answers start.
pub const ARGS: usize = STATE + 8;
/// Most delays `backoffSteps` hands out in one call (scratch is ARGS + 32 long).
pub const MAX_STEPS: usize = 32;
/// A step's answer at [ARGS] when the schedule gives up (`protocol().backoffGiveUp`).
pub const GIVE_UP: f64 = -1.0;
/// The answer at [ARGS] (or of `boElapsed`) for a freed or unknown backoff
/// (`protocol().backoffFreed`).
pub const FREED: f64 = -2.0;

fn split(v: u64) -> [f64; 2] {
    [f64::from(v as u32), f64::from((v >> 32) as u32)]
}

fn join(lo: f64, hi: f64) -> u64 {
    // `as` saturates and maps NaN to 0: garbage in, some state out.
    u64::from(lo as u32) | (u64::from(hi as u32) << 32)
}

fn state_in(h: &Hot) -> bo::ScheduleState {
    let at = |i: usize| h.arg(STATE + i);
    bo::ScheduleState {
        rng: join(at(0), at(1)),
        prev_ns: join(at(2), at(3)),
        start_ns: join(at(4), at(5)),
        retries: at(6) as u32,
        done: at(7) != 0.0,
    }
}

fn state_out(h: &Hot, st: &bo::ScheduleState) {
    let [r0, r1] = split(st.rng);
    let [p0, p1] = split(st.prev_ns);
    let [s0, s1] = split(st.start_ns);
    let done = if st.done { 1.0 } else { 0.0 };
    for (i, v) in [r0, r1, p0, p1, s0, s1, f64::from(st.retries), done]
        .into_iter()
        .enumerate()
    {
        h.put(STATE + i, v);
    }
}

fn with_backoff<R>(h: &Hot, id: Option<u32>, missing: R, f: impl FnOnce(&bo::Backoff) -> R) -> R {
    let slab = h.backoffs.borrow();
    match id.and_then(|id| slab.get(id)) {
        Some(b) => f(b),
        None => missing,
    }
}

/// A JS duration in ms as ns; -1 (or any negative / non-finite) = none.
/// The JS layer validated real values; 3.2e12 ms ≈ 100 years caps them.
#[inline]
fn ms_arg(v: f64) -> Option<u64> {
    (v >= 0.0 && v.is_finite()).then(|| ms_to_ns(v.min(3.2e12)))
}

#[inline]
fn step(b: &bo::Backoff, st: &mut bo::ScheduleState, retry_after_ms: f64, elapsed_ms: f64) -> f64 {
    // ns to ms as `duration_ms` does (one rounding of the integer).
    b.next_delay_ns(st, ms_arg(elapsed_ms), ms_arg(retry_after_ms))
        .map_or(GIVE_UP, |ns| ns as f64 / 1e6)
}

crate::hot_fn! {
    /// `backoffStart()`: starts a schedule. Scratch in: [ARGS] the backoff id.
    /// Out: [STATE..] its state; [ARGS] 1, or -2 for an unknown id.
    fn backoff_start(h: Hot) {
        let st = with_backoff(h, h.id_arg(ARGS), None, |b| Some(b.start()));
        match st {
            Some(st) => {
                state_out(h, &st);
                h.put(ARGS, 1.0);
            }
            None => h.put(ARGS, FREED),
        }
    }
}

crate::hot_fn! {
    /// `backoffStep()`: one step. Scratch in: [STATE..] the state, [ARGS] the
    /// backoff id, [ARGS + 1] retryAfterMs (< 0: none), [ARGS + 2] elapsedMs
    /// (< 0: read the clock). Out: [STATE..] the state, [ARGS] the delay in
    /// ms, -1 to give up, -2 for an unknown backoff.
    fn backoff_step(h: Hot) {
        let (ra, el) = (h.arg(ARGS + 1), h.arg(ARGS + 2));
        let d = with_backoff(h, h.id_arg(ARGS), FREED, |b| {
            let mut st = state_in(h);
            let d = step(b, &mut st, ra, el);
            state_out(h, &st);
            d
        });
        h.put(ARGS, d);
    }
}

crate::hot_fn! {
    /// `backoffSteps()`: up to [ARGS + 1] (<= 32) steps without hints. Scratch
    /// in: [STATE..] the state, [ARGS] the backoff id. Out: [STATE..] the
    /// state, [ARGS..ARGS + count] the delays, -1 from where the schedule
    /// gave up (all -2 for an unknown backoff).
    fn backoff_steps(h: Hot) {
        let n = (h.arg(ARGS + 1) as usize).min(MAX_STEPS);
        let known = with_backoff(h, h.id_arg(ARGS), false, |b| {
            let mut st = state_in(h);
            let mut gave_up = false;
            for i in 0..n {
                let d = if gave_up {
                    GIVE_UP
                } else {
                    step(b, &mut st, -1.0, -1.0)
                };
                gave_up = d < 0.0;
                h.put(ARGS + i, d);
            }
            state_out(h, &st);
            true
        });
        if !known {
            h.put(ARGS, FREED);
        }
    }
}

/// The raw hot functions of this module (see `ffi`).
pub const HOT_FNS: &[(&CStr, RawFn)] = &[
    (c"backoffStart", backoff_start),
    (c"backoffStep", backoff_step),
    (c"backoffSteps", backoff_steps),
];

/// Ends the schedule whose state is in scratch [STATE..] (its retries are
/// counted; it gives up from now on; state updated). False for an unknown
/// id.
#[napi(catch_unwind)]
pub fn bo_finish(id: u32) -> bool {
    let h = hot();
    with_backoff(&h, Some(id), false, |b| {
        let mut st = state_in(&h);
        b.finish(&mut st);
        state_out(&h, &st);
        true
    })
}

/// Ms since the schedule whose state is in scratch [STATE..] started, when
/// the backoff has max_elapsed, else -1 (-2: unknown backoff).
#[napi(catch_unwind)]
pub fn bo_elapsed(id: u32) -> f64 {
    let h = hot();
    with_backoff(&h, Some(id), FREED, |b| {
        b.elapsed(&state_in(&h)).map_or(-1.0, duration_ms)
    })
}

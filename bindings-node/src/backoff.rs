//! `Backoff` and its per-call `Schedule`; classification tables; `RetryBudget`.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, ms_to_duration, Opts};
use crate::error::tagged;
use crate::handles::ValSlab;
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::backoff::{self as bo, BackoffKind, Jitter};
use seawall::classify;
use seawall::retry_budget as rb;
use std::cell::RefCell;
use std::time::Duration;

#[napi(js_name = "NativeBackoff")]
pub struct Backoff {
    inner: bo::Backoff,
}

fn config(o: &Opts<'_>) -> Result<bo::BackoffConfig> {
    let d = bo::BackoffConfig::default();
    let max_attempts = match o.uint("maxAttempts", "max_attempts")? {
        None => d.max_attempts,
        Some(v) => u32::try_from(v).map_err(|_| {
            tagged(
                "invalid_config",
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

#[napi]
impl Backoff {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let cfg = config(&o)?;
        let inner = bo::Backoff::with_clock(cfg, source(clock)).map_err(|e| o.core_error(&e))?;
        Ok(Self { inner })
    }

    /// Un-jittered delay before retry `n` (1-based), in ms.
    #[napi(catch_unwind)]
    pub fn delay_for_ms(&self, n: f64) -> Result<f64> {
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
            return Err(tagged(
                "invalid_argument",
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

    /// A new schedule for one call, starting now; returns its id (free it
    /// with `boFree`; `lib/retry.js` does, or a FinalizationRegistry).
    #[napi(catch_unwind)]
    pub fn schedule(&self) -> u32 {
        let state = self.inner.start();
        SCHEDULES.with(|s| {
            s.borrow_mut().insert(Schedule {
                backoff: self.inner.clone(),
                state,
            })
        })
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

/// One call's schedule; freeing it ends it (its retries are counted).
struct Schedule {
    backoff: bo::Backoff,
    state: bo::ScheduleState,
}

impl Drop for Schedule {
    fn drop(&mut self) {
        self.backoff.finish(&mut self.state);
    }
}

thread_local! {
    static SCHEDULES: RefCell<ValSlab<Schedule>> = const { RefCell::new(ValSlab::new()) };
}

fn hint(v: f64) -> Option<Duration> {
    // JS passes -1 for "no hint"; the JS layer validated real hints.
    (v >= 0.0 && v.is_finite()).then(|| ms_to_duration(v.min(3.2e12)))
}

fn next(s: &mut Schedule, retry_after_ms: f64, elapsed_ms: f64) -> f64 {
    let h = hint(retry_after_ms);
    let (b, st) = (&s.backoff, &mut s.state);
    let got = if elapsed_ms >= 0.0 && elapsed_ms.is_finite() {
        b.next_delay_elapsed(st, ms_to_duration(elapsed_ms.min(3.2e12)), h)
    } else {
        b.next_delay(st, h)
    };
    got.map_or(-1.0, duration_ms)
}

fn with_schedule<R>(id: u32, missing: R, f: impl FnOnce(&mut Schedule) -> R) -> R {
    SCHEDULES.with(|s| match s.borrow_mut().get_mut(id) {
        Some(sc) => f(sc),
        None => missing,
    })
}

/// The delay before the next attempt in ms, or -1 to give up (-2: unknown
/// schedule). `retryAfterMs` < 0: no hint; `elapsedMs` < 0: read the clock.
#[napi(catch_unwind)]
pub fn bo_next(id: u32, retry_after_ms: f64, elapsed_ms: f64) -> f64 {
    with_schedule(id, -2.0, |s| next(s, retry_after_ms, elapsed_ms))
}

/// Up to `n` next delays (no hints) into the scratch array, in one call;
/// returns how many were written (fewer when the schedule gives up).
#[napi(catch_unwind)]
pub fn bo_next_many(id: u32, n: u32) -> u32 {
    with_schedule(id, 0, |s| {
        let mut done = false;
        let mut count = 0usize;
        crate::handles::fill(n as usize, |_| {
            if done {
                return -1.0;
            }
            let d = next(s, -1.0, -1.0);
            if d < 0.0 {
                done = true;
            } else {
                count += 1;
            }
            d
        });
        count as u32
    })
}

/// [retries, exhausted (0/1), elapsed ms or -1 without max_elapsed] of a
/// schedule into scratch.
#[napi(catch_unwind)]
pub fn bo_state(id: u32) -> bool {
    with_schedule(id, false, |s| {
        crate::handles::put_all(&[
            f64::from(s.state.retries()),
            if s.state.is_exhausted() { 1.0 } else { 0.0 },
            s.backoff.elapsed(&s.state).map_or(-1.0, duration_ms),
        ]);
        true
    })
}

/// Ends a schedule without freeing it: its retries are counted, and it
/// gives up from now on.
#[napi(catch_unwind)]
pub fn bo_finish(id: u32) -> bool {
    with_schedule(id, false, |s| {
        s.backoff.finish(&mut s.state);
        true
    })
}

/// Frees a schedule.
#[napi(catch_unwind)]
pub fn bo_free(id: u32) -> bool {
    SCHEDULES.with(|s| s.borrow_mut().take(id)).is_some()
}

/// Core's classification tables, read once by `lib/classify.js`.
#[napi(object)]
pub struct ClassifyTables {
    pub statuses: Vec<u32>,
    pub kinds: Vec<String>,
    /// `[code, kind]` pairs.
    pub codes: Vec<Vec<String>>,
}

#[napi(catch_unwind)]
pub fn classify_tables() -> ClassifyTables {
    ClassifyTables {
        statuses: classify::RETRYABLE_STATUSES
            .iter()
            .map(|s| u32::from(*s))
            .collect(),
        kinds: classify::RetryableKind::ALL
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        codes: classify::CODE_KINDS
            .iter()
            .map(|(c, k)| vec![(*c).to_string(), k.as_str().to_string()])
            .collect(),
    }
}

#[napi(js_name = "NativeRetryBudget")]
pub struct RetryBudget {
    inner: rb::RetryBudget,
}

/// Retry budget metrics.
#[napi(object)]
pub struct RetryBudgetMetrics {
    pub tokens_milli: f64,
    pub tokens: f64,
    pub max_tokens_milli: f64,
    pub threshold_milli: f64,
    pub retries_allowed: f64,
    pub retries_denied: f64,
    pub successes: f64,
    pub failures: f64,
}

#[napi]
impl RetryBudget {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>) -> Result<Self> {
        let o = Opts::new(options);
        let d = rb::RetryBudgetConfig::default();
        let max_tokens = match o.uint("maxTokens", "max_tokens")? {
            None => d.max_tokens,
            Some(v) => u32::try_from(v).unwrap_or(u32::MAX),
        };
        let cfg = rb::RetryBudgetConfig {
            max_tokens,
            token_ratio: o
                .float("tokenRatio", "token_ratio")?
                .unwrap_or(d.token_ratio),
        };
        let inner = rb::RetryBudget::new(cfg).map_err(|e| o.core_error(&e))?;
        Ok(Self { inner })
    }

    #[napi(catch_unwind)]
    pub fn try_retry(&self) -> bool {
        self.inner.try_retry()
    }

    #[napi(catch_unwind)]
    pub fn record_failure(&self) {
        self.inner.record_failure()
    }

    #[napi(catch_unwind)]
    pub fn record_success(&self) {
        self.inner.record_success()
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> RetryBudgetMetrics {
        let m = self.inner.metrics();
        RetryBudgetMetrics {
            tokens_milli: m.tokens_milli as f64,
            tokens: m.tokens,
            max_tokens_milli: m.max_tokens_milli as f64,
            threshold_milli: m.threshold_milli as f64,
            retries_allowed: m.retries_allowed as f64,
            retries_denied: m.retries_denied as f64,
            successes: m.successes as f64,
            failures: m.failures as f64,
        }
    }
}

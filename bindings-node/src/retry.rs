//! The retry run (`seawall::retry`), core's classification rules
//! (`seawall::classify`) and rate-limit headers (`seawall::headers`) for the
//! JS layer. `lib/retry.js` makes the attempts, sleeps and raises; every
//! decision (retry or not, how long to wait, why it gave up, what an error
//! counts as, what a header says) is made here by core.
//!
//! A call whose first attempt succeeds creates no run: `NativeRetry` is
//! built once per (backoff, budget, attempt cap) and a `NativeRetryRun` only
//! at a call's first failure.

use crate::backoff::Backoff;
use crate::conf::ms_to_ns;
use crate::error;
use crate::retry_budget::RetryBudget;
use napi::Result;
use napi_derive::napi;
use seawall::circuit_breaker::Outcome;
use seawall::classify::{self, Link, RetryableKind};
use seawall::headers::{QuotaPolicy, RateLimitHeaders};
use seawall::retry::{Failure, GiveUp, Retry as CoreRetry, RetryState, RetryStep, RunStatus};
use seawall::{Decision, ErrorKind};
use std::sync::Arc;
use std::time::Duration;

/// A retry policy: a backoff, an optional budget, an optional attempt cap
/// (at most the backoff's `maxAttempts`).
#[napi(js_name = "NativeRetry")]
pub struct Retry {
    inner: Arc<CoreRetry>,
}

fn ms_opt(v: f64) -> Option<u64> {
    (v >= 0.0 && v.is_finite()).then(|| ms_to_ns(v.min(3.2e12)))
}

impl Retry {
    /// The core retry policy.
    pub fn core(&self) -> &CoreRetry {
        &self.inner
    }
}

#[napi]
impl Retry {
    #[napi(constructor, catch_unwind)]
    pub fn new(
        backoff: &Backoff,
        budget: Option<&RetryBudget>,
        max_attempts: Option<f64>,
    ) -> Result<Self> {
        let mut r = CoreRetry::new(backoff.core().clone());
        if let Some(b) = budget {
            r = r.with_budget(Arc::clone(b.core()));
        }
        if let Some(n) = max_attempts {
            let limit = backoff.core().config().max_attempts;
            if !(n.is_finite() && n.fract() == 0.0 && n >= 1.0 && n <= f64::from(limit)) {
                return Err(error::config(
                    "maxAttempts",
                    format!(
                        "must be an integer in [1, {limit}] (the backoff's maxAttempts), got {}",
                        crate::conf::js_num(n)
                    ),
                ));
            }
            r = r
                .with_max_attempts(n as u32)
                .map_err(|e| crate::error::from_core(&e, crate::error::camel))?;
        }
        Ok(Self { inner: Arc::new(r) })
    }

    /// Whether a failure needs the attempt's duration (the backoff has a
    /// max elapsed time): only then does the JS side read the clock.
    #[napi(getter, catch_unwind)]
    pub fn needs_time(&self) -> bool {
        self.inner.backoff().config().max_elapsed.is_some()
    }

    /// A call whose first attempt succeeded (core's on_success on a run that
    /// never failed: counts the success in the budget).
    #[napi(catch_unwind)]
    pub fn first_success(&self) {
        let mut st = self.inner.start(None);
        self.inner.on_success(&mut st);
    }

    /// Whether core's on_success of a first attempt touches shared state
    /// (a budget): when not, the JS side skips `firstSuccess`.
    #[napi(getter, catch_unwind)]
    pub fn has_budget(&self) -> bool {
        self.inner.budget().is_some()
    }

    /// The run of one call, made at its first failure. `deadlineMs`: a
    /// deadline on the backoff's clock (ms), or negative for none.
    #[napi(catch_unwind)]
    pub fn run(&self, deadline_ms: Option<f64>) -> RetryRun {
        let deadline = deadline_ms.and_then(ms_opt);
        RetryRun {
            retry: Arc::clone(&self.inner),
            state: self.inner.start(deadline),
            gave_up: None,
        }
    }
}

/// One call's run.
#[napi(js_name = "NativeRetryRun")]
pub struct RetryRun {
    retry: Arc<CoreRetry>,
    state: RetryState,
    gave_up: Option<GiveUp>,
}

#[napi]
impl RetryRun {
    /// A failed attempt: the delay before the next one in ms, or -1 to give
    /// up (`reason` and `attempts` say why and how many).
    /// `retryAfterMs` / `durationMs`: negative for none.
    #[napi(catch_unwind)]
    pub fn on_failure(&mut self, retryable: bool, retry_after_ms: f64, duration_ms: f64) -> f64 {
        let f = Failure {
            retryable,
            retry_after_ns: ms_opt(retry_after_ms),
            duration_ns: ms_opt(duration_ms).unwrap_or(0),
        };
        match self.retry.on_failure(&mut self.state, f) {
            RetryStep::Sleep(ns) => ns as f64 / 1e6,
            RetryStep::GiveUp(g) => {
                self.gave_up = Some(g);
                -1.0
            }
        }
    }

    #[napi(catch_unwind)]
    pub fn on_success(&mut self) {
        self.retry.on_success(&mut self.state);
    }

    #[napi(catch_unwind)]
    pub fn abandon(&mut self) {
        self.retry.abandon(&mut self.state);
    }

    /// Attempts made so far.
    #[napi(getter, catch_unwind)]
    pub fn attempts(&self) -> u32 {
        self.state.attempts
    }

    /// Why the run gave up (`not_retryable`, `attempts`, `elapsed`,
    /// `deadline`, `budget`), or null while it has not.
    #[napi(getter, catch_unwind)]
    pub fn reason(&self) -> Option<&'static str> {
        self.gave_up.map(|g| g.reason.as_str())
    }

    /// The error kind to raise for the give-up (`retry_exhausted`,
    /// `retry_budget_exhausted`), or null (raise the failure itself).
    #[napi(getter, catch_unwind)]
    pub fn error_kind(&self) -> Option<&'static str> {
        self.gave_up
            .and_then(|g| g.error())
            .map(|e| e.kind().as_str())
    }

    /// `running`, `succeeded`, `gave_up`, `abandoned`.
    #[napi(getter, catch_unwind)]
    pub fn status(&self) -> &'static str {
        match self.state.status {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::GaveUp(_) => "gave_up",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// One link of an error's cause chain, in core's terms.
#[napi(object)]
pub struct ChainLink {
    /// A seawall error kind (wire name).
    pub seawall: Option<String>,
    /// A transport failure kind (wire name, e.g. `connection_reset`).
    pub transport: Option<String>,
    pub status: Option<f64>,
    pub retry_after_ms: Option<f64>,
}

#[napi(object)]
pub struct ChainVerdict {
    pub retryable: bool,
    pub retry_after_ms: Option<f64>,
    pub decided_by: Option<u32>,
}

fn error_kind(name: &str, field: &str) -> Result<ErrorKind> {
    ErrorKind::from_wire(name).ok_or_else(|| {
        error::argument(field, format!("must be a seawall error kind, got {name:?}"))
    })
}

/// Core's cause-chain rule over `links` (outermost first).
#[napi(catch_unwind)]
pub fn classify_chain(links: Vec<ChainLink>) -> Result<ChainVerdict> {
    let mut parsed = Vec::with_capacity(links.len().min(classify::MAX_CHAIN));
    for l in links.iter().take(classify::MAX_CHAIN) {
        let seawall = match &l.seawall {
            Some(k) => Some(error_kind(k, "seawall")?),
            None => None,
        };
        let transport = match &l.transport {
            Some(k) => Some(RetryableKind::from_wire(k).ok_or_else(|| {
                error::argument("transport", format!("unknown failure kind {k:?}"))
            })?),
            None => None,
        };
        let status = l
            .status
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 65535.0 && s.fract() == 0.0)
            .map(|s| s as u16);
        parsed.push(Link {
            seawall,
            transport,
            status,
            retry_after_ns: l.retry_after_ms.and_then(ms_opt),
        });
    }
    let v = classify::classify_chain(parsed);
    Ok(ChainVerdict {
        retryable: v.retryable,
        retry_after_ms: v.retry_after_ns.map(|ns| ns as f64 / 1e6),
        decided_by: v.decided_by.map(|i| i as u32),
    })
}

/// Whether a seawall error kind is retried by default.
#[napi(catch_unwind)]
pub fn is_retryable_error_kind(kind: String) -> Result<bool> {
    Ok(classify::is_retryable_error_kind(error_kind(
        &kind, "kind",
    )?))
}

/// A Retry-After header value as a delay in ms (seconds or an HTTP date,
/// against `nowUnixMs`), or null when it is not one.
#[napi(catch_unwind)]
pub fn parse_retry_after_ms(value: String, now_unix_ms: f64) -> Option<f64> {
    let now = if now_unix_ms.is_finite() && now_unix_ms > 0.0 {
        now_unix_ms as u64
    } else {
        0
    };
    classify::parse_retry_after(&value, now).map(|ns| ns as f64 / 1e6)
}

/// What an error counts as for a breaker: `success`, `failure`, `ignored`.
/// `recorded`: the user's isFailure answer (null when none was asked);
/// `seawall`: the kind of the first seawall error on the cause chain.
#[napi(catch_unwind)]
pub fn outcome_for_error(
    ignored: bool,
    recorded: Option<bool>,
    seawall: Option<String>,
) -> Result<&'static str> {
    let k = match seawall {
        Some(k) => Some(error_kind(&k, "seawall")?),
        None => None,
    };
    Ok(match classify::outcome_for_error(ignored, recorded, k) {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Ignored => "ignored",
    })
}

/// The rate-limit headers for a decision under a quota policy, as
/// `[name, value]` pairs in core's order (Retry-After only when denied).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn rate_limit_headers(
    name: String,
    limit: f64,
    window_ms: f64,
    allowed: bool,
    remaining: f64,
    retry_after_ms: f64,
    reset_after_ms: f64,
) -> Result<Vec<Vec<String>>> {
    let policy = QuotaPolicy::new(
        &name,
        crate::conf::uint_value("limit", limit)?,
        Duration::from_nanos(ms_opt(window_ms).unwrap_or(0)),
    )
    .map_err(|e| {
        crate::error::from_core(&e, |f| {
            if f == "window" {
                "windowMs".to_string()
            } else {
                crate::error::camel(f)
            }
        })
    })?;
    let d = Decision {
        allowed,
        remaining: crate::conf::uint_value("remaining", remaining)?,
        retry_after: Duration::from_nanos(ms_opt(retry_after_ms).unwrap_or(0)),
        reset_after: Duration::from_nanos(ms_opt(reset_after_ms).unwrap_or(0)),
    };
    Ok(RateLimitHeaders::new(&d, &policy)
        .pairs()
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect())
}

//! Runner for `spec/vectors/retry_run`: ops `start`, `success`, `failure`,
//! `abandon`, `metrics` (see `spec/retry.md`, "Vector ops").

use crate::{b, error_value, s, u, Subject};
use seawall::backoff::Backoff;
use seawall::clock::ManualClock;
use seawall::retry::{Failure, Retry, RetryState, RetryStep, RunStatus};
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use serde_json::{json, Map, Value};
use std::sync::Arc;

struct Runner {
    retry: Retry,
    state: RetryState,
}

fn bad(field: &'static str, v: &Value) -> Value {
    error_value(&seawall::Error::config(field, format!("bad value {v}")))
}

fn budget(config: &Value) -> Result<RetryBudget, Value> {
    let d = RetryBudgetConfig::default();
    let max_tokens = match config.get("max_tokens") {
        None => d.max_tokens,
        Some(v) => v
            .as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| bad("max_tokens", v))?,
    };
    let token_ratio = match config.get("token_ratio") {
        None => d.token_ratio,
        Some(v) => v.as_f64().ok_or_else(|| bad("token_ratio", v))?,
    };
    RetryBudget::new(RetryBudgetConfig {
        max_tokens,
        token_ratio,
    })
    .map_err(|e| error_value(&e))
}

/// Builds the subject from a vector's config: `backoff` (backoff keys),
/// optional `budget` (retry budget keys), optional `max_attempts`.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let empty = Value::Object(Map::new());
    let bcfg = super::backoff::parse_config(config.get("backoff").unwrap_or(&empty))?;
    let backoff = Backoff::with_clock(bcfg, clock).map_err(|e| error_value(&e))?;
    let mut retry = Retry::new(backoff);
    if let Some(bc) = config.get("budget") {
        retry = retry.with_budget(Arc::new(budget(bc)?));
    }
    if let Some(v) = config.get("max_attempts") {
        let n = v
            .as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| bad("max_attempts", v))?;
        retry = retry.with_max_attempts(n).map_err(|e| error_value(&e))?;
    }
    let state = retry.start(None);
    Ok(Box::new(Runner { retry, state }))
}

fn status(st: &RetryState) -> &'static str {
    match st.status {
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::GaveUp(_) => "gave_up",
        RunStatus::Abandoned => "abandoned",
    }
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "start" => {
                self.retry.abandon(&mut self.state);
                self.state = self.retry.start(u(args, "deadline_ns"));
                Ok(json!({}))
            }
            "success" => {
                self.retry.on_success(&mut self.state);
                Ok(json!({ "status": status(&self.state), "attempts": self.state.attempts }))
            }
            "abandon" => {
                self.retry.abandon(&mut self.state);
                Ok(json!({ "status": status(&self.state), "attempts": self.state.attempts }))
            }
            "failure" => {
                let failure = Failure {
                    retryable: b(args, "retryable").unwrap_or(true),
                    retry_after_ns: u(args, "retry_after_ns"),
                    duration_ns: u(args, "duration_ns").unwrap_or(0),
                };
                Ok(match self.retry.on_failure(&mut self.state, failure) {
                    RetryStep::Sleep(d) => json!({
                        "action": "sleep",
                        "delay_ns": d,
                        "attempts": self.state.attempts,
                    }),
                    RetryStep::GiveUp(g) => json!({
                        "action": "give_up",
                        "reason": g.reason.as_str(),
                        "attempts": g.attempts,
                        "error": g.error().map(|e| e.kind().as_str()),
                    }),
                })
            }
            "metrics" => {
                let m = self.retry.backoff().metrics();
                let mut out = json!({
                    "schedules": m.schedules,
                    "retries": m.retries,
                    "exhausted_attempts": m.exhausted_attempts,
                    "exhausted_elapsed": m.exhausted_elapsed,
                });
                if let (Some(bm), Some(o)) = (
                    self.retry.budget().map(|b| b.metrics()),
                    out.as_object_mut(),
                ) {
                    o.insert("budget_tokens_milli".into(), bm.tokens_milli.into());
                    o.insert("budget_retries_allowed".into(), bm.retries_allowed.into());
                    o.insert("budget_retries_denied".into(), bm.retries_denied.into());
                    o.insert("budget_successes".into(), bm.successes.into());
                    o.insert("budget_failures".into(), bm.failures.into());
                }
                Ok(out)
            }
            other => Err(format!(
                "unknown op {other:?} ({})",
                s(args, "op").unwrap_or("")
            )),
        }
    }
}

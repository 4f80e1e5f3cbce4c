//! Runner for `spec/vectors/retry_budget`: ops `success`, `failure`,
//! `try_retry`, `metrics` (see `spec/retry_budget.md`, "Vector ops").

use crate::{error_value, Subject};
use seawall::clock::ManualClock;
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use serde_json::{json, Value};

struct Runner {
    budget: RetryBudget,
}

fn bad(field: &'static str, v: &Value) -> Value {
    error_value(&seawall::Error::config(field, format!("bad value {v}")))
}

/// Builds the subject from a vector's config.
pub fn build(config: &Value, _clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
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
    let cfg = RetryBudgetConfig {
        max_tokens,
        token_ratio,
    };
    let budget = match crate::region_slot() {
        Some((region, name)) => RetryBudget::in_region(cfg, &region, &name),
        None => RetryBudget::new(cfg),
    }
    .map_err(|e| error_value(&e))?;
    Ok(Box::new(Runner { budget }))
}

impl Subject for Runner {
    fn step(&mut self, op: &str, _args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let tokens = |b: &RetryBudget| b.metrics().tokens_milli;
        match op {
            "success" => {
                self.budget.record_success();
                Ok(json!({ "tokens_milli": tokens(&self.budget) }))
            }
            "failure" => {
                self.budget.record_failure();
                Ok(json!({ "tokens_milli": tokens(&self.budget) }))
            }
            "try_retry" => {
                let allowed = self.budget.try_retry();
                Ok(json!({ "allowed": allowed, "tokens_milli": tokens(&self.budget) }))
            }
            "metrics" => {
                let m = self.budget.metrics();
                Ok(json!({
                    "tokens_milli": m.tokens_milli,
                    "max_tokens_milli": m.max_tokens_milli,
                    "retries_allowed": m.retries_allowed,
                    "retries_denied": m.retries_denied,
                    "successes": m.successes,
                    "failures": m.failures,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

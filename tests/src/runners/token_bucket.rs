//! Runner for `spec/vectors/token_bucket` (ops in `spec/token_bucket.md`).

use crate::{error_value, f, ns, u, Subject};
use seawall::clock::ManualClock;
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::Decision;
use serde_json::{json, Value};

/// A decision as a vector output object.
pub fn decision_value(d: &Decision) -> Value {
    json!({
        "allowed": d.allowed,
        "remaining": d.remaining,
        "retry_after_ns": ns(d.retry_after),
        "reset_after_ns": ns(d.reset_after),
    })
}

/// `try_acquire`'s output: a decision or an error object.
pub fn result_value(r: seawall::Result<Decision>) -> Value {
    match r {
        Ok(d) => decision_value(&d),
        Err(e) => error_value(&e),
    }
}

struct Tb(TokenBucket);

impl Subject for Tb {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "try_acquire" => Ok(result_value(self.0.try_acquire(u(args, "n").unwrap_or(1)))),
            "peek" => Ok(result_value(self.0.peek(u(args, "n").unwrap_or(1)))),
            "refund" => {
                self.0.refund(u(args, "n").unwrap_or(1));
                Ok(json!({}))
            }
            "metrics" => {
                let m = self.0.metrics();
                Ok(json!({ "available": m.available, "allowed": m.allowed, "denied": m.denied }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

/// Config keys: `burst`, `rate_per_sec`, `initial_tokens` (optional).
pub fn config(v: &Value) -> TokenBucketConfig {
    let d = TokenBucketConfig::default();
    TokenBucketConfig {
        burst: u(v, "burst").unwrap_or(d.burst),
        rate_per_sec: f(v, "rate_per_sec").unwrap_or(d.rate_per_sec),
        initial_tokens: u(v, "initial_tokens"),
    }
}

/// Builds the subject from a vector's config.
pub fn build(cfg: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    TokenBucket::with_clock(config(cfg), clock)
        .map(|t| Box::new(Tb(t)) as Box<dyn Subject>)
        .map_err(|e| error_value(&e))
}

//! Runner for `spec/vectors/token_bucket` (ops in `spec/token_bucket.md`).

use crate::{dur, error_value, f, ns, s, u, Subject};
use seawall::clock::ManualClock;
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::{Decision, LimiterWait, Reservation};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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

/// A finished wait's output: `granted` with the decision, or `refused`.
fn finished(r: seawall::Result<Decision>) -> Value {
    let mut v = match &r {
        Ok(d) => decision_value(d),
        Err(e) => error_value(e),
    };
    if let Value::Object(m) = &mut v {
        let outcome = match r {
            Ok(_) => "granted",
            Err(seawall::Error::RateLimited { .. }) => "refused",
            Err(_) => return v,
        };
        m.insert("outcome".into(), Value::from(outcome));
    }
    v
}

fn waiting(w: &LimiterWait) -> Value {
    json!({ "outcome": "waiting", "due_in_ns": ns(w.due_in()) })
}

/// The wait ops shared by the limiters (`spec/token_bucket.md`, "Waiting
/// acquires"): `acquire_wait {id, n, max_wait_ns}`, `poll {id}`,
/// `cancel {id}`. `None` for other ops.
pub fn wait_step(
    waits: &mut HashMap<String, LimiterWait>,
    op: &str,
    args: &Value,
    reserve: impl FnOnce(u64, Duration) -> seawall::Result<Reservation>,
) -> Option<Result<Value, String>> {
    let id = s(args, "id").unwrap_or("").to_owned();
    Some(Ok(match op {
        "acquire_wait" => {
            let n = u(args, "n").unwrap_or(1);
            let max_wait = dur(args, "max_wait_ns").unwrap_or(Duration::ZERO);
            match reserve(n, max_wait) {
                Ok(Reservation::Granted(d)) => finished(Ok(d)),
                Ok(Reservation::Waiting(w)) => {
                    let v = waiting(&w);
                    waits.insert(id, w);
                    v
                }
                Err(e) => finished(Err(e)),
            }
        }
        "poll" => match waits.get_mut(&id) {
            None => json!({ "outcome": "none" }),
            Some(w) => match w.try_claim() {
                Ok(None) => waiting(w),
                r => {
                    waits.remove(&id);
                    finished(r.map(|d| {
                        d.unwrap_or(Decision {
                            allowed: false,
                            remaining: 0,
                            retry_after: Duration::ZERO,
                            reset_after: Duration::ZERO,
                        })
                    }))
                }
            },
        },
        "cancel" => {
            waits.remove(&id);
            json!({})
        }
        _ => return None,
    }))
}

struct Tb(Arc<TokenBucket>, HashMap<String, LimiterWait>);

impl Subject for Tb {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let tb = Arc::clone(&self.0);
        if let Some(r) = wait_step(&mut self.1, op, args, |n, w| tb.reserve(n, w)) {
            return r;
        }
        match op {
            "try_acquire" => Ok(result_value(self.0.try_acquire(u(args, "n").unwrap_or(1)))),
            "peek" => Ok(result_value(self.0.peek(u(args, "n").unwrap_or(1)))),
            "refund" => {
                self.0.refund(u(args, "n").unwrap_or(1));
                Ok(json!({}))
            }
            "metrics" => {
                let m = self.0.metrics();
                Ok(json!({
                    "available": m.available,
                    "allowed": m.allowed,
                    "denied": m.denied,
                    "waiting": m.waiting,
                }))
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
    match crate::region_slot() {
        Some((region, name)) => {
            TokenBucket::in_region_with_clock(config(cfg), clock, &region, &name)
        }
        None => TokenBucket::with_clock(config(cfg), clock),
    }
    .map(|t| Box::new(Tb(Arc::new(t), HashMap::new())) as Box<dyn Subject>)
    .map_err(|e| error_value(&e))
}

//! Runner for `spec/vectors/sliding_window` (ops in `spec/sliding_window.md`).

use super::token_bucket::{result_value, wait_step};
use crate::{dur, error_value, u, Subject};
use seawall::clock::ManualClock;
use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
use seawall::LimiterWait;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

struct Sw(Arc<SlidingWindowLimiter>, HashMap<String, LimiterWait>);

impl Subject for Sw {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let sw = Arc::clone(&self.0);
        if let Some(r) = wait_step(&mut self.1, op, args, |n, w| sw.reserve(n, w)) {
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
                    "count": m.count,
                    "allowed": m.allowed,
                    "denied": m.denied,
                    "waiting": m.waiting,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

/// Config keys: `limit`, `window_ns`, `buckets`.
pub fn config(v: &Value) -> SlidingWindowConfig {
    let d = SlidingWindowConfig::default();
    SlidingWindowConfig {
        limit: u(v, "limit").unwrap_or(d.limit),
        window: dur(v, "window_ns").unwrap_or(d.window),
        buckets: u(v, "buckets").map_or(d.buckets, |b| u32::try_from(b).unwrap_or(u32::MAX)),
    }
}

/// Builds the subject from a vector's config.
pub fn build(cfg: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    match crate::region_slot() {
        Some((region, name)) => {
            SlidingWindowLimiter::in_region_with_clock(config(cfg), clock, &region, &name)
        }
        None => SlidingWindowLimiter::with_clock(config(cfg), clock),
    }
    .map(|l| Box::new(Sw(Arc::new(l), HashMap::new())) as Box<dyn Subject>)
    .map_err(|e| error_value(&e))
}

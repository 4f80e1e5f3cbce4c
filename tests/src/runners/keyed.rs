//! Runner for `spec/vectors/keyed_limiter` (ops in `spec/keyed.md`).

use super::token_bucket::{result_value, wait_step};
use crate::{error_value, s, u, Subject};
use seawall::clock::ManualClock;
use seawall::keyed::{
    KeyTableConfig, KeyedMetrics, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig, OnFull,
};
use seawall::LimiterWait;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

enum Limiter {
    Tb(Arc<KeyedTokenBucket>),
    Sw(Arc<KeyedSlidingWindow>),
}

struct Keyed(Limiter, HashMap<String, LimiterWait>);

impl Subject for Keyed {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let key = s(args, "key").unwrap_or("").as_bytes();
        let n = u(args, "n").unwrap_or(1);
        let waited = match &self.0 {
            Limiter::Tb(l) => wait_step(&mut self.1, op, args, |n, w| l.reserve(key, n, w)),
            Limiter::Sw(l) => wait_step(&mut self.1, op, args, |n, w| l.reserve(key, n, w)),
        };
        if let Some(r) = waited {
            return r;
        }
        let Keyed(lim, _) = self;
        match op {
            "try_acquire" => Ok(result_value(match lim {
                Limiter::Tb(l) => l.try_acquire(key, n),
                Limiter::Sw(l) => l.try_acquire(key, n),
            })),
            "peek" => Ok(result_value(match lim {
                Limiter::Tb(l) => l.peek(key, n),
                Limiter::Sw(l) => l.peek(key, n),
            })),
            "refund" => {
                match lim {
                    Limiter::Tb(l) => l.refund(key, n),
                    Limiter::Sw(l) => l.refund(key, n),
                }
                Ok(json!({}))
            }
            "metrics" => {
                let m: KeyedMetrics = match lim {
                    Limiter::Tb(l) => l.metrics(),
                    Limiter::Sw(l) => l.metrics(),
                };
                Ok(json!({
                    "keys_tracked": m.keys_tracked,
                    "evictions": m.evictions,
                    "table_full": m.table_full,
                    "capacity": m.capacity,
                    "allowed": m.allowed,
                    "denied": m.denied,
                    "waiting": m.waiting,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

fn table(v: &Value) -> Result<KeyTableConfig, Value> {
    let d = KeyTableConfig::default();
    Ok(KeyTableConfig {
        max_keys: u(v, "max_keys").unwrap_or(d.max_keys),
        max_probe: u(v, "max_probe").map_or(d.max_probe, |p| u32::try_from(p).unwrap_or(u32::MAX)),
        on_full: match s(v, "on_full") {
            Some(name) => OnFull::parse(name).map_err(|e| error_value(&e))?,
            None => d.on_full,
        },
        hash_seed: Some(u(v, "hash_seed").unwrap_or(0)),
    })
}

/// Config keys: `kind` (`"token_bucket"` default, or `"sliding_window"`), the
/// per-key limiter's keys, and `max_keys`, `max_probe`, `on_full`, `hash_seed`.
pub fn build(cfg: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let table = table(cfg)?;
    let region = crate::region_slot();
    let subject = match s(cfg, "kind").unwrap_or("token_bucket") {
        "token_bucket" => {
            let c = KeyedTokenBucketConfig {
                bucket: super::token_bucket::config(cfg),
                table,
            };
            Limiter::Tb(Arc::new(
                match region {
                    Some((r, name)) => KeyedTokenBucket::in_region_with_clock(c, clock, &r, &name),
                    None => KeyedTokenBucket::with_clock(c, clock),
                }
                .map_err(|e| error_value(&e))?,
            ))
        }
        "sliding_window" => {
            let c = KeyedSlidingWindowConfig {
                window: super::sliding_window::config(cfg),
                table,
            };
            Limiter::Sw(Arc::new(
                match region {
                    Some((r, name)) => {
                        KeyedSlidingWindow::in_region_with_clock(c, clock, &r, &name)
                    }
                    None => KeyedSlidingWindow::with_clock(c, clock),
                }
                .map_err(|e| error_value(&e))?,
            ))
        }
        other => {
            return Err(
                json!({ "error": "invalid_config", "field": "kind", "reason": format!("unknown kind {other:?}") }),
            )
        }
    };
    Ok(Box::new(Keyed(subject, HashMap::new())))
}

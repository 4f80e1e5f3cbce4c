//! Bulkhead runner. Ops (see spec/bulkhead.md "Vector ops"):
//! `try_acquire {id}`, `enqueue {id}`, `claim {id}`, `release {id}`, `metrics`.

use crate::{error_value, s, u, Subject};
use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig, OwnedPermit, OwnedWaiter};
use seawall::clock::ManualClock;
use seawall::Error;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What an `id` holds; kept only for its `Drop` (release / leave queue).
enum Held {
    #[allow(dead_code)]
    Permit(OwnedPermit),
    Waiter(OwnedWaiter),
}

struct Runner {
    b: Arc<Bulkhead>,
    held: HashMap<String, Held>,
}

/// An integer config field, its default when absent, `invalid_config` when
/// present but not a non-negative integer.
fn int(config: &Value, key: &str, field: &'static str, default: u64) -> Result<u64, Value> {
    match config.get(key) {
        None => Ok(default),
        Some(v) => v.as_u64().ok_or_else(|| {
            error_value(&Error::config(
                field,
                format!("must be a non-negative integer, got {v}"),
            ))
        }),
    }
}

/// Config keys: `max_concurrent`, `max_queue`, `max_wait_ns`.
pub fn config(config: &Value) -> Result<BulkheadConfig, Value> {
    let d = BulkheadConfig::default();
    Ok(BulkheadConfig {
        max_concurrent: int(config, "max_concurrent", "max_concurrent", d.max_concurrent)?,
        max_queue: int(config, "max_queue", "max_queue", d.max_queue)?,
        max_wait: Duration::from_nanos(int(config, "max_wait_ns", "max_wait", 0)?),
    })
}

/// Builds the subject from a vector's config.
pub fn build(config_value: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let cfg = config(config_value)?;
    // In a region, only bulkheads without a queue (waits in line are per
    // process: spec/shared_memory.md); the queued scenarios run on the heap.
    let region = if cfg.max_queue == 0 {
        crate::region_slot()
    } else {
        None
    };
    let b = match region {
        Some((region, name)) => Bulkhead::in_region_with_clock(cfg, clock, &region, &name),
        None => Bulkhead::with_clock(cfg, clock),
    }
    .map_err(|e| error_value(&e))?;
    Ok(Box::new(Runner {
        b: Arc::new(b),
        held: HashMap::new(),
    }))
}

impl Runner {
    fn counts(&self, mut out: Value) -> Value {
        let m = self.b.metrics();
        if let Value::Object(o) = &mut out {
            o.insert("active".into(), m.active.into());
            o.insert("queued".into(), m.queued.into());
        }
        out
    }
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let id = || {
            s(args, "id")
                .map(str::to_owned)
                .or_else(|| u(args, "id").map(|n| n.to_string()))
        };
        match op {
            "try_acquire" => {
                let allowed = match self.b.try_acquire_owned() {
                    Ok(p) => {
                        let key = id().unwrap_or_else(|| format!("_anon{}", self.held.len()));
                        self.held.insert(key, Held::Permit(p));
                        true
                    }
                    Err(_) => false,
                };
                Ok(self.counts(json!({ "allowed": allowed })))
            }
            "enqueue" => {
                let id = id().ok_or("enqueue needs id")?;
                let outcome = match self.b.enqueue_owned() {
                    Ok(Admission::Acquired(p)) => {
                        self.held.insert(id, Held::Permit(p));
                        "acquired"
                    }
                    Ok(Admission::Queued(w)) => {
                        self.held.insert(id, Held::Waiter(w));
                        "queued"
                    }
                    Err(_) => "rejected",
                };
                Ok(self.counts(json!({ "outcome": outcome })))
            }
            "claim" => {
                let id = id().ok_or("claim needs id")?;
                let granted = match self.held.remove(&id) {
                    Some(Held::Waiter(w)) => match w.try_claim() {
                        Ok(p) => {
                            self.held.insert(id, Held::Permit(p));
                            true
                        }
                        Err(w) => {
                            self.held.insert(id, Held::Waiter(w));
                            false
                        }
                    },
                    Some(other) => {
                        self.held.insert(id, other);
                        false
                    }
                    None => false,
                };
                Ok(self.counts(json!({ "granted": granted })))
            }
            "release" => {
                let id = id().ok_or("release needs id")?;
                let released = self.held.remove(&id).is_some();
                Ok(self.counts(json!({ "released": released })))
            }
            "metrics" => {
                let m = self.b.metrics();
                Ok(json!({
                    "active": m.active,
                    "queued": m.queued,
                    "total": m.total,
                    "rejected": m.rejected,
                    "max_concurrent": m.max_concurrent,
                    "max_queue": m.max_queue,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

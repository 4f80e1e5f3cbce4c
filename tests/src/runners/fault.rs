//! Fault injector runner. Ops (see spec/fault_injector.md "Vector ops"):
//! `decide`, `set_enabled {enabled}`, `metrics`.

use crate::{b, error_value, ns, Subject};
use seawall::clock::ManualClock;
use seawall::fault::{FaultInjector, FaultInjectorConfig};
use seawall::Error;
use serde_json::{json, Value};
use std::time::Duration;

struct Runner {
    fi: FaultInjector,
}

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

fn float(config: &Value, key: &str, field: &'static str, default: f64) -> Result<f64, Value> {
    match config.get(key) {
        None => Ok(default),
        Some(v) => v.as_f64().ok_or_else(|| {
            error_value(&Error::config(field, format!("must be a number, got {v}")))
        }),
    }
}

/// Builds the subject from a vector's config.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let d = FaultInjectorConfig::default();
    let seed = match config.get("seed") {
        None | Some(Value::Null) => None,
        Some(_) => Some(int(config, "seed", "seed", 0)?),
    };
    let cfg = FaultInjectorConfig {
        error_rate: float(config, "error_rate", "error_rate", d.error_rate)?,
        delay_rate: float(config, "delay_rate", "delay_rate", d.delay_rate)?,
        delay_min: Duration::from_nanos(int(config, "delay_min_ns", "delay_min", ns(d.delay_min))?),
        delay_max: Duration::from_nanos(int(config, "delay_max_ns", "delay_max", ns(d.delay_max))?),
        seed,
        enabled: b(config, "enabled").unwrap_or(d.enabled),
    };
    let fi = FaultInjector::with_clock(cfg, clock).map_err(|e| error_value(&e))?;
    Ok(Box::new(Runner { fi }))
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "decide" => {
                let f = self.fi.decide();
                Ok(json!({ "fault": f.as_str(), "delay_ns": ns(f.delay()) }))
            }
            "set_enabled" => {
                self.fi
                    .set_enabled(b(args, "enabled").ok_or("set_enabled needs enabled")?);
                Ok(json!({}))
            }
            "metrics" => {
                let m = self.fi.metrics();
                Ok(json!({
                    "decisions": m.decisions,
                    "errors": m.errors,
                    "delays": m.delays,
                    "enabled": m.enabled,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

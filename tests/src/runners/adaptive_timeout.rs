//! Adaptive timeout runner. Ops (see spec/adaptive_timeout.md "Vector ops"):
//! `record {latency_ns}`, `timeout`, `metrics`.

use crate::{error_value, ns, u, Subject};
use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
use seawall::clock::ManualClock;
use seawall::Error;
use serde_json::{json, Value};
use std::time::Duration;

struct Runner {
    at: AdaptiveTimeout,
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

fn dur(
    config: &Value,
    key: &str,
    field: &'static str,
    default: Duration,
) -> Result<Duration, Value> {
    int(config, key, field, ns(default)).map(Duration::from_nanos)
}

/// Builds the subject from a vector's config.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let at =
        AdaptiveTimeout::with_clock(parse_config(config)?, clock).map_err(|e| error_value(&e))?;
    Ok(Box::new(Runner { at }))
}

/// An adaptive timeout config from a vector object (also used by the
/// `policy_run` runner).
pub fn parse_config(config: &Value) -> Result<AdaptiveTimeoutConfig, Value> {
    let d = AdaptiveTimeoutConfig::default();
    Ok(AdaptiveTimeoutConfig {
        percentile: float(config, "percentile", "percentile", d.percentile)?,
        multiplier: float(config, "multiplier", "multiplier", d.multiplier)?,
        min_timeout: dur(config, "min_timeout_ns", "min_timeout", d.min_timeout)?,
        max_timeout: dur(config, "max_timeout_ns", "max_timeout", d.max_timeout)?,
        initial_timeout: dur(
            config,
            "initial_timeout_ns",
            "initial_timeout",
            d.initial_timeout,
        )?,
        min_samples: int(config, "min_samples", "min_samples", d.min_samples)?,
        window: dur(config, "window_ns", "window", d.window)?,
    })
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "record" => {
                let l = u(args, "latency_ns").ok_or("record needs latency_ns")?;
                self.at.record_ns(l);
                Ok(json!({}))
            }
            "timeout" => Ok(json!({ "timeout_ns": ns(self.at.timeout()) })),
            "metrics" => {
                let m = self.at.metrics();
                Ok(json!({
                    "samples": m.samples,
                    "total": m.total,
                    "p50_ns": ns(m.p50),
                    "p95_ns": ns(m.p95),
                    "p99_ns": ns(m.p99),
                    "timeout_ns": ns(m.timeout),
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

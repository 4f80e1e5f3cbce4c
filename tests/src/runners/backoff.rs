//! Runner for `spec/vectors/backoff`: ops `delay_for`, `new_schedule`,
//! `next_delay`, `metrics` (see `spec/backoff.md`, "Vector ops").

use crate::{error_value, ns, s, u, Subject};
use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter, ScheduleState};
use seawall::clock::ManualClock;
use serde_json::{json, Value};
use std::time::Duration;

struct Runner {
    backoff: Backoff,
    schedule: ScheduleState,
}

/// A present key that is not a non-negative integer is a bad value for `field`
/// (what a binding's own conversion would reject).
fn opt_u64(config: &Value, key: &str, field: &'static str) -> Result<Option<u64>, Value> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            error_value(&seawall::Error::config(
                field,
                format!("not an integer >= 0: {v}"),
            ))
        }),
    }
}

/// A backoff config from a vector object (also used by the `retry_run` runner).
pub fn parse_config(config: &Value) -> Result<BackoffConfig, Value> {
    let d = BackoffConfig::default();
    let kind = match s(config, "kind") {
        Some(k) => BackoffKind::parse(k).map_err(|e| error_value(&e))?,
        None => d.kind,
    };
    let jitter = match s(config, "jitter") {
        Some(j) => Jitter::parse(j).map_err(|e| error_value(&e))?,
        None => d.jitter,
    };
    let factor = match config.get("factor") {
        None => d.factor,
        Some(v) => v.as_f64().ok_or_else(|| {
            error_value(&seawall::Error::config(
                "factor",
                format!("not a number: {v}"),
            ))
        })?,
    };
    let max_attempts = match opt_u64(config, "max_attempts", "max_attempts")? {
        None => d.max_attempts,
        Some(v) => u32::try_from(v).map_err(|_| {
            error_value(&seawall::Error::config(
                "max_attempts",
                format!("above u32: {v}"),
            ))
        })?,
    };
    Ok(BackoffConfig {
        kind,
        base: opt_u64(config, "base_ns", "base")?.map_or(d.base, Duration::from_nanos),
        factor,
        max_delay: opt_u64(config, "max_delay_ns", "max_delay")?
            .map_or(d.max_delay, Duration::from_nanos),
        jitter,
        max_attempts,
        max_elapsed: opt_u64(config, "max_elapsed_ns", "max_elapsed")?.map(Duration::from_nanos),
        seed: opt_u64(config, "seed", "seed")?,
    })
}

/// Builds the subject from a vector's config.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let cfg = parse_config(config)?;
    let backoff = Backoff::with_clock(cfg, clock).map_err(|e| error_value(&e))?;
    let schedule = backoff.start();
    Ok(Box::new(Runner { backoff, schedule }))
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "delay_for" => {
                let attempt = u(args, "attempt").ok_or("delay_for needs attempt")?;
                let attempt =
                    u32::try_from(attempt).map_err(|_| format!("attempt above u32: {attempt}"))?;
                Ok(json!({ "delay_ns": ns(self.backoff.delay_for(attempt)) }))
            }
            "new_schedule" => {
                // The current schedule ends (its retries are counted).
                self.backoff.finish(&mut self.schedule);
                self.schedule = self.backoff.start();
                Ok(json!({}))
            }
            "next_delay" => {
                let hint = u(args, "retry_after_ns").map(Duration::from_nanos);
                let (b, st) = (&self.backoff, &mut self.schedule);
                let got = match u(args, "elapsed_ns") {
                    Some(e) => b.next_delay_elapsed(st, Duration::from_nanos(e), hint),
                    None => b.next_delay(st, hint),
                };
                let retries = st.retries();
                Ok(match got {
                    Some(d) => json!({ "give_up": false, "delay_ns": ns(d), "retries": retries }),
                    None => json!({ "give_up": true, "retries": retries }),
                })
            }
            "metrics" => {
                let m = self.backoff.metrics();
                Ok(json!({
                    "schedules": m.schedules,
                    "retries": m.retries,
                    "exhausted_attempts": m.exhausted_attempts,
                    "exhausted_elapsed": m.exhausted_elapsed,
                }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

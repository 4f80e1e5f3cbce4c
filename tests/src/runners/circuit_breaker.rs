//! Runner for `spec/vectors/circuit_breaker/*.json`. Ops and output keys are
//! listed under "Vector ops" in `spec/circuit_breaker.md`.

use crate::{dur, error_value, ns, s, Subject};
use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome, Permit, WindowKind};
use seawall::clock::ManualClock;
use seawall::Error;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

struct Runner {
    cb: CircuitBreaker,
    permits: HashMap<String, Permit>,
    transitions: Arc<Mutex<Vec<String>>>,
}

fn bad(field: &'static str, what: &str) -> Value {
    error_value(&Error::config(field, what.to_string()))
}

/// An optional field: absent = default, `null` = `None`, else parsed.
fn opt<T>(
    config: &Value,
    key: &str,
    field: &'static str,
    default: Option<T>,
    parse: impl Fn(&Value) -> Option<T>,
) -> Result<Option<T>, Value> {
    match config.get(key) {
        None => Ok(default),
        Some(Value::Null) => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| bad(field, &format!("bad value {v}"))),
    }
}

fn req<T>(
    config: &Value,
    key: &str,
    field: &'static str,
    default: T,
    parse: impl Fn(&Value) -> Option<T>,
) -> Result<T, Value> {
    match config.get(key) {
        None => Ok(default),
        Some(v) => parse(v).ok_or_else(|| bad(field, &format!("bad value {v}"))),
    }
}

/// The breaker config from a vector's config object.
pub fn parse_config(c: &Value) -> Result<Config, Value> {
    let d = Config::default();
    let as_u64 = |v: &Value| v.as_u64();
    let as_f64 = |v: &Value| v.as_f64();
    let as_dur = |v: &Value| v.as_u64().map(std::time::Duration::from_nanos);
    let window_kind = match s(c, "window_kind") {
        None => d.window_kind,
        Some(k) => WindowKind::parse("window_kind", k).map_err(|e| error_value(&e))?,
    };
    Ok(Config {
        failure_rate_threshold: opt(
            c,
            "failure_rate_threshold",
            "failure_rate_threshold",
            d.failure_rate_threshold,
            as_f64,
        )?,
        slow_call_rate_threshold: opt(
            c,
            "slow_call_rate_threshold",
            "slow_call_rate_threshold",
            d.slow_call_rate_threshold,
            as_f64,
        )?,
        slow_call_duration_threshold: req(
            c,
            "slow_call_duration_threshold_ns",
            "slow_call_duration_threshold",
            d.slow_call_duration_threshold,
            as_dur,
        )?,
        window_kind,
        window_size: req(c, "window_size", "window_size", d.window_size, as_u64)?,
        minimum_number_of_calls: req(
            c,
            "minimum_number_of_calls",
            "minimum_number_of_calls",
            d.minimum_number_of_calls,
            as_u64,
        )?,
        failure_count_threshold: opt(
            c,
            "failure_count_threshold",
            "failure_count_threshold",
            d.failure_count_threshold,
            as_u64,
        )?,
        failure_count_period: opt(
            c,
            "failure_count_period_ns",
            "failure_count_period",
            d.failure_count_period,
            as_dur,
        )?,
        open_duration: req(
            c,
            "open_duration_ns",
            "open_duration",
            d.open_duration,
            as_dur,
        )?,
        open_duration_multiplier: req(
            c,
            "open_duration_multiplier",
            "open_duration_multiplier",
            d.open_duration_multiplier,
            as_f64,
        )?,
        max_open_duration: opt(
            c,
            "max_open_duration_ns",
            "max_open_duration",
            d.max_open_duration,
            as_dur,
        )?,
        half_open_max_calls: req(
            c,
            "half_open_max_calls",
            "half_open_max_calls",
            d.half_open_max_calls,
            as_u64,
        )?,
        success_threshold: req(
            c,
            "success_threshold",
            "success_threshold",
            d.success_threshold,
            as_u64,
        )?,
    })
}

/// Builds the subject from a vector's config.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let cfg = parse_config(config)?;
    let cb = match crate::region_slot() {
        Some((region, name)) => CircuitBreaker::in_region_with_clock(cfg, clock, &region, &name),
        None => CircuitBreaker::with_clock(cfg, clock),
    }
    .map_err(|e| error_value(&e))?;
    let transitions = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&transitions);
    cb.on_transition(Box::new(move |t| {
        if let Ok(mut v) = log.lock() {
            v.push(t.to_string());
        }
    }));
    Ok(Box::new(Runner {
        cb,
        permits: HashMap::new(),
        transitions,
    }))
}

fn opt_f64(x: Option<f64>) -> Value {
    x.map_or(Value::Null, Value::from)
}

impl Runner {
    fn state(&self) -> Value {
        json!({ "state": self.cb.state().as_str() })
    }

    fn permit(&self, args: &Value) -> Result<Permit, String> {
        let id = s(args, "id").ok_or("needs an id")?;
        self.permits
            .get(id)
            .copied()
            .ok_or_else(|| format!("unknown permit id {id:?}"))
    }
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        Ok(match op {
            "try_acquire" => {
                let res = self.cb.try_acquire();
                let state = self.cb.state().as_str();
                match res {
                    Ok(p) => {
                        if let Some(id) = s(args, "id") {
                            self.permits.insert(id.to_string(), p);
                        }
                        json!({ "allowed": true, "retry_after_ns": 0, "probe": p.is_probe(), "state": state })
                    }
                    Err(r) => {
                        json!({ "allowed": false, "retry_after_ns": ns(r.retry_after), "probe": false, "state": state })
                    }
                }
            }
            "record" => {
                let p = self.permit(args)?;
                let outcome =
                    Outcome::parse("outcome", s(args, "outcome").ok_or("needs an outcome")?)
                        .map_err(|e| e.to_string())?;
                let d = dur(args, "duration_ns").unwrap_or_default();
                self.cb.record(p, outcome, d);
                self.state()
            }
            "release" => {
                let p = self.permit(args)?;
                self.cb.release(p);
                self.state()
            }
            "state" => self.state(),
            "force_open" => {
                self.cb.force_open();
                self.state()
            }
            "disable" => {
                self.cb.disable();
                self.state()
            }
            "metrics_only" => {
                self.cb.metrics_only();
                self.state()
            }
            "reset" => {
                self.cb.reset();
                self.state()
            }
            "transitions" => {
                let list = self.transitions.lock().map_err(|e| e.to_string())?.clone();
                json!({ "transitions": list })
            }
            "metrics" => {
                let m = self.cb.metrics();
                let mut o = Map::new();
                o.insert("state".into(), m.state.as_str().into());
                o.insert("calls".into(), m.calls.into());
                o.insert("successes".into(), m.successes.into());
                o.insert("failures".into(), m.failures.into());
                o.insert("slow".into(), m.slow.into());
                o.insert("ignored".into(), m.ignored.into());
                o.insert("rejected".into(), m.rejected.into());
                o.insert("transitions".into(), m.transitions.into());
                o.insert("buffered_calls".into(), m.buffered_calls.into());
                o.insert("buffered_failures".into(), m.buffered_failures.into());
                o.insert("buffered_slow".into(), m.buffered_slow.into());
                o.insert("failure_rate".into(), opt_f64(m.failure_rate));
                o.insert("slow_call_rate".into(), opt_f64(m.slow_call_rate));
                o.insert("failure_count".into(), m.failure_count.into());
                o.insert("half_open_in_flight".into(), m.half_open_in_flight.into());
                o.insert("half_open_successes".into(), m.half_open_successes.into());
                o.insert("open_duration_ns".into(), ns(m.open_duration).into());
                Value::Object(o)
            }
            other => return Err(format!("unknown op {other:?}")),
        })
    }
}

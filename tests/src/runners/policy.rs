//! Policy guard runner. Ops (see spec/policy.md "Vector ops"):
//! `acquire {id}`, `complete {id, outcome, duration_ns?}`, `release {id}`, `state`.

use crate::{dur, error_value, ns, s, Subject};
use seawall::bulkhead::Bulkhead;
use seawall::circuit_breaker::{CircuitBreaker, Outcome};
use seawall::clock::ManualClock;
use seawall::policy::{Guard, Policy};
use seawall::sliding_window::SlidingWindowLimiter;
use seawall::token_bucket::TokenBucket;
use seawall::Error;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

enum Limiter {
    Bucket(Arc<TokenBucket>),
    Window(Arc<SlidingWindowLimiter>),
}

struct Runner {
    policy: Arc<Policy>,
    limiter: Option<Limiter>,
    breaker: Option<Arc<CircuitBreaker>>,
    bulkhead: Option<Arc<Bulkhead>>,
    guards: HashMap<String, Guard>,
}

/// Builds the subject from a vector's config: optional `rate_limiter`
/// (`kind` = `token_bucket` | `sliding_window` plus that limiter's keys),
/// `circuit_breaker` and `bulkhead` objects with their own keys.
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let (policy, stages) = stages(config, clock)?;
    Ok(Box::new(Runner {
        policy: Arc::new(policy),
        limiter: stages.limiter,
        breaker: stages.breaker,
        bulkhead: stages.bulkhead,
        guards: HashMap::new(),
    }))
}

/// The stages a policy vector configures, kept for snapshots.
pub struct Stages {
    limiter: Option<Limiter>,
    /// The breaker, if configured.
    pub breaker: Option<Arc<CircuitBreaker>>,
    /// The bulkhead, if configured.
    pub bulkhead: Option<Arc<Bulkhead>>,
}

impl Stages {
    /// `state` (breaker), `active` (bulkhead), `limiter_available`.
    pub fn snapshot(&self, mut o: Map<String, Value>) -> Value {
        if let Some(cb) = &self.breaker {
            o.insert("state".into(), cb.state().as_str().into());
        }
        if let Some(bh) = &self.bulkhead {
            o.insert("active".into(), bh.metrics().active.into());
        }
        match &self.limiter {
            Some(Limiter::Bucket(tb)) => {
                o.insert("limiter_available".into(), tb.metrics().available.into());
            }
            Some(Limiter::Window(sw)) => {
                let m = sw.metrics();
                o.insert(
                    "limiter_available".into(),
                    m.limit.saturating_sub(m.count).into(),
                );
            }
            None => {}
        }
        Value::Object(o)
    }
}

/// The admission stages of a policy vector config, on `clock`.
pub fn stages(config: &Value, clock: &ManualClock) -> Result<(Policy, Stages), Value> {
    let mut policy = Policy::with_clock(clock);
    let limiter = match config.get("rate_limiter").filter(|v| !v.is_null()) {
        None => None,
        Some(c) => match s(c, "kind").unwrap_or("token_bucket") {
            "token_bucket" => {
                let tb = Arc::new(
                    TokenBucket::with_clock(super::token_bucket::config(c), clock)
                        .map_err(|e| error_value(&e))?,
                );
                policy = policy.rate_limiter(tb.clone());
                Some(Limiter::Bucket(tb))
            }
            "sliding_window" => {
                let sw = Arc::new(
                    SlidingWindowLimiter::with_clock(super::sliding_window::config(c), clock)
                        .map_err(|e| error_value(&e))?,
                );
                policy = policy.rate_limiter(sw.clone());
                Some(Limiter::Window(sw))
            }
            other => {
                return Err(error_value(&Error::config(
                    "kind",
                    format!("unknown rate limiter kind {other:?}"),
                )))
            }
        },
    };
    let breaker = match config.get("circuit_breaker").filter(|v| !v.is_null()) {
        None => None,
        Some(c) => {
            let cb = Arc::new(
                CircuitBreaker::with_clock(super::circuit_breaker::parse_config(c)?, clock)
                    .map_err(|e| error_value(&e))?,
            );
            policy = policy.circuit_breaker(cb.clone());
            Some(cb)
        }
    };
    let bulkhead = match config.get("bulkhead").filter(|v| !v.is_null()) {
        None => None,
        Some(c) => {
            let bh = Arc::new(
                Bulkhead::with_clock(super::bulkhead::config(c)?, clock)
                    .map_err(|e| error_value(&e))?,
            );
            policy = policy.bulkhead(bh.clone());
            Some(bh)
        }
    };
    Ok((
        policy,
        Stages {
            limiter,
            breaker,
            bulkhead,
        },
    ))
}

impl Runner {
    /// `state` (breaker), `active` (bulkhead), `limiter_available`.
    fn snapshot(&self, mut o: Map<String, Value>) -> Value {
        if let Some(cb) = &self.breaker {
            o.insert("state".into(), cb.state().as_str().into());
        }
        if let Some(bh) = &self.bulkhead {
            o.insert("active".into(), bh.metrics().active.into());
        }
        match &self.limiter {
            Some(Limiter::Bucket(tb)) => {
                o.insert("limiter_available".into(), tb.metrics().available.into());
            }
            Some(Limiter::Window(sw)) => {
                let m = sw.metrics();
                o.insert(
                    "limiter_available".into(),
                    m.limit.saturating_sub(m.count).into(),
                );
            }
            None => {}
        }
        Value::Object(o)
    }

    fn guard(&mut self, args: &Value) -> Result<Guard, String> {
        let id = s(args, "id").ok_or("needs an id")?;
        self.guards
            .remove(id)
            .ok_or_else(|| format!("no guard {id:?}"))
    }
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let mut o = Map::new();
        match op {
            "acquire" => match self.policy.try_acquire() {
                Ok(g) => {
                    o.insert("allowed".into(), true.into());
                    o.insert("stage".into(), Value::Null);
                    o.insert(
                        "probe".into(),
                        g.breaker_permit().is_some_and(|p| p.is_probe()).into(),
                    );
                    if let Some(id) = s(args, "id") {
                        self.guards.insert(id.to_string(), g);
                    }
                }
                Err(r) => {
                    o.insert("allowed".into(), false.into());
                    o.insert("stage".into(), r.stage.as_str().into());
                    o.insert("error".into(), r.error.kind().as_str().into());
                    o.insert(
                        "retry_after_ns".into(),
                        r.error.retry_after().map(ns).unwrap_or(0).into(),
                    );
                }
            },
            "complete" => {
                let g = self.guard(args)?;
                let outcome =
                    Outcome::parse("outcome", s(args, "outcome").ok_or("needs an outcome")?)
                        .map_err(|e| e.to_string())?;
                match dur(args, "duration_ns") {
                    Some(d) => g.complete_with_duration(outcome, d),
                    None => g.complete(outcome),
                }
            }
            "release" => self.guard(args)?.release(),
            "state" => {}
            other => return Err(format!("unknown op {other:?}")),
        }
        Ok(self.snapshot(o))
    }
}

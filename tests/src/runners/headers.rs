//! Runner for `spec/vectors/headers`: ops `headers`, `try_acquire` (see
//! `spec/headers.md`, "Vector ops").

use crate::{b, error_value, s, u, Subject};
use seawall::clock::ManualClock;
use seawall::headers::{QuotaPolicy, RateLimitHeaders};
use seawall::sliding_window::SlidingWindowLimiter;
use seawall::token_bucket::TokenBucket;
use seawall::{Decision, RateLimiter};
use serde_json::{Map, Value};
use std::time::Duration;

struct Runner {
    policy: QuotaPolicy,
    limiter: Option<Box<dyn RateLimiter>>,
}

/// Builds the subject: `name` (default `"default"`) and either `limit` +
/// `window_ns`, or a `token_bucket` / `sliding_window` config object (the
/// policy is derived from it, and `try_acquire` runs on it).
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let name = s(config, "name").unwrap_or("default");
    let err = |e: seawall::Error| error_value(&e);
    let (policy, limiter): (QuotaPolicy, Option<Box<dyn RateLimiter>>) =
        if let Some(tb) = config.get("token_bucket") {
            let cfg = super::token_bucket::config(tb);
            let p = QuotaPolicy::token_bucket(name, &cfg).map_err(err)?;
            let l = TokenBucket::with_clock(cfg, clock).map_err(err)?;
            (p, Some(Box::new(l)))
        } else if let Some(sw) = config.get("sliding_window") {
            let cfg = super::sliding_window::config(sw);
            let p = QuotaPolicy::sliding_window(name, &cfg).map_err(err)?;
            let l = SlidingWindowLimiter::with_clock(cfg, clock).map_err(err)?;
            (p, Some(Box::new(l)))
        } else {
            let limit = u(config, "limit").unwrap_or(1);
            let window = Duration::from_nanos(u(config, "window_ns").unwrap_or(1_000_000_000));
            (QuotaPolicy::new(name, limit, window).map_err(err)?, None)
        };
    Ok(Box::new(Runner { policy, limiter }))
}

fn headers_value(h: &RateLimitHeaders) -> Value {
    let mut m = Map::new();
    for (k, v) in h.pairs() {
        m.insert(k.into(), Value::from(v));
    }
    m.entry("Retry-After").or_insert(Value::Null);
    Value::Object(m)
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "headers" => {
                let d = Decision {
                    allowed: b(args, "allowed").ok_or("headers needs allowed")?,
                    remaining: u(args, "remaining").unwrap_or(0),
                    retry_after: Duration::from_nanos(u(args, "retry_after_ns").unwrap_or(0)),
                    reset_after: Duration::from_nanos(u(args, "reset_after_ns").unwrap_or(0)),
                };
                Ok(headers_value(&RateLimitHeaders::new(&d, &self.policy)))
            }
            "try_acquire" => {
                let l = self.limiter.as_ref().ok_or("try_acquire needs a limiter")?;
                match l.try_acquire_n(u(args, "n").unwrap_or(1)) {
                    Ok(d) => Ok(headers_value(&RateLimitHeaders::new(&d, &self.policy))),
                    Err(e) => Ok(error_value(&e)),
                }
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

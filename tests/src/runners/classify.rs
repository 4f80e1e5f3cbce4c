//! Runner for `spec/vectors/classify`: ops `status`, `kind`, `code`,
//! `statuses`, `kinds`, `error_kind`, `chain`, `retry_after`, `outcome`
//! (see `spec/classify.md`, "Vector ops").

use crate::{b, s, u, Subject};
use seawall::classify::{
    classify_chain, is_retryable_error_kind, is_retryable_kind, is_retryable_status, kind_for_code,
    outcome_for_error, parse_retry_after, Link, RetryableKind, RETRYABLE_STATUSES,
};
use seawall::clock::ManualClock;
use seawall::ErrorKind;
use serde_json::{json, Value};

struct Runner;

/// Builds the subject; classification has no config.
pub fn build(_config: &Value, _clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    Ok(Box::new(Runner))
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        match op {
            "status" => {
                let status = u(args, "status").ok_or("status needs status")?;
                let retryable = u16::try_from(status).is_ok_and(is_retryable_status);
                Ok(json!({ "retryable": retryable }))
            }
            "kind" => {
                let kind = s(args, "kind").ok_or("kind needs kind")?;
                Ok(json!({ "retryable": is_retryable_kind(kind) }))
            }
            "code" => {
                let code = s(args, "code").ok_or("code needs code")?;
                let kind = kind_for_code(code);
                Ok(json!({ "kind": kind.map(RetryableKind::as_str), "retryable": kind.is_some() }))
            }
            "statuses" => Ok(json!({ "statuses": RETRYABLE_STATUSES })),
            "kinds" => {
                let kinds: Vec<&str> = RetryableKind::ALL.iter().map(|k| k.as_str()).collect();
                Ok(json!({ "kinds": kinds }))
            }
            "error_kind" => {
                let k = s(args, "kind").ok_or("error_kind needs kind")?;
                let k = ErrorKind::from_wire(k).ok_or(format!("unknown error kind {k:?}"))?;
                Ok(json!({ "retryable": is_retryable_error_kind(k) }))
            }
            "chain" => {
                let links = args
                    .get("links")
                    .and_then(Value::as_array)
                    .ok_or("chain needs links")?;
                let mut parsed = Vec::new();
                for l in links {
                    parsed.push(link(l)?);
                }
                let v = classify_chain(parsed);
                Ok(json!({
                    "retryable": v.retryable,
                    "retry_after_ns": v.retry_after_ns,
                    "decided_by": v.decided_by,
                }))
            }
            "retry_after" => {
                let value = s(args, "value").ok_or("retry_after needs value")?;
                let now = u(args, "now_unix_ms").unwrap_or(0);
                Ok(json!({ "delay_ns": parse_retry_after(value, now) }))
            }
            "outcome" => {
                let seawall = match s(args, "seawall") {
                    Some(k) => {
                        Some(ErrorKind::from_wire(k).ok_or(format!("unknown error kind {k:?}"))?)
                    }
                    None => None,
                };
                let o = outcome_for_error(
                    b(args, "ignored").unwrap_or(false),
                    b(args, "recorded"),
                    seawall,
                );
                Ok(json!({ "outcome": o.as_str() }))
            }
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

fn link(v: &Value) -> Result<Link, String> {
    let seawall = match s(v, "seawall") {
        Some(k) => Some(ErrorKind::from_wire(k).ok_or(format!("unknown error kind {k:?}"))?),
        None => None,
    };
    let transport = match s(v, "transport") {
        Some(k) => Some(RetryableKind::parse(k).map_err(|e| e.to_string())?),
        None => None,
    };
    let status = match u(v, "status") {
        Some(x) => Some(u16::try_from(x).map_err(|_| format!("status {x} above u16"))?),
        None => None,
    };
    Ok(Link {
        seawall,
        transport,
        status,
        retry_after_ns: u(v, "retry_after_ns"),
    })
}

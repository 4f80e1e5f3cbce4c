//! Runner for `spec/vectors/classify`: ops `status`, `kind`, `code`,
//! `statuses`, `kinds` (see `spec/classify.md`, "Vector ops").

use crate::{s, u, Subject};
use seawall::classify::{
    is_retryable_kind, is_retryable_status, kind_for_code, RetryableKind, RETRYABLE_STATUSES,
};
use seawall::clock::ManualClock;
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
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

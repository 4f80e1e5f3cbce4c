//! One runner per primitive; each turns vector steps into core calls.

use crate::Subject;
use seawall::clock::ManualClock;
use serde_json::Value;

pub mod adaptive_timeout;
pub mod backoff;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod classify;
pub mod fault;
pub mod headers;
pub mod keyed;
pub mod policy;
pub mod policy_run;
pub mod retry_budget;
pub mod retry_run;
pub mod sliding_window;
pub mod token_bucket;

/// Builds the subject named by a vector file's `primitive`.
pub fn build(
    primitive: &str,
    config: &Value,
    clock: &ManualClock,
) -> Result<Box<dyn Subject>, Value> {
    match primitive {
        "adaptive_timeout" => adaptive_timeout::build(config, clock),
        "backoff" => backoff::build(config, clock),
        "bulkhead" => bulkhead::build(config, clock),
        "circuit_breaker" => circuit_breaker::build(config, clock),
        "classify" => classify::build(config, clock),
        "fault_injector" => fault::build(config, clock),
        "headers" => headers::build(config, clock),
        "keyed_limiter" => keyed::build(config, clock),
        "policy" => policy::build(config, clock),
        "policy_run" => policy_run::build(config, clock),
        "retry_budget" => retry_budget::build(config, clock),
        "retry_run" => retry_run::build(config, clock),
        "sliding_window" => sliding_window::build(config, clock),
        "token_bucket" => token_bucket::build(config, clock),
        other => Err(serde_json::json!({ "runner_error": format!("unknown primitive {other:?}") })),
    }
}

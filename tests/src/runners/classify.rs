//! Runner not yet written: any vector for this primitive fails.

use crate::Subject;
use seawall::clock::ManualClock;
use serde_json::Value;

/// Builds the subject from a vector's config.
pub fn build(_config: &Value, _clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    Err(serde_json::json!({ "runner_error": "runner not implemented" }))
}

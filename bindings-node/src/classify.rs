//! Core's classification tables, for `lib/classify.js`.

use napi_derive::napi;
use seawall::classify;

/// Core's classification tables, read once by `lib/classify.js`.
#[napi(object)]
pub struct ClassifyTables {
    pub statuses: Vec<u32>,
    pub kinds: Vec<String>,
    /// `[code, kind]` pairs.
    pub codes: Vec<Vec<String>>,
}

#[napi(catch_unwind)]
pub fn classify_tables() -> ClassifyTables {
    ClassifyTables {
        statuses: classify::RETRYABLE_STATUSES
            .iter()
            .map(|s| u32::from(*s))
            .collect(),
        kinds: classify::RetryableKind::ALL
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        codes: classify::CODE_KINDS
            .iter()
            .map(|(c, k)| vec![(*c).to_string(), k.as_str().to_string()])
            .collect(),
    }
}

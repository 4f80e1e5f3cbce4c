//! `RetryBudget`.

use crate::conf::Opts;
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::retry_budget as rb;

#[napi(js_name = "NativeRetryBudget")]
pub struct RetryBudget {
    pub(crate) inner: std::sync::Arc<rb::RetryBudget>,
}

/// Retry budget metrics.
#[napi(object)]
pub struct RetryBudgetMetrics {
    pub tokens_milli: f64,
    pub tokens: f64,
    pub max_tokens_milli: f64,
    pub threshold_milli: f64,
    pub retries_allowed: f64,
    pub retries_denied: f64,
    pub successes: f64,
    pub failures: f64,
}

impl RetryBudget {
    /// The core budget.
    pub fn core(&self) -> &std::sync::Arc<rb::RetryBudget> {
        &self.inner
    }
}

#[napi]
impl RetryBudget {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>) -> Result<Self> {
        let o = Opts::new(options);
        let d = rb::RetryBudgetConfig::default();
        let max_tokens = match o.uint("maxTokens", "max_tokens")? {
            None => d.max_tokens,
            Some(v) => u32::try_from(v).unwrap_or(u32::MAX),
        };
        let cfg = rb::RetryBudgetConfig {
            max_tokens,
            token_ratio: o
                .float("tokenRatio", "token_ratio")?
                .unwrap_or(d.token_ratio),
        };
        let inner = match crate::region::region_of(&o)? {
            Some((r, n)) => rb::RetryBudget::in_region(cfg, &r, &n),
            None => rb::RetryBudget::new(cfg),
        }
        .map_err(|e| o.core_error(&e))?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// Registers this budget for the other threads of the process.
    #[napi(catch_unwind)]
    pub fn share(&self) -> f64 {
        crate::share::share("RetryBudget", &self.inner)
    }

    /// This thread's object for the budget another thread shared.
    #[napi(factory, catch_unwind)]
    pub fn attach(id: f64) -> Result<Self> {
        Ok(Self {
            inner: crate::share::attach("RetryBudget", id)?,
        })
    }

    #[napi(catch_unwind)]
    pub fn try_retry(&self) -> bool {
        self.inner.try_retry()
    }

    #[napi(catch_unwind)]
    pub fn record_failure(&self) {
        self.inner.record_failure()
    }

    #[napi(catch_unwind)]
    pub fn record_success(&self) {
        self.inner.record_success()
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> RetryBudgetMetrics {
        let m = self.inner.metrics();
        RetryBudgetMetrics {
            tokens_milli: m.tokens_milli as f64,
            tokens: m.tokens,
            max_tokens_milli: m.max_tokens_milli as f64,
            threshold_milli: m.threshold_milli as f64,
            retries_allowed: m.retries_allowed as f64,
            retries_denied: m.retries_denied as f64,
            successes: m.successes as f64,
            failures: m.failures as f64,
        }
    }
}

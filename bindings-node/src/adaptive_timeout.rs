//! `AdaptiveTimeout`.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, ms_to_duration, Opts};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::adaptive_timeout as at;

#[napi(js_name = "NativeAdaptiveTimeout")]
pub struct AdaptiveTimeout {
    pub(crate) inner: std::sync::Arc<at::AdaptiveTimeout>,
}

/// Adaptive timeout counters (latencies in ms).
#[napi(object)]
pub struct AdaptiveTimeoutMetrics {
    pub samples: f64,
    pub total: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub timeout_ms: f64,
}

#[napi]
impl AdaptiveTimeout {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let d = at::AdaptiveTimeoutConfig::default();
        let cfg = at::AdaptiveTimeoutConfig {
            percentile: o.float("percentile", "percentile")?.unwrap_or(d.percentile),
            multiplier: o.float("multiplier", "multiplier")?.unwrap_or(d.multiplier),
            min_timeout: o
                .duration_ms("minTimeoutMs", "min_timeout")?
                .unwrap_or(d.min_timeout),
            max_timeout: o
                .duration_ms("maxTimeoutMs", "max_timeout")?
                .unwrap_or(d.max_timeout),
            initial_timeout: o
                .duration_ms("initialTimeoutMs", "initial_timeout")?
                .unwrap_or(d.initial_timeout),
            min_samples: o
                .uint("minSamples", "min_samples")?
                .unwrap_or(d.min_samples),
            window: o.duration_ms("windowMs", "window")?.unwrap_or(d.window),
        };
        let inner =
            at::AdaptiveTimeout::with_clock(cfg, source(clock)).map_err(|e| o.core_error(&e))?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// Records one latency (ms; negative or NaN counts as 0).
    #[napi(catch_unwind)]
    pub fn record_ms(&self, ms: f64) {
        let v = if ms.is_finite() && ms > 0.0 {
            ms.min(3.2e12)
        } else {
            0.0
        };
        self.inner.record(ms_to_duration(v));
    }

    /// The timeout to use now, ms.
    #[napi(catch_unwind)]
    pub fn timeout_ms(&self) -> f64 {
        duration_ms(self.inner.timeout())
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> AdaptiveTimeoutMetrics {
        let m = self.inner.metrics();
        AdaptiveTimeoutMetrics {
            samples: m.samples as f64,
            total: m.total as f64,
            p50_ms: duration_ms(m.p50),
            p95_ms: duration_ms(m.p95),
            p99_ms: duration_ms(m.p99),
            timeout_ms: duration_ms(m.timeout),
        }
    }
}

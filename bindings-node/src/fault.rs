//! `FaultInjector`.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, Opts};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::fault::{self, Fault};

/// `decide()`: no fault (`protocol().faultNone`).
pub const NO_FAULT: f64 = -1.0;
/// `decide()`: inject an error (`protocol().faultError`).
pub const INJECT_ERROR: f64 = -2.0;

#[napi(js_name = "NativeFaultInjector")]
pub struct FaultInjector {
    pub(crate) inner: std::sync::Arc<fault::FaultInjector>,
}

/// Fault injector counters.
#[napi(object)]
pub struct FaultInjectorMetrics {
    pub decisions: f64,
    pub errors: f64,
    pub delays: f64,
    pub enabled: bool,
}

#[napi]
impl FaultInjector {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let d = fault::FaultInjectorConfig::default();
        let cfg = fault::FaultInjectorConfig {
            error_rate: o.float("errorRate", "error_rate")?.unwrap_or(d.error_rate),
            delay_rate: o.float("delayRate", "delay_rate")?.unwrap_or(d.delay_rate),
            delay_min: o
                .duration_ms("delayMinMs", "delay_min")?
                .unwrap_or(d.delay_min),
            delay_max: o
                .duration_ms("delayMaxMs", "delay_max")?
                .unwrap_or(d.delay_max),
            seed: o.seed("seed")?,
            enabled: o.boolean("enabled")?.unwrap_or(d.enabled),
        };
        let inner =
            fault::FaultInjector::with_clock(cfg, source(clock)).map_err(|e| o.core_error(&e))?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// [`NO_FAULT`], [`INJECT_ERROR`], or >= 0: delay this many ms.
    #[napi(catch_unwind)]
    pub fn decide(&self) -> f64 {
        match self.inner.decide() {
            Fault::None => NO_FAULT,
            Fault::Error => INJECT_ERROR,
            Fault::Delay(d) => duration_ms(d),
        }
    }

    #[napi(catch_unwind)]
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.set_enabled(enabled)
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> FaultInjectorMetrics {
        let m = self.inner.metrics();
        FaultInjectorMetrics {
            decisions: m.decisions as f64,
            errors: m.errors as f64,
            delays: m.delays as f64,
            enabled: m.enabled,
        }
    }
}

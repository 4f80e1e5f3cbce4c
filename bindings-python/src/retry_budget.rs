//! `RetryBudget`: retries limited to a share of traffic (gRPC retry
//! throttling; core `seawall::retry_budget`).

use crate::convert::{count, real, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::retry_budget::{RetryBudget as Core, RetryBudgetConfig};
use seawall::Error;
use std::sync::Arc;

/// A token bucket of retries: each failed attempt costs one token, each
/// success gives back `token_ratio`; a retry is allowed while more than
/// `max_tokens / 2` remain. Share one budget between all calls to a
/// dependency.
#[pyclass(frozen, weakref, module = "seawall._native", name = "RetryBudget")]
pub struct RetryBudget {
    pub inner: Arc<Core>,
}

#[pymethods]
impl RetryBudget {
    #[new]
    #[pyo3(signature = (max_tokens=None, token_ratio=None, *, region=None, name=None))]
    fn new(
        py: Python<'_>,
        max_tokens: Option<&Bound<'_, PyAny>>,
        token_ratio: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = RetryBudgetConfig::default();
        let max_tokens = match max_tokens {
            Some(v) if !v.is_none() => {
                let n = count(v, "max_tokens", Kind::Config)?;
                u32::try_from(n).map_err(|_| {
                    to_pyerr(
                        py,
                        &Error::config("max_tokens", format!("must be in [1, 1000000], got {n}")),
                    )
                })?
            }
            _ => d.max_tokens,
        };
        let token_ratio = match token_ratio {
            Some(v) if !v.is_none() => real(v, "token_ratio", Kind::Config)?,
            _ => d.token_ratio,
        };
        let cfg = RetryBudgetConfig {
            max_tokens,
            token_ratio,
        };
        let built = match crate::region::region_arg(region, name)? {
            Some((r, n)) => Core::in_region(cfg, &r, &n),
            None => Core::new(cfg),
        };
        let inner = Arc::new(built.map_err(|e| to_pyerr(py, &e))?);
        Ok(Self { inner })
    }

    /// Records a failed attempt and answers whether it may be retried.
    fn try_retry(&self) -> bool {
        self.inner.try_retry()
    }

    /// Records a failed attempt that will not be retried anyway.
    fn record_failure(&self) {
        self.inner.record_failure()
    }

    /// Records a successful call.
    fn record_success(&self) {
        self.inner.record_success()
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("tokens", m.tokens)?;
        d.set_item("tokens_milli", m.tokens_milli)?;
        d.set_item("max_tokens_milli", m.max_tokens_milli)?;
        d.set_item("threshold_milli", m.threshold_milli)?;
        d.set_item("retries_allowed", m.retries_allowed)?;
        d.set_item("retries_denied", m.retries_denied)?;
        d.set_item("successes", m.successes)?;
        d.set_item("failures", m.failures)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!("RetryBudget(tokens={})", m.tokens)
    }
}

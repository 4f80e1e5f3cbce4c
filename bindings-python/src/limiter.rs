//! What every rate limiter shares in Python: the `Decision` object, the
//! rate-limit response headers, and the blocking wait of `acquire()`.

use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::clock::{duration_to_ns, Clock, ClockSource, MonotonicClock};
use seawall::{Decision as CoreDecision, Error};
use std::time::Duration;

/// A rate limiter's answer: `allowed`, `remaining`, `retry_after` and
/// `reset_after` (float seconds; `*_ns` for exact integers), and the
/// limiter's `limit`. Truthy when allowed.
#[pyclass(frozen, module = "seawall._native", name = "Decision")]
pub struct Decision {
    pub d: CoreDecision,
    pub limit: u64,
    /// The quota window of the limiter's policy (`spec/headers.md`), ns.
    pub window_ns: u64,
}

/// The quota window of a token bucket: `burst × T` (`spec/headers.md`).
pub fn token_bucket_window_ns(cfg: &seawall::token_bucket::TokenBucketConfig) -> u64 {
    seawall::headers::QuotaPolicy::token_bucket("default", cfg)
        .map_or(0, |p| duration_to_ns(p.window()))
}

#[pymethods]
impl Decision {
    #[getter]
    fn allowed(&self) -> bool {
        self.d.allowed
    }
    #[getter]
    fn remaining(&self) -> u64 {
        self.d.remaining
    }
    #[getter]
    fn retry_after(&self) -> f64 {
        self.d.retry_after.as_secs_f64()
    }
    #[getter]
    fn reset_after(&self) -> f64 {
        self.d.reset_after.as_secs_f64()
    }
    #[getter]
    fn retry_after_ns(&self) -> u64 {
        duration_to_ns(self.d.retry_after)
    }
    #[getter]
    fn reset_after_ns(&self) -> u64 {
        duration_to_ns(self.d.reset_after)
    }
    #[getter]
    fn limit(&self) -> u64 {
        self.limit
    }
    fn __bool__(&self) -> bool {
        self.d.allowed
    }

    /// The rate-limit response headers (`spec/headers.md`, core's
    /// `seawall::headers`): `RateLimit-Policy`, `RateLimit` (IETF draft),
    /// `X-RateLimit-Limit` / `-Remaining` / `-Reset` and, when denied,
    /// `Retry-After`; times in whole seconds, rounded up. `name` names the
    /// quota policy (default "default").
    #[pyo3(signature = (name=None))]
    fn headers<'py>(
        &self,
        py: Python<'py>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let name = match name {
            Some(n) if !n.is_none() => match n.cast::<pyo3::types::PyString>() {
                Ok(s) => s.to_string(),
                Err(_) => {
                    return Err(crate::convert::wrong_type(
                        "name",
                        "a str",
                        n,
                        crate::convert::Kind::Argument,
                    ))
                }
            },
            _ => "default".to_owned(),
        };
        let policy = seawall::headers::QuotaPolicy::new(
            &name,
            self.limit,
            Duration::from_nanos(self.window_ns),
        )
        .map_err(|e| to_pyerr(py, &e))?;
        crate::classify::headers_dict(py, &self.d, &policy)
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(allowed={}, remaining={}, retry_after={:?}, reset_after={:?}, limit={})",
            if self.d.allowed { "True" } else { "False" },
            self.d.remaining,
            self.d.retry_after.as_secs_f64(),
            self.d.reset_after.as_secs_f64(),
            self.limit
        )
    }
}

enum Waited {
    Granted(CoreDecision),
    TimedOut(CoreDecision),
    Again,
}

/// How long one stretch without the GIL may last before we re-attach to
/// look for signals (Ctrl-C must still work during a long wait).
const SIGNAL_CHECK_NS: u64 = 50_000_000;
/// Poll interval on a ManualClock: its time moves only when another thread
/// advances it, so there is no retry_after to sleep for.
const MANUAL_POLL: Duration = Duration::from_millis(1);

/// Blocks (GIL released) until `attempt` grants, or the wait would end past
/// `timeout` on the limiter's clock: then `RateLimitedError(retry_after)`.
/// A wait that cannot finish in time fails at once instead of sleeping.
pub fn wait_for<F>(
    py: Python<'_>,
    clock: &ClockSource,
    timeout: Option<Duration>,
    attempt: F,
) -> PyResult<CoreDecision>
where
    F: Fn() -> Result<CoreDecision, Error> + Sync,
{
    let deadline = timeout.map(|t| clock.now_ns().saturating_add(duration_to_ns(t)));
    let manual = matches!(clock, ClockSource::Manual(_));
    loop {
        let r = py.detach(|| -> Result<Waited, Error> {
            let real_start = MonotonicClock.now_ns();
            loop {
                let d = attempt()?;
                if d.allowed {
                    return Ok(Waited::Granted(d));
                }
                let now = clock.now_ns();
                if let Some(dl) = deadline {
                    if now.saturating_add(duration_to_ns(d.retry_after)) > dl {
                        return Ok(Waited::TimedOut(d));
                    }
                }
                let sleep = if manual {
                    MANUAL_POLL
                } else {
                    d.retry_after.clamp(
                        Duration::from_micros(10),
                        Duration::from_nanos(SIGNAL_CHECK_NS),
                    )
                };
                std::thread::sleep(sleep);
                if MonotonicClock.now_ns().saturating_sub(real_start) >= SIGNAL_CHECK_NS {
                    return Ok(Waited::Again);
                }
            }
        });
        match r {
            Ok(Waited::Granted(d)) => return Ok(d),
            Ok(Waited::TimedOut(d)) => {
                return Err(to_pyerr(
                    py,
                    &Error::RateLimited {
                        retry_after: d.retry_after,
                    },
                ))
            }
            Ok(Waited::Again) => py.check_signals()?,
            Err(e) => return Err(to_pyerr(py, &e)),
        }
    }
}

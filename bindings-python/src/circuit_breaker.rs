//! `CircuitBreaker`, its `BreakerPermit`, and the native decorator wrapper
//! (core `seawall::circuit_breaker`).
//!
//! The protected-call path (`call()` and the sync decorator) is native:
//! acquire, call, classify the exception, record, with no Python frame of
//! ours in between.

use crate::clock::source;
use crate::convert::{count, real, secs, Kind};
use crate::errors::to_pyerr;
use crate::kwargs::Kw;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use seawall::circuit_breaker::{
    CircuitBreaker as Core, Config, ListenerId, Outcome, Permit as CorePermit, WindowKind,
};
use seawall::clock::{duration_to_ns, ClockSource};
use seawall::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

fn mode_name(v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<String> {
    match v.cast::<PyString>() {
        Ok(s) => Ok(s.to_string()),
        Err(_) => Err(crate::convert::wrong_type(field, "a str", v, Kind::Config)),
    }
}

fn exc_types(py: Python<'_>, v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<Py<PyTuple>> {
    let base = py.get_type::<pyo3::exceptions::PyBaseException>();
    let tuple = if let Ok(t) = v.cast::<PyTuple>() {
        t.clone()
    } else {
        PyTuple::new(py, [v])?
    };
    for t in tuple.iter() {
        let ok = t
            .cast::<PyType>()
            .map(|ty| ty.is_subclass(&base).unwrap_or(false))
            .unwrap_or(false);
        if !ok {
            return Err(crate::convert::wrong_type(
                field,
                "an exception type or a tuple of them",
                v,
                Kind::Config,
            ));
        }
    }
    Ok(tuple.unbind())
}

/// A registered `on_state_change` callback. Core's listener closure holds a
/// clone of the `Arc`, never a Python reference of its own: the one strong
/// reference to the callable lives here, where `__traverse__` reports it to
/// the cyclic GC (a reference only core holds would be invisible to it, and
/// a listener that refers back to its breaker would leak the whole cycle).
type Callback = Arc<Py<PyAny>>;

/// The callbacks registered on one breaker, by core listener id.
///
/// Locking rules (the GC reads this list):
/// - held only by a thread attached to Python (so `fork()` never copies it
///   locked), only around Vec pushes and removals: no Python call, no
///   Python allocation, and no `Py` is dropped inside (a decref may run
///   `__del__`, which may register a listener), so a collection can never
///   start on a thread that holds it;
/// - `__traverse__` and `__clear__` only `try_lock`: should a collection
///   ever find it held, the callbacks are not reported, which makes them
///   look referenced from outside: the cycle survives this collection (the
///   safe way to be wrong) instead of deadlocking the GC.
#[derive(Default)]
struct Listeners(Mutex<Vec<(ListenerId, Callback)>>);

impl Listeners {
    fn lock(&self) -> MutexGuard<'_, Vec<(ListenerId, Callback)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_lock(&self) -> Option<MutexGuard<'_, Vec<(ListenerId, Callback)>>> {
        match self.0.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// The kind of the first seawall error on an exception's cause chain
/// (`seawall.classify.seawall_kind_on_chain`), None when there is none.
fn seawall_kind_on_chain(py: Python<'_>, v: &Bound<'_, PyAny>) -> Option<seawall::ErrorKind> {
    static F: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let f = F
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("seawall.classify")?
                .getattr("seawall_kind_on_chain")?
                .unbind())
        })
        .ok()?;
    let k = f.bind(py).call1((v,)).ok()?;
    let k: String = k.extract().ok()?;
    seawall::ErrorKind::from_wire(&k)
}

/// How a finished call is recorded.
#[derive(Clone, Copy)]
pub(crate) enum Finish {
    Record(Outcome),
    Release,
}

/// A circuit breaker. Keyword-only options (defaults as Resilience4j):
/// failure_rate_threshold=0.5, slow_call_rate_threshold=1.0,
/// slow_call_duration_threshold=60.0, window_kind="count_based",
/// window_size=100, minimum_number_of_calls=100, failure_count_threshold=None,
/// failure_count_period=None, open_duration=60.0,
/// open_duration_multiplier=1.0, max_open_duration=None,
/// half_open_max_calls=3, success_threshold=3; which exceptions count:
/// record_exceptions=None, ignore_exceptions=(), failure_predicate=None
/// (neither predicate: core's rule, every Exception is a failure but
/// seawall's own rejections, which never reached the dependency, are
/// ignored; a record predicate that does not match makes a success);
/// name=None, clock=None. Supports weak references (registries, caches).
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "CircuitBreaker"
)]
pub struct CircuitBreaker {
    pub inner: Arc<Core>,
    pub clock: ClockSource,
    /// `record_exceptions` as given (None: not given, core's default rule).
    record: Option<Py<PyTuple>>,
    ignore: Option<Py<PyTuple>>,
    predicate: Option<Py<PyAny>>,
    name: Option<String>,
    listeners: Listeners,
    /// The permits of open sync `with` blocks, each with the address of
    /// the frame that runs its `with` statement (its identity only, never
    /// dereferenced): `__exit__` finishes the newest permit of its own
    /// frame, so blocks that interleave on one thread (generators,
    /// coroutines suspended inside a sync `with`) or run on several threads
    /// each finish their own permit. (`async with` keeps its permits in a
    /// context variable, in Python.)
    with_stack: Mutex<Vec<(usize, Py<BreakerPermit>)>>,
}

/// The address of the Python frame running the current bytecode (the
/// caller of a native method): an identity for the `with` statement.
fn current_frame() -> usize {
    // SAFETY: called with the GIL held (from a #[pymethods] method);
    // PyEval_GetFrame returns a borrowed pointer (or NULL), used only as a
    // number.
    unsafe { pyo3::ffi::PyEval_GetFrame() as usize }
}

fn lock_stack<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CircuitBreaker {
    /// The time a call is timed from / to: none (0) when no rule needs
    /// its duration (slow-call rule off), else core's stopwatch for the
    /// slow-call threshold (the coarse clock when its tick allows).
    #[inline]
    fn now(&self) -> u64 {
        let cfg = self.inner.config();
        if cfg.slow_call_rate_threshold.is_none() {
            return 0;
        }
        self.clock
            .stopwatch_ns(duration_to_ns(cfg.slow_call_duration_threshold))
    }

    /// Success / failure / ignored for an exception, as configured.
    pub(crate) fn classify(&self, py: Python<'_>, e: &PyErr) -> Finish {
        let v = e.value(py);
        if !v.is_instance_of::<PyException>() {
            // KeyboardInterrupt, SystemExit, CancelledError, GeneratorExit:
            // says nothing about the dependency; give the permit back.
            return Finish::Release;
        }
        if let Some(ign) = &self.ignore {
            if v.is_instance(ign.bind(py).as_any()).unwrap_or(false) {
                return Finish::Record(Outcome::Ignored);
            }
        }
        // core's outcome rule (spec/classify.md, "Outcome of an error"):
        // a record predicate (failure_predicate, else record_exceptions)
        // decides failure vs success; without one, a seawall rejection that
        // never reached the dependency is ignored, anything else a failure.
        let recorded = if let Some(pred) = &self.predicate {
            Some(
                match pred.bind(py).call1((v,)).and_then(|r| r.is_truthy()) {
                    Ok(b) => b,
                    Err(pe) => {
                        pe.write_unraisable(py, Some(pred.bind(py)));
                        true
                    }
                },
            )
        } else {
            self.record
                .as_ref()
                .map(|r| v.is_instance(r.bind(py).as_any()).unwrap_or(false))
        };
        let seawall = match recorded {
            Some(_) => None,
            None => seawall_kind_on_chain(py, v),
        };
        Finish::Record(seawall::classify::outcome_for_error(
            false, recorded, seawall,
        ))
    }

    #[inline]
    fn finish(&self, p: CorePermit, how: Finish, start_ns: u64) {
        match how {
            Finish::Record(o) => {
                let d = Duration::from_nanos(self.now().saturating_sub(start_ns));
                self.inner.record(p, o, d)
            }
            Finish::Release => self.inner.release(p),
        }
    }

    /// A permit, or the refused call's error. Inlined into each caller
    /// (`__enter__`, the decorator's call): the refusal costs what it did
    /// before rejection events plus one flag test; the report is out of line.
    #[inline(always)]
    fn acquire_core(slf: &Bound<'_, Self>) -> PyResult<CorePermit> {
        match slf.get().inner.try_acquire() {
            Ok(p) => Ok(p),
            Err(r) => {
                let e = Error::from(r);
                if crate::events::wanted() {
                    rejected_by_breaker(slf, &e);
                }
                Err(to_pyerr(slf.py(), &e))
            }
        }
    }

    #[inline(always)]
    fn permit(slf: &Bound<'_, Self>) -> PyResult<BreakerPermit> {
        let p = Self::acquire_core(slf)?;
        Ok(BreakerPermit {
            breaker: slf.clone().unbind(),
            permit: p,
            start_ns: slf.get().now(),
            done: AtomicBool::new(false),
        })
    }

    /// acquire → call → classify → record. The one protected-call path.
    ///
    /// A sync callable that returns an awaitable (a lambda returning a
    /// coroutine, `call(async_fn)`) has not run yet: its permit goes with
    /// the awaitable into a coroutine that records the real outcome when it
    /// is awaited (see `seawall._aio.guarded`).
    #[inline]
    pub fn run(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let me = slf.get();
        let p = Self::acquire_core(slf)?;
        let start = me.now();
        match func.call(args, kwargs) {
            Ok(v) => {
                if crate::awaitable::returns_awaitable(&v)? {
                    let permit = BreakerPermit {
                        breaker: slf.clone().unbind(),
                        permit: p,
                        start_ns: start,
                        done: AtomicBool::new(false),
                    };
                    return crate::awaitable::guarded(py, permit, &v);
                }
                me.finish(p, Finish::Record(Outcome::Success), start);
                Ok(v.unbind())
            }
            Err(e) => {
                let how = me.classify(py, &e);
                me.finish(p, how, start);
                Err(e)
            }
        }
    }
}

#[pymethods]
impl CircuitBreaker {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let given: Vec<(String, Bound<'_, PyAny>)> = match kwargs {
            Some(d) => d.iter().map(|(k, v)| (k.to_string(), v)).collect(),
            None => Vec::new(),
        };
        let passed: Vec<(&str, Option<&Bound<'_, PyAny>>)> =
            given.iter().map(|(k, v)| (k.as_str(), Some(v))).collect();
        let mut kw = Kw::new("CircuitBreaker", kwargs)?;
        let d = Config::default();
        let c = Kind::Config;
        let window_kind = kw
            .take("window_kind")?
            .req("window_kind", d.window_kind, |v| {
                WindowKind::parse("window_kind", &mode_name(v, "window_kind")?)
                    .map_err(|e| to_pyerr(py, &e))
            })?;
        let cfg = Config {
            failure_rate_threshold: kw.take("failure_rate_threshold")?.opt(
                "failure_rate_threshold",
                d.failure_rate_threshold,
                true,
                |v| real(v, "failure_rate_threshold", c),
            )?,
            slow_call_rate_threshold: kw.take("slow_call_rate_threshold")?.opt(
                "slow_call_rate_threshold",
                d.slow_call_rate_threshold,
                true,
                |v| real(v, "slow_call_rate_threshold", c),
            )?,
            slow_call_duration_threshold: kw.take("slow_call_duration_threshold")?.req(
                "slow_call_duration_threshold",
                d.slow_call_duration_threshold,
                |v| secs(v, "slow_call_duration_threshold", c),
            )?,
            window_kind,
            window_size: kw
                .take("window_size")?
                .req("window_size", d.window_size, |v| count(v, "window_size", c))?,
            minimum_number_of_calls: kw.take("minimum_number_of_calls")?.req(
                "minimum_number_of_calls",
                d.minimum_number_of_calls,
                |v| count(v, "minimum_number_of_calls", c),
            )?,
            failure_count_threshold: kw.take("failure_count_threshold")?.opt(
                "failure_count_threshold",
                d.failure_count_threshold,
                true,
                |v| count(v, "failure_count_threshold", c),
            )?,
            failure_count_period: kw.take("failure_count_period")?.opt(
                "failure_count_period",
                d.failure_count_period,
                true,
                |v| secs(v, "failure_count_period", c),
            )?,
            open_duration: kw.take("open_duration")?.req(
                "open_duration",
                d.open_duration,
                |v| secs(v, "open_duration", c),
            )?,
            open_duration_multiplier: kw.take("open_duration_multiplier")?.req(
                "open_duration_multiplier",
                d.open_duration_multiplier,
                |v| real(v, "open_duration_multiplier", c),
            )?,
            max_open_duration: kw.take("max_open_duration")?.opt(
                "max_open_duration",
                d.max_open_duration,
                true,
                |v| secs(v, "max_open_duration", c),
            )?,
            half_open_max_calls: kw.take("half_open_max_calls")?.req(
                "half_open_max_calls",
                d.half_open_max_calls,
                |v| count(v, "half_open_max_calls", c),
            )?,
            success_threshold: kw.take("success_threshold")?.req(
                "success_threshold",
                d.success_threshold,
                |v| count(v, "success_threshold", c),
            )?,
        };
        let record = kw
            .take("record_exceptions")?
            .opt("record_exceptions", None, true, |v| {
                exc_types(py, v, "record_exceptions")
            })?;
        let ignore = kw
            .take("ignore_exceptions")?
            .opt("ignore_exceptions", None, true, |v| {
                exc_types(py, v, "ignore_exceptions")
            })?;
        let predicate =
            kw.take("failure_predicate")?
                .opt("failure_predicate", None, true, |v| {
                    if v.is_callable() {
                        Ok(v.clone().unbind())
                    } else {
                        Err(crate::convert::wrong_type(
                            "failure_predicate",
                            "callable",
                            v,
                            Kind::Config,
                        ))
                    }
                })?;
        let name = kw
            .take("name")?
            .opt("name", None, true, |v| mode_name(v, "name"))?;
        let clock = match kw.take("clock")? {
            crate::kwargs::Arg::Value(v) => source(Some(&v))?,
            _ => ClockSource::fast(),
        };
        let region = match kw.take("region")? {
            crate::kwargs::Arg::Value(v) => Some(v),
            _ => None,
        };
        kw.finish()?;
        let name_obj = name
            .as_ref()
            .map(|n| pyo3::types::PyString::new(py, n).into_any());
        // The breaker's `name` is its own (metrics, errors) too: it names a
        // region slot only with `region=`.
        let slot_name = if region.is_some() {
            name_obj.as_ref()
        } else {
            None
        };
        let built = match crate::region::region_arg(region.as_ref(), slot_name)? {
            Some((r, n)) => Core::in_region_with_clock(cfg, clock.clone(), &r, &n),
            None => Core::with_clock(cfg, clock.clone()),
        };
        let inner = Arc::new(built.map_err(|e| crate::errors::config_error(py, &e, &passed))?);
        Ok(Self {
            inner,
            clock,
            record,
            ignore,
            predicate,
            name,
            listeners: Listeners::default(),
            with_stack: Mutex::new(Vec::new()),
        })
    }

    /// `with breaker:` takes a permit (CircuitOpenError when rejected) and
    /// returns it; `__exit__` finishes it for the block's exception (none:
    /// success), unless the block finished it. Native, no Python code runs.
    fn __enter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, BreakerPermit>> {
        let py = slf.py();
        let permit = Bound::new(py, Self::permit(slf)?)?;
        let frame = current_frame();
        let mut stack = lock_stack(&slf.get().with_stack);
        if stack.try_reserve(1).is_err() {
            return Err(pyo3::exceptions::PyMemoryError::new_err(
                "CircuitBreaker: no memory for another open with block",
            ));
        }
        stack.push((frame, permit.clone().unbind()));
        Ok(permit)
    }

    #[pyo3(signature = (_exc_type=None, exc=None, _tb=None))]
    fn __exit__(
        slf: &Bound<'_, Self>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let py = slf.py();
        let frame = current_frame();
        let permit = {
            let mut stack = lock_stack(&slf.get().with_stack);
            // The newest block of this frame; a bare __exit__ call from
            // another function than its __enter__ takes the newest block.
            let at = stack
                .iter()
                .rposition(|(f, _)| *f == frame)
                .or_else(|| stack.len().checked_sub(1));
            at.map(|i| stack.remove(i).1)
        };
        let Some(permit) = permit else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "CircuitBreaker.__exit__ without a matching __enter__",
            ));
        };
        let permit = permit.bind(py).get();
        if !permit.finished() {
            permit.finish(py, exc)?;
        }
        Ok(false)
    }

    /// Lets the garbage collector see the Python objects held here (a
    /// predicate or a listener that refers back to its breaker is
    /// collectable). Each listener is visited once: it is one reference.
    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Ok(stack) = self.with_stack.try_lock() {
            for (_, p) in stack.iter() {
                visit.call(p)?;
            }
        }
        if let Some(r) = &self.record {
            visit.call(r)?;
        }
        if let Some(i) = &self.ignore {
            visit.call(i)?;
        }
        if let Some(p) = &self.predicate {
            visit.call(p)?;
        }
        // Never blocks (see `Listeners`).
        if let Some(ls) = self.listeners.try_lock() {
            for (_, cb) in ls.iter() {
                visit.call(&**cb)?;
            }
        }
        Ok(())
    }

    /// Breaks a cycle the GC found: unregisters every listener (the
    /// exception types and the predicate are set once at construction, so
    /// a cycle through them always has a mutable link elsewhere to clear).
    fn __clear__(&self) {
        let taken = match self.listeners.try_lock() {
            Some(mut ls) => std::mem::take(&mut *ls),
            None => return,
        };
        for (id, _) in &taken {
            self.inner.remove_listener(*id);
        }
        // The callables are released here, outside both locks.
        drop(taken);
    }

    /// A BreakerPermit to make one call, or None when the breaker rejects it.
    fn try_acquire(slf: &Bound<'_, Self>) -> Option<BreakerPermit> {
        let me = slf.get();
        match me.inner.try_acquire() {
            Ok(p) => Some(BreakerPermit {
                breaker: slf.clone().unbind(),
                permit: p,
                start_ns: me.now(),
                done: AtomicBool::new(false),
            }),
            Err(r) => {
                if crate::events::wanted() {
                    rejected_by_breaker(slf, &Error::from(r));
                }
                None
            }
        }
    }

    /// Like try_acquire, but raises CircuitOpenError (with retry_after).
    fn acquire(slf: &Bound<'_, Self>) -> PyResult<BreakerPermit> {
        Self::permit(slf)
    }

    /// Calls `func(*args, **kwargs)` through the breaker: CircuitOpenError
    /// when rejected; the outcome (classified) is recorded.
    #[pyo3(signature = (func, /, *args, **kwargs))]
    fn call(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        Self::run(slf, func, args, kwargs)
    }

    /// The native wrapper the sync decorator returns.
    fn _wrap(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>) -> PyResult<BreakerCall> {
        if !func.is_callable() {
            return Err(PyTypeError::new_err("CircuitBreaker decorates callables"));
        }
        Ok(BreakerCall {
            breaker: slf.clone().unbind(),
            func: func.clone().unbind(),
        })
    }

    /// How an exception would be recorded: "failure", "success", "ignored"
    /// or "released" (BaseExceptions that are not Exceptions).
    fn classify_exception(&self, py: Python<'_>, exc: &Bound<'_, PyAny>) -> &'static str {
        let e = PyErr::from_value(exc.clone());
        match self.classify(py, &e) {
            Finish::Record(o) => match o {
                Outcome::Failure => "failure",
                Outcome::Success => "success",
                Outcome::Ignored => "ignored",
            },
            Finish::Release => "released",
        }
    }

    /// "closed", "open", "half_open", "disabled", "forced_open" or "metrics_only".
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Holds the breaker open until reset().
    fn force_open(&self) {
        self.inner.force_open()
    }
    /// Admits every call and records nothing until reset().
    fn disable(&self) {
        self.inner.disable()
    }
    /// Admits every call and records outcomes, never trips, until reset().
    fn metrics_only(&self) {
        self.inner.metrics_only()
    }
    /// Back to closed with empty windows.
    fn reset(&self) {
        self.inner.reset()
    }

    /// For a breaker in a SharedRegion: runs this process's listeners for
    /// transitions other processes made since it last looked (every call
    /// on the breaker does this too; an idle worker can call it from a
    /// timer). Does nothing for a breaker of this process alone.
    fn poll_transitions(&self, py: Python<'_>) {
        // Listeners need the GIL: keep it (they run on this thread).
        let _ = py;
        self.inner.poll_transitions()
    }

    /// For a breaker in a SharedRegion: a background thread runs
    /// poll_transitions() every `every` seconds (default 0.1), so an idle
    /// worker's listeners still hear other workers' transitions (on that
    /// thread). Returns a TransitionWatcher; stop() it (or let it go).
    #[pyo3(signature = (every=None))]
    fn watch_transitions(
        &self,
        py: Python<'_>,
        every: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<TransitionWatcher> {
        let every = match every {
            Some(v) if !v.is_none() => secs(v, "every", Kind::Argument)?,
            _ => Duration::from_millis(100),
        };
        let w = self
            .inner
            .watch_transitions(every)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(TransitionWatcher {
            inner: Mutex::new(Some(w)),
        })
    }

    /// Calls `callback(from_state, to_state)` after every transition, on the
    /// thread that made it. Returns an id for remove_listener(). Exceptions
    /// raised by the callback are reported with sys.unraisablehook.
    fn on_state_change(&self, callback: &Bound<'_, PyAny>) -> PyResult<u64> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err("on_state_change needs a callable"));
        }
        let cb: Callback = Arc::new(callback.clone().unbind());
        let held = Arc::clone(&cb);
        // Registered in core and here under our lock, so `__clear__` never
        // sees an id core does not know yet (core's own lock nests inside;
        // neither runs Python code).
        let mut ls = self.listeners.lock();
        let id = self.inner.on_transition(Box::new(move |t| {
            Python::attach(|py| {
                let f = cb.bind(py);
                if let Err(e) = f.call1((t.from.as_str(), t.to.as_str())) {
                    e.write_unraisable(py, Some(f));
                }
            })
        }));
        ls.push((id, held));
        Ok(id.0)
    }

    /// Removes a listener; True if it was registered.
    fn remove_listener(&self, listener_id: u64) -> bool {
        let id = ListenerId(listener_id);
        let removed = self.inner.remove_listener(id);
        let entry = {
            let mut ls = self.listeners.lock();
            ls.iter()
                .position(|(i, _)| *i == id)
                .map(|at| ls.swap_remove(at))
        };
        // The callable is released after both locks are let go (dropping it
        // may run Python code that uses this breaker).
        drop(entry);
        removed
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("state", m.state.as_str())?;
        d.set_item("calls", m.calls)?;
        d.set_item("successes", m.successes)?;
        d.set_item("failures", m.failures)?;
        d.set_item("slow", m.slow)?;
        d.set_item("ignored", m.ignored)?;
        d.set_item("rejected", m.rejected)?;
        d.set_item("transitions", m.transitions)?;
        d.set_item("buffered_calls", m.buffered_calls)?;
        d.set_item("buffered_failures", m.buffered_failures)?;
        d.set_item("buffered_slow", m.buffered_slow)?;
        d.set_item("failure_rate", m.failure_rate)?;
        d.set_item("slow_call_rate", m.slow_call_rate)?;
        d.set_item("failure_count", m.failure_count)?;
        d.set_item("half_open_in_flight", m.half_open_in_flight)?;
        d.set_item("half_open_successes", m.half_open_successes)?;
        d.set_item("open_duration", m.open_duration.as_secs_f64())?;
        d.set_item("open_duration_ns", duration_to_ns(m.open_duration))?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        match &self.name {
            Some(n) => format!(
                "CircuitBreaker(name={n:?}, state={:?})",
                self.inner.state().as_str()
            ),
            None => format!("CircuitBreaker(state={:?})", self.inner.state().as_str()),
        }
    }
}

/// Permission to make one call. Finish it once with success(), failure(),
/// ignore() or release(); a permit dropped unfinished is released.
#[pyclass(frozen, module = "seawall._native", name = "BreakerPermit")]
pub struct BreakerPermit {
    breaker: Py<CircuitBreaker>,
    permit: CorePermit,
    start_ns: u64,
    done: AtomicBool,
}

impl BreakerPermit {
    fn take(&self) -> bool {
        !self.done.swap(true, Ordering::AcqRel)
    }

    fn duration(&self, py: Python<'_>, duration: Option<&Bound<'_, PyAny>>) -> PyResult<Duration> {
        let _ = py;
        match duration {
            Some(d) if !d.is_none() => secs(d, "duration", Kind::Argument),
            _ => Ok(Duration::from_nanos(
                self.breaker.get().now().saturating_sub(self.start_ns),
            )),
        }
    }

    fn record(
        &self,
        py: Python<'_>,
        o: Outcome,
        duration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let d = self.duration(py, duration)?;
        if !self.take() {
            return Ok(false);
        }
        self.breaker.get().inner.record(self.permit, o, d);
        Ok(true)
    }
}

#[pymethods]
impl BreakerPermit {
    /// Records a success (duration measured since acquire unless given, in
    /// seconds). False if the permit was already finished.
    #[pyo3(signature = (duration=None))]
    fn success(&self, py: Python<'_>, duration: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        self.record(py, Outcome::Success, duration)
    }
    /// Records a failure.
    #[pyo3(signature = (duration=None))]
    fn failure(&self, py: Python<'_>, duration: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        self.record(py, Outcome::Failure, duration)
    }
    /// Records an outcome that says nothing about the dependency (counted in
    /// metrics()["ignored"]; a half-open probe gives its slot back).
    fn ignore(&self, py: Python<'_>) -> PyResult<bool> {
        self.record(py, Outcome::Ignored, None)
    }
    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.breaker)
    }

    /// Gives the permit back without recording anything.
    fn release(&self) -> bool {
        if !self.take() {
            return false;
        }
        self.breaker.get().inner.release(self.permit);
        true
    }
    /// Finishes the permit for an exception, classified as the breaker is
    /// configured (None means success).
    fn finish(&self, py: Python<'_>, exc: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let how = match exc {
            None => Finish::Record(Outcome::Success),
            Some(e) if e.is_none() => Finish::Record(Outcome::Success),
            Some(e) => self
                .breaker
                .get()
                .classify(py, &PyErr::from_value(e.clone())),
        };
        if !self.take() {
            return Ok(false);
        }
        self.breaker.get().finish(self.permit, how, self.start_ns);
        Ok(true)
    }
    #[getter]
    fn probe(&self) -> bool {
        self.permit.is_probe()
    }
    #[getter]
    fn finished(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
    fn __repr__(&self) -> String {
        format!(
            "BreakerPermit(probe={}, finished={})",
            if self.permit.is_probe() {
                "True"
            } else {
                "False"
            },
            if self.finished() { "True" } else { "False" }
        )
    }
}

impl Drop for BreakerPermit {
    fn drop(&mut self) {
        if self.take() {
            self.breaker.get().inner.release(self.permit);
        }
    }
}

/// A function protected by a breaker (what `@breaker` returns for a plain
/// `def`; a call that returns an awaitable is guarded until it is awaited). Calls go acquire → call → record natively. Has a `__dict__` so
/// functools.update_wrapper can copy the name, docs and `__wrapped__`.
#[pyclass(frozen, dict, module = "seawall._native", name = "BreakerCall")]
pub struct BreakerCall {
    breaker: Py<CircuitBreaker>,
    func: Py<PyAny>,
}

#[pymethods]
impl BreakerCall {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        CircuitBreaker::run(self.breaker.bind(py), self.func.bind(py), args, kwargs)
    }

    /// Pickles by reference, like the function it wraps: a module-level
    /// `@breaker` function is found again by `__module__` and `__qualname__`
    /// (copied by functools.update_wrapper), so multiprocessing and
    /// concurrent.futures can send it to a worker process. The worker has
    /// its own breaker (the module's), not this process's state.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        match slf.getattr("__qualname__") {
            Ok(q) => Ok(q),
            Err(_) => slf.get().func.bind(slf.py()).getattr("__qualname__"),
        }
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.breaker)?;
        visit.call(&self.func)?;
        Ok(())
    }

    /// Binds like a function, so decorated methods receive `self`.
    fn __get__<'py>(
        slf: &Bound<'py, Self>,
        obj: Option<&Bound<'py, PyAny>>,
        objtype: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = objtype;
        match obj {
            None => Ok(slf.clone().into_any()),
            Some(o) if o.is_none() => Ok(slf.clone().into_any()),
            Some(o) => {
                static METHOD: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                METHOD
                    .import(slf.py(), "types", "MethodType")?
                    .call1((slf, o))
            }
        }
    }

    #[getter]
    fn breaker(&self, py: Python<'_>) -> Py<CircuitBreaker> {
        self.breaker.clone_ref(py)
    }
}

/// The thread of CircuitBreaker.watch_transitions(); stop() ends it.
#[pyclass(frozen, module = "seawall._native", name = "TransitionWatcher")]
pub struct TransitionWatcher {
    inner: Mutex<Option<seawall::circuit_breaker::TransitionWatcher>>,
}

impl TransitionWatcher {
    fn take(&self) -> Option<seawall::circuit_breaker::TransitionWatcher> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

#[pymethods]
impl TransitionWatcher {
    /// Stops the thread and waits for it (a listener it is running
    /// finishes first). Idempotent.
    fn stop(&self, py: Python<'_>) {
        let w = self.take();
        // Joining waits for a listener that may want the GIL: let it go.
        py.detach(|| drop(w));
    }
}

impl Drop for TransitionWatcher {
    fn drop(&mut self) {
        let w = self.take();
        if w.is_some() {
            Python::attach(|py| py.detach(|| drop(w)));
        }
    }
}

#[cold]
#[inline(never)]
fn rejected_by_breaker(slf: &Bound<'_, CircuitBreaker>, e: &Error) {
    let ra = match e {
        Error::CircuitOpen { retry_after } => Some(*retry_after),
        _ => None,
    };
    crate::events::rejected(slf.py(), slf.as_any(), "circuit_breaker", ra, None);
}

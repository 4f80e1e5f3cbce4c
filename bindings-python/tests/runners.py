"""One runner per primitive, mirroring tests/src/runners/<primitive>.rs.

Each ``build(config, clock)`` constructs the primitive through the public
Python API from a vector's config (core field names, durations in integer
ns → float seconds) and returns an object whose ``step(op, args, clock)``
returns the output dict. Errors raised by the API become error objects with
vectors.error_value.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, Optional

import seawall

from vectors import RunnerError, error_value, ns

Build = Callable[[Dict[str, Any], seawall.ManualClock], Any]


#: While set (by test_vectors_in_region.py), the runners of primitives
#: that can live in a shared region build them there, each under a fresh
#: name (spec/shared_memory.md: the vectors pass unchanged region-backed).
REGION: Optional[seawall.SharedRegion] = None
_SLOT_NAMES = itertools.count(1)


def _in_region() -> Dict[str, Any]:
    if REGION is None:
        return {}
    return {"region": REGION, "name": "vector-%d" % next(_SLOT_NAMES)}


def secs(v: int) -> float:
    """Vector ns → the float seconds the Python API takes."""
    return v / 1e9


RUNNERS: Dict[str, Build] = {}


def _cfg(config: Dict[str, Any], key: str, conv: Callable[[Any], Any] = lambda v: v) -> Any:
    """A config value for the Python API: absent → None (the API's default)."""
    v = config.get(key)
    return None if v is None else conv(v)


def _ns_to_secs(v: Any) -> Any:
    # The Python API takes float seconds; non-integers and negatives pass
    # through unchanged so the API's own validation sees them.
    return v / 1e9 if isinstance(v, int) and not isinstance(v, bool) else v


# --- backoff (tests/src/runners/backoff.rs) ---------------------------------


def _backoff(config: Dict[str, Any], clock: seawall.ManualClock) -> seawall.Backoff:
    return seawall.Backoff(
        _cfg(config, "kind"),
        base=_cfg(config, "base_ns", _ns_to_secs),
        factor=_cfg(config, "factor", float),
        max_delay=_cfg(config, "max_delay_ns", _ns_to_secs),
        jitter=_cfg(config, "jitter"),
        max_attempts=_cfg(config, "max_attempts"),
        max_elapsed=_cfg(config, "max_elapsed_ns", _ns_to_secs),
        seed=_cfg(config, "seed"),
        clock=clock,
    )


class BackoffRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.backoff = _backoff(config, clock)
        self.schedule = self.backoff.schedule()

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "delay_for":
            return {"delay_ns": self.backoff.delay_for_ns(args["attempt"])}
        if op == "new_schedule":
            self.schedule.finish()  # the current schedule ends (its retries are counted)
            self.schedule = self.backoff.schedule()
            return {}
        if op == "next_delay":
            got = self.schedule.next_delay_ns(args.get("retry_after_ns"), elapsed_ns=args.get("elapsed_ns"))
            retries = self.schedule.retries
            if got is None:
                return {"give_up": True, "retries": retries}
            return {"give_up": False, "delay_ns": got, "retries": retries}
        if op == "metrics":
            m = self.backoff.metrics()
            return {k: m[k] for k in ("schedules", "retries", "exhausted_attempts", "exhausted_elapsed")}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["backoff"] = BackoffRunner


# --- classify (tests/src/runners/classify.rs) -------------------------------


class ClassifyRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        pass

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        c = seawall.classify
        if op == "status":
            return {"retryable": c.is_retryable_status(args["status"])}
        if op == "kind":
            return {"retryable": c.is_retryable_kind(args["kind"])}
        if op == "code":
            kind = c.kind_for_code(args["code"])
            return {"kind": kind, "retryable": kind is not None}
        if op == "statuses":
            return {"statuses": list(c.RETRYABLE_STATUSES)}
        if op == "kinds":
            return {"kinds": list(c.RETRYABLE_KINDS)}
        if op == "error_kind":
            return {"retryable": c.is_retryable_error_kind(args["kind"])}
        if op == "chain":
            links = args["links"]
            if not links:  # no exception to build: the empty chain itself
                ok, hint, by = seawall._native.classify_chain([])
            else:
                # real exceptions, chained by __cause__, read by seawall.classify
                chain = [_exception_for(ln) for ln in links]
                for outer, inner in zip(chain, chain[1:]):
                    outer.__cause__ = inner
                ok, hint, by = c._verdict(chain[0])
            return {"retryable": ok, "retry_after_ns": hint, "decided_by": by}
        if op == "retry_after":
            got = c.parse_retry_after(args["value"], args.get("now_unix_ms", 0))
            return {"delay_ns": None if got is None else round(got * 1e9)}
        if op == "outcome":
            sw = args.get("seawall")
            exc = Exception("the caller's error") if sw is None else _SEAWALL_CLASSES[sw](sw)
            return {"outcome": c.outcome_for_error(exc, ignored=args.get("ignored", False), recorded=args.get("recorded"))}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["classify"] = ClassifyRunner

_SEAWALL_CLASSES = {
    cls.kind: cls
    for cls in (
        seawall.ConfigError, seawall.InvalidArgumentError, seawall.CircuitOpenError, seawall.RateLimitedError,
        seawall.BulkheadFullError, seawall.errors.TimeoutError, seawall.RetryBudgetExhaustedError,
        seawall.InjectedFaultError, seawall.RetryError,
    )
}


class _Coded(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _transport(kind: str) -> BaseException:
    """An exception of a listed transport kind, as Python raises them."""
    import errno

    return {
        "connection_reset": lambda: ConnectionResetError(errno.ECONNRESET, "reset"),
        "timed_out": lambda: TimeoutError("timed out"),
        "connection_refused": lambda: ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        "network_error": lambda: OSError(errno.ENETUNREACH, "unreachable"),
        "service_unavailable": lambda: _Coded("UNAVAILABLE"),
    }[kind]()


def _exception_for(link: Dict[str, Any]) -> BaseException:
    """One link of a vector's chain as a real exception: a seawall error of
    its kind, a transport failure, or a plain wrapper that says nothing; a
    ``status`` as ``status_code``; a hint as the seawall error's
    ``retry_after`` or a ``Retry-After`` header (exact decimal seconds)."""
    sw, tr, st, ra = link.get("seawall"), link.get("transport"), link.get("status"), link.get("retry_after_ns")
    e: BaseException
    if sw is not None:
        e = _SEAWALL_CLASSES[sw](sw, retry_after=None if ra is None else ra / 1e9)
    elif tr is not None:
        e = _transport(tr)
    else:
        e = Exception("a wrapper that says nothing")
    if st is not None:
        e.status_code = st  # type: ignore[attr-defined]
    if ra is not None and sw is None:
        e.headers = {"Retry-After": f"{ra // 10**9}.{ra % 10**9:09d}"}  # type: ignore[attr-defined]
    return e


# --- retry_run (tests/src/runners/retry_run.rs) -----------------------------


class RetryRunRunner:
    """The retry run through seawall.Retry's native core (RetryCore)."""

    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        backoff = _backoff(config.get("backoff") or {}, clock)
        bc = config.get("budget")
        budget = None if bc is None else seawall.RetryBudget(bc.get("max_tokens"), bc.get("token_ratio"))
        r = seawall.Retry(config.get("max_attempts"), backoff=backoff, budget=budget, clock=clock)
        self.core = r._core
        self.run = self.core.start()

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "start":
            self.run.abandon()
            self.run = self.core.start(deadline_ns=args.get("deadline_ns"))
            return {}
        if op == "success":
            self.run.on_success()
            return {"status": self.run.status, "attempts": self.run.attempts}
        if op == "abandon":
            self.run.abandon()
            return {"status": self.run.status, "attempts": self.run.attempts}
        if op == "failure":
            got = self.run.on_failure_ns(args.get("retryable", True), args.get("retry_after_ns"), args.get("duration_ns", 0))
            if got[0] == "sleep":
                return {"action": "sleep", "delay_ns": got[1], "attempts": got[2]}
            return {"action": "give_up", "reason": got[1], "attempts": got[2], "error": got[3]}
        if op == "metrics":
            return dict(self.core.metrics())
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["retry_run"] = RetryRunRunner


# --- headers (tests/src/runners/headers.rs) ---------------------------------


class HeadersRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.name = config.get("name", "default")
        self.limiter: Any = None
        if "token_bucket" in config:
            tb = config["token_bucket"]
            self.limiter = seawall.TokenBucket(tb.get("rate_per_sec"), tb.get("burst"), initial_tokens=tb.get("initial_tokens"), clock=clock)
        elif "sliding_window" in config:
            sw = config["sliding_window"]
            self.limiter = seawall.SlidingWindowLimiter(sw.get("limit"), _ns_to_secs(sw.get("window_ns")), buckets=sw.get("buckets"), clock=clock)
        else:
            self.limit = config.get("limit")
            self.window = _ns_to_secs(config.get("window_ns"))
        # The policy name is checked when the subject is built, as in Rust.
        self._headers(True, 0, 0, 0) if self.limiter is None else self.limiter.peek().headers(self.name)

    def _headers(self, allowed: bool, remaining: int, retry_after_ns: int, reset_after_ns: int) -> Dict[str, Any]:
        return dict(seawall.headers.rate_limit_headers(
            allowed=allowed, remaining=remaining, retry_after=retry_after_ns / 1e9,
            reset_after=reset_after_ns / 1e9, limit=self.limit, window=self.window, name=self.name))

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "headers":
            out = self._headers(args["allowed"], args["remaining"], args.get("retry_after_ns", 0), args.get("reset_after_ns", 0))
        elif op == "try_acquire":
            try:
                d = self.limiter.check(args.get("n"))
            except seawall.SeawallError as e:
                return error_value(e)
            out = dict(d.headers(self.name))
        else:
            raise RunnerError(f"unknown op {op!r}")
        out.setdefault("Retry-After", None)
        return out


RUNNERS["headers"] = HeadersRunner


# --- retry_budget (tests/src/runners/retry_budget.rs) -----------------------


class RetryBudgetRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.budget = seawall.RetryBudget(config.get("max_tokens"), config.get("token_ratio"), **_in_region())

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        b = self.budget
        if op == "success":
            b.record_success()
            return {"tokens_milli": b.metrics()["tokens_milli"]}
        if op == "failure":
            b.record_failure()
            return {"tokens_milli": b.metrics()["tokens_milli"]}
        if op == "try_retry":
            allowed = b.try_retry()
            return {"allowed": allowed, "tokens_milli": b.metrics()["tokens_milli"]}
        if op == "metrics":
            m = b.metrics()
            keys = ("tokens_milli", "max_tokens_milli", "retries_allowed", "retries_denied", "successes", "failures")
            return {k: m[k] for k in keys}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["retry_budget"] = RetryBudgetRunner


# --- circuit_breaker (tests/src/runners/circuit_breaker.rs) -----------------

_CB_DURATIONS = {
    "slow_call_duration_threshold_ns": "slow_call_duration_threshold",
    "failure_count_period_ns": "failure_count_period",
    "open_duration_ns": "open_duration",
    "max_open_duration_ns": "max_open_duration",
}


def _cb_kwargs(config: Dict[str, Any]) -> Dict[str, Any]:
    """Vector config → CircuitBreaker keywords: `*_ns` → float seconds;
    an explicit null stays None (unset the optional field)."""
    out: Dict[str, Any] = {}
    for k, v in config.items():
        if k in _CB_DURATIONS:
            out[_CB_DURATIONS[k]] = _ns_to_secs(v)
        else:
            out[k] = v
    return out


class CircuitBreakerRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.cb = seawall.CircuitBreaker(**_cb_kwargs(config), clock=clock, **_in_region())
        self.permits: Dict[str, seawall.BreakerPermit] = {}
        self.transitions: list = []
        self.cb.on_state_change(lambda a, b: self.transitions.append(f"{a}->{b}"))

    def _permit(self, args: Dict[str, Any]) -> seawall.BreakerPermit:
        pid = args.get("id")
        if pid is None or pid not in self.permits:
            raise RunnerError(f"unknown permit id {pid!r}")
        return self.permits[pid]

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        cb = self.cb
        if op == "try_acquire":
            # acquire() is try_acquire() that raises CircuitOpenError with
            # the rejection's retry_after instead of returning None.
            try:
                p = cb.acquire()
            except seawall.CircuitOpenError as e:
                return {"allowed": False, "retry_after_ns": ns(e.retry_after), "probe": False, "state": cb.state}
            # An unnamed permit is kept alive (never finished), as the Rust
            # runner drops its Copy permit without finishing it.
            self.permits[args.get("id", f"_anon{len(self.permits)}")] = p
            return {"allowed": True, "retry_after_ns": 0, "probe": p.probe, "state": cb.state}
        if op == "record":
            p = self._permit(args)
            outcome = args.get("outcome")
            dur = args.get("duration_ns", 0) / 1e9
            if outcome == "success":
                p.success(dur)
            elif outcome == "failure":
                p.failure(dur)
            elif outcome == "ignored":
                p.ignore()
            else:
                raise RunnerError(f"bad outcome {outcome!r}")
            return {"state": cb.state}
        if op == "release":
            self._permit(args).release()
            return {"state": cb.state}
        if op == "state":
            return {"state": cb.state}
        if op in ("force_open", "disable", "metrics_only", "reset"):
            getattr(cb, op)()
            return {"state": cb.state}
        if op == "transitions":
            return {"transitions": list(self.transitions)}
        if op == "metrics":
            m = dict(cb.metrics())
            m.pop("open_duration")
            return m
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["circuit_breaker"] = CircuitBreakerRunner


# --- token_bucket / sliding_window / keyed_limiter --------------------------


def _decision(check: Callable[[], seawall.Decision]) -> Dict[str, Any]:
    """tests/src/runners/token_bucket.rs::result_value."""
    try:
        d = check()
    except seawall.SeawallError as e:
        return error_value(e)
    return {
        "allowed": d.allowed,
        "remaining": d.remaining,
        "retry_after_ns": d.retry_after_ns,
        "reset_after_ns": d.reset_after_ns,
    }


def _granted(d: seawall.Decision) -> Dict[str, Any]:
    """tests/src/runners/token_bucket.rs::finished, granted."""
    return dict(_decision(lambda: d), outcome="granted")


def _failed(e: seawall.SeawallError) -> Dict[str, Any]:
    """tests/src/runners/token_bucket.rs::finished, refused (or an error)."""
    if isinstance(e, seawall.RateLimitedError):
        return dict(error_value(e), outcome="refused")
    return error_value(e)


class _Waits:
    """The wait ops (tests/src/runners/token_bucket.rs::wait_step)."""

    lim: Any

    def __init__(self) -> None:
        self.waits: Dict[str, seawall.LimiterWaiter] = {}

    def reserve(self, n: int, timeout: float, args: Dict[str, Any]) -> Any:
        return self.lim.reserve(n, timeout)

    def wait_step(self, op: str, args: Dict[str, Any]) -> Any:
        wid = args.get("id", "")
        if op == "acquire_wait":
            n = args.get("n", 1)
            timeout = _ns_to_secs(args.get("max_wait_ns", 0))
            try:
                got = self.reserve(n, timeout, args)
            except seawall.SeawallError as e:
                return _failed(e)
            if isinstance(got, seawall.Decision):
                return _granted(got)
            self.waits[wid] = got
            return {"outcome": "waiting", "due_in_ns": got.due_in_ns}
        if op == "poll":
            w = self.waits.get(wid)
            if w is None:
                return {"outcome": "none"}
            try:
                d = w.try_claim()
            except seawall.SeawallError as e:
                del self.waits[wid]
                return _failed(e)
            if d is None:
                return {"outcome": "waiting", "due_in_ns": w.due_in_ns}
            del self.waits[wid]
            return _granted(d)
        if op == "cancel":
            w = self.waits.pop(wid, None)
            if w is not None:
                w.cancel()
            return {}
        return None


class TokenBucketRunner(_Waits):
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        super().__init__()
        self.lim = seawall.TokenBucket(
            config["rate_per_sec"], config["burst"], initial_tokens=config.get("initial_tokens"), clock=clock, **_in_region()
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        n = args.get("n", 1)
        out = self.wait_step(op, args)
        if out is not None:
            return out  # type: ignore[no-any-return]
        if op == "try_acquire":
            return _decision(lambda: self.lim.check(n))
        if op == "peek":
            return _decision(lambda: self.lim.peek(n))
        if op == "refund":
            self.lim.refund(n)
            return {}
        if op == "metrics":
            m = self.lim.metrics()
            return {k: m[k] for k in ("available", "allowed", "denied", "waiting")}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["token_bucket"] = TokenBucketRunner


class SlidingWindowRunner(TokenBucketRunner):
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        _Waits.__init__(self)
        self.lim = seawall.SlidingWindowLimiter(  # type: ignore[assignment]
            config["limit"], _ns_to_secs(config["window_ns"]), buckets=config.get("buckets"), clock=clock, **_in_region()
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "metrics":
            m = self.lim.metrics()
            return {k: m[k] for k in ("count", "allowed", "denied", "waiting")}
        return super().step(op, args, clock)


RUNNERS["sliding_window"] = SlidingWindowRunner


class KeyedRunner(_Waits):
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        super().__init__()
        table = dict(
            max_keys=config.get("max_keys"),
            max_probe=config.get("max_probe"),
            on_full=config.get("on_full"),
            hash_seed=config.get("hash_seed", 0),
            clock=clock,
            **_in_region(),
        )
        kind = config.get("kind", "token_bucket")
        if kind == "token_bucket":
            self.lim = seawall.KeyedTokenBucket(
                config["rate_per_sec"], config["burst"], initial_tokens=config.get("initial_tokens"), **table
            )
        elif kind == "sliding_window":
            self.lim = seawall.KeyedSlidingWindow(
                config["limit"], _ns_to_secs(config["window_ns"]), buckets=config.get("buckets"), **table
            )
        else:
            raise RunnerError(f"unknown kind {kind!r}")

    def reserve(self, n: int, timeout: float, args: Dict[str, Any]) -> Any:
        return self.lim.reserve(args.get("key", ""), n, timeout)

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        key = args.get("key", "")
        n = args.get("n", 1)
        out = self.wait_step(op, args)
        if out is not None:
            return out  # type: ignore[no-any-return]
        if op == "try_acquire":
            return _decision(lambda: self.lim.check(key, n))
        if op == "peek":
            return _decision(lambda: self.lim.peek(key, n))
        if op == "refund":
            self.lim.refund(key, n)
            return {}
        if op == "metrics":
            m = self.lim.metrics()
            keys = ("keys_tracked", "evictions", "table_full", "capacity", "allowed", "denied", "waiting")
            return {k: m[k] for k in keys}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["keyed_limiter"] = KeyedRunner


# --- bulkhead (tests/src/runners/bulkhead.rs) --------------------------------


class BulkheadRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        # In a region only without a queue (waits in line are per process).
        region = _in_region() if not config.get("max_queue") else {}
        self.b = seawall.Bulkhead(
            config.get("max_concurrent"),
            max_queue=config.get("max_queue"),
            max_wait=_cfg(config, "max_wait_ns", _ns_to_secs),
            clock=clock,
            **region,
        )
        self.held: Dict[str, Any] = {}

    def _counts(self, out: Dict[str, Any]) -> Dict[str, Any]:
        m = self.b.metrics()
        out["active"] = m["active"]
        out["queued"] = m["queued"]
        return out

    @staticmethod
    def _id(args: Dict[str, Any]) -> Any:
        v = args.get("id")
        return None if v is None else str(v)

    def _drop(self, held: Any) -> None:
        if isinstance(held, seawall.BulkheadPermit):
            held.release()
        else:
            held.cancel()

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "try_acquire":
            p = self.b.try_acquire()
            if p is not None:
                key = self._id(args) or f"_anon{len(self.held)}"
                if key in self.held:
                    self._drop(self.held.pop(key))  # HashMap::insert drops the old value
                self.held[key] = p
            return self._counts({"allowed": p is not None})
        if op == "enqueue":
            key = self._id(args)
            if key is None:
                raise RunnerError("enqueue needs id")
            try:
                got = self.b.enqueue()
            except seawall.BulkheadFullError:
                return self._counts({"outcome": "rejected"})
            if key in self.held:
                self._drop(self.held.pop(key))
            self.held[key] = got
            return self._counts({"outcome": "acquired" if isinstance(got, seawall.BulkheadPermit) else "queued"})
        if op == "claim":
            key = self._id(args)
            if key is None:
                raise RunnerError("claim needs id")
            held = self.held.get(key)
            granted = False
            if held is not None and not isinstance(held, seawall.BulkheadPermit):
                p = held.try_claim()
                if p is not None:
                    self.held[key] = p
                    granted = True
            return self._counts({"granted": granted})
        if op == "release":
            key = self._id(args)
            if key is None:
                raise RunnerError("release needs id")
            held = self.held.pop(key, None)
            if held is not None:
                self._drop(held)
            return self._counts({"released": held is not None})
        if op == "metrics":
            return dict(self.b.metrics())
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["bulkhead"] = BulkheadRunner


# --- adaptive_timeout (tests/src/runners/adaptive_timeout.rs) ---------------


class AdaptiveTimeoutRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.at = seawall.AdaptiveTimeout(
            percentile=config.get("percentile"),
            multiplier=config.get("multiplier"),
            min_timeout=_cfg(config, "min_timeout_ns", _ns_to_secs),
            max_timeout=_cfg(config, "max_timeout_ns", _ns_to_secs),
            initial_timeout=_cfg(config, "initial_timeout_ns", _ns_to_secs),
            min_samples=config.get("min_samples"),
            window=_cfg(config, "window_ns", _ns_to_secs),
            clock=clock,
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "record":
            if "latency_ns" not in args:
                raise RunnerError("record needs latency_ns")
            self.at.record_ns(args["latency_ns"])
            return {}
        if op == "timeout":
            return {"timeout_ns": self.at.timeout_ns()}
        if op == "metrics":
            m = self.at.metrics()
            return {k: m[k] for k in ("samples", "total", "p50_ns", "p95_ns", "p99_ns", "timeout_ns")}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["adaptive_timeout"] = AdaptiveTimeoutRunner


# --- fault_injector (tests/src/runners/fault.rs) -----------------------------


class FaultRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.fi = seawall.FaultInjector(
            error_rate=config.get("error_rate"),
            delay_rate=config.get("delay_rate"),
            delay_min=_cfg(config, "delay_min_ns", _ns_to_secs),
            delay_max=_cfg(config, "delay_max_ns", _ns_to_secs),
            seed=config.get("seed"),
            enabled=config.get("enabled"),
            clock=clock,
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "decide":
            kind, delay_ns = self.fi.decide_ns()
            return {"fault": kind, "delay_ns": delay_ns}
        if op == "set_enabled":
            if "enabled" not in args:
                raise RunnerError("set_enabled needs enabled")
            self.fi.enabled = args["enabled"]
            return {}
        if op == "metrics":
            return dict(self.fi.metrics())
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["fault_injector"] = FaultRunner


# --- policy (tests/src/runners/policy.rs) ------------------------------------


class PolicyRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.limiter: Any = None
        rl = config.get("rate_limiter")
        if rl is not None:
            kind = rl.get("kind", "token_bucket")
            if kind == "token_bucket":
                self.limiter = TokenBucketRunner(rl, clock).lim
            elif kind == "sliding_window":
                self.limiter = SlidingWindowRunner(rl, clock).lim
            else:
                raise seawall.ConfigError(f"unknown rate limiter kind {kind!r}", field="kind")
        cb = config.get("circuit_breaker")
        self.breaker = None if cb is None else seawall.CircuitBreaker(**_cb_kwargs(cb), clock=clock)
        bh = config.get("bulkhead")
        self.bulkhead = None if bh is None else BulkheadRunner(bh, clock).b
        self.gate = seawall._native.PolicyGate(
            rate_limiter=self.limiter, circuit_breaker=self.breaker, bulkhead=self.bulkhead, clock=clock
        )
        self.guards: Dict[str, Any] = {}

    def _snapshot(self, o: Dict[str, Any]) -> Dict[str, Any]:
        if self.breaker is not None:
            o["state"] = self.breaker.state
        if self.bulkhead is not None:
            o["active"] = self.bulkhead.active
        if isinstance(self.limiter, seawall.TokenBucket):
            o["limiter_available"] = self.limiter.metrics()["available"]
        elif self.limiter is not None:
            m = self.limiter.metrics()
            o["limiter_available"] = max(0, m["limit"] - m["count"])
        return o

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        o: Dict[str, Any] = {}
        if op == "acquire":
            try:
                g = self.gate.acquire()
            except seawall.SeawallError as e:
                o.update(allowed=False, stage=e.stage, error=e.kind, retry_after_ns=ns(e.retry_after) or 0)
            else:
                o.update(allowed=True, stage=None, probe=g.probe)
                if "id" in args:
                    self.guards[args["id"]] = g
                else:
                    g.release()  # the Rust runner drops an unnamed guard
        elif op == "complete":
            g = self.guards.pop(args["id"])
            d = args.get("duration_ns")
            g.complete(args["outcome"], None if d is None else d / 1e9)
        elif op == "release":
            self.guards.pop(args["id"]).release()
        elif op != "state":
            raise RunnerError(f"unknown op {op!r}")
        return self._snapshot(o)


RUNNERS["policy"] = PolicyRunner


# --- policy_run (tests/src/runners/policy_run.rs) ---------------------------


class _Call:
    __slots__ = ("run", "waiter", "held")

    def __init__(self, run: Any) -> None:
        self.run = run
        self.waiter: Any = None
        self.held: Any = None


class PolicyRunRunner:
    """The policy run through the native PolicyCore that seawall.Policy drives."""

    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.stages = PolicyRunner(config, clock)
        self.adaptive: Any = None
        timeout: Any = None
        if "timeout_ns" in config:
            timeout = config["timeout_ns"] / 1e9
        elif "adaptive_timeout" in config:
            self.adaptive = AdaptiveTimeoutRunner(config["adaptive_timeout"], clock).at
        self.backoff: Any = None
        self.budget: Any = None
        retry: Any = None
        rc = config.get("retry")
        if rc is not None:
            self.backoff = _backoff(rc.get("backoff") or {}, clock)
            bc = rc.get("budget")
            if bc is not None:
                self.budget = seawall.RetryBudget(bc.get("max_tokens"), bc.get("token_ratio"))
            retry = seawall.Retry(rc.get("max_attempts"), backoff=self.backoff, budget=self.budget, clock=clock)
        self.policy = seawall.Policy(
            rate_limiter=self.stages.limiter,
            circuit_breaker=self.stages.breaker,
            bulkhead=self.stages.bulkhead,
            timeout=self.adaptive if self.adaptive is not None else timeout,
            retry=retry,
            fallback=seawall.Fallback(0) if config.get("fallback") else None,
            clock=clock,
        )
        self.calls: Dict[str, _Call] = {}

    def _out(self, c: _Call, step: Any) -> Dict[str, Any]:
        kind = step[0]
        o: Dict[str, Any] = {"step": kind}
        if kind == "attempt":
            o["timeout_ns"] = step[1]
        elif kind == "wait_for_slot":
            c.waiter = step[1]
            o["max_wait_ns"] = step[2]
        elif kind == "sleep":
            o["delay_ns"] = step[1]
        elif kind in ("fallback", "fail"):
            e = step[1]
            o["stage"] = step[2]
            o["error"] = None if e is None else e.kind
            if e is not None:
                if e.field is not None:
                    o["field"] = e.field
                if getattr(e, "attempts", None) is not None and isinstance(e, (seawall.RetryError, seawall.RetryBudgetExhaustedError)):
                    o["attempts"] = e.attempts
                    o["reason"] = e.reason
        o["attempt"] = c.run.attempts
        return self.stages._snapshot(o)

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        cid = args.get("id", "a")
        if op == "start":
            c = self.calls[cid] = _Call(self.policy._core.run(deadline_ns=args.get("deadline_ns"), ns=True))
            return self._out(c, c.run.next_step())
        if op == "metrics":
            return self._metrics()
        c = self.calls[cid]
        if op == "next":
            return self._out(c, c.run.next_step())
        if op == "success":
            return self._out(c, c.run.on_success())
        if op == "failure":
            return self._out(c, c.run.on_failure(args.get("retryable", True), args.get("retry_after_ns"), args.get("outcome")))
        if op == "timeout":
            step, slot = c.run.on_timeout()
            c.held = slot
            o = self._out(c, step)
            o["slot_held"] = slot is not None
            return o
        if op == "settle":
            if c.held is not None:
                c.held.release()
                c.held = None
            return self.stages._snapshot({})
        if op == "claim":
            p = c.waiter.try_claim()
            if p is None:
                return self.stages._snapshot({"step": "wait_for_slot"})
            c.waiter = None
            return self._out(c, c.run.slot_granted(p))
        if op == "wait_timeout":
            c.waiter.cancel()
            c.waiter = None
            return self._out(c, c.run.slot_timed_out())
        if op == "cancel":
            if c.waiter is not None:
                c.waiter.cancel()
                c.waiter = None
            c.run.cancel()
            return self.stages._snapshot({})
        raise RunnerError(f"unknown op {op!r}")

    def _metrics(self) -> Dict[str, Any]:
        o: Dict[str, Any] = {}
        st = self.stages
        if st.breaker is not None:
            m = st.breaker.metrics()
            o["breaker"] = {k: m[k] for k in ("successes", "failures", "ignored", "slow", "rejected")}
        if st.bulkhead is not None:
            m = st.bulkhead.metrics()
            o["bulkhead"] = {k: m[k] for k in ("active", "queued", "rejected")}
        if self.adaptive is not None:
            m = self.adaptive.metrics()
            o["adaptive"] = {"samples": m["samples"], "timeout_ns": m["timeout_ns"], "p50_ns": m["p50_ns"]}
        if self.backoff is not None:
            m = self.backoff.metrics()
            o["backoff"] = {k: m[k] for k in ("schedules", "retries", "exhausted_attempts")}
        if self.budget is not None:
            m = self.budget.metrics()
            o["budget"] = {"tokens_milli": m["tokens_milli"], "retries_denied": m["retries_denied"]}
        return st._snapshot(o)


RUNNERS["policy_run"] = PolicyRunRunner

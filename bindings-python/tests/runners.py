"""One runner per primitive, mirroring tests/src/runners/<primitive>.rs.

Each ``build(config, clock)`` constructs the primitive through the public
Python API from a vector's config (core field names, durations in integer
ns → float seconds) and returns an object whose ``step(op, args, clock)``
returns the output dict. Errors raised by the API become error objects with
vectors.error_value.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import seawall

from vectors import RunnerError, error_value, ns

Build = Callable[[Dict[str, Any], seawall.ManualClock], Any]


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


class BackoffRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.backoff = seawall.Backoff(
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
        self.schedule = self.backoff.schedule()

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "delay_for":
            return {"delay_ns": self.backoff.delay_for_ns(args["attempt"])}
        if op == "new_schedule":
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
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["classify"] = ClassifyRunner


# --- retry_budget (tests/src/runners/retry_budget.rs) -----------------------


class RetryBudgetRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.budget = seawall.RetryBudget(config.get("max_tokens"), config.get("token_ratio"))

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
        self.cb = seawall.CircuitBreaker(**_cb_kwargs(config), clock=clock)
        self.permits: Dict[str, seawall.Permit] = {}
        self.transitions: list = []
        self.cb.on_state_change(lambda a, b: self.transitions.append(f"{a}->{b}"))

    def _permit(self, args: Dict[str, Any]) -> seawall.Permit:
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


class TokenBucketRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.lim = seawall.TokenBucket(
            config["rate_per_sec"], config["burst"], initial_tokens=config.get("initial_tokens"), clock=clock
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        n = args.get("n", 1)
        if op == "try_acquire":
            return _decision(lambda: self.lim.check(n))
        if op == "peek":
            return _decision(lambda: self.lim.peek(n))
        if op == "refund":
            self.lim.refund(n)
            return {}
        if op == "metrics":
            m = self.lim.metrics()
            return {k: m[k] for k in ("available", "allowed", "denied")}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["token_bucket"] = TokenBucketRunner


class SlidingWindowRunner(TokenBucketRunner):
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        self.lim = seawall.SlidingWindowLimiter(  # type: ignore[assignment]
            config["limit"], _ns_to_secs(config["window_ns"]), buckets=config.get("buckets"), clock=clock
        )

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        if op == "metrics":
            m = self.lim.metrics()
            return {k: m[k] for k in ("count", "allowed", "denied")}
        return super().step(op, args, clock)


RUNNERS["sliding_window"] = SlidingWindowRunner


class KeyedRunner:
    def __init__(self, config: Dict[str, Any], clock: seawall.ManualClock) -> None:
        table = dict(
            max_keys=config.get("max_keys"),
            max_probe=config.get("max_probe"),
            on_full=config.get("on_full"),
            hash_seed=config.get("hash_seed", 0),
            clock=clock,
        )
        kind = config.get("kind", "token_bucket")
        if kind == "token_bucket":
            self.lim: Any = seawall.KeyedTokenBucket(
                config["rate_per_sec"], config["burst"], initial_tokens=config.get("initial_tokens"), **table
            )
        elif kind == "sliding_window":
            self.lim = seawall.KeyedSlidingWindow(
                config["limit"], _ns_to_secs(config["window_ns"]), buckets=config.get("buckets"), **table
            )
        else:
            raise RunnerError(f"unknown kind {kind!r}")

    def step(self, op: str, args: Dict[str, Any], clock: seawall.ManualClock) -> Dict[str, Any]:
        key = args.get("key", "")
        n = args.get("n", 1)
        if op == "try_acquire":
            return _decision(lambda: self.lim.check(key, n))
        if op == "refund":
            self.lim.refund(key, n)
            return {}
        if op == "metrics":
            m = self.lim.metrics()
            return {k: m[k] for k in ("keys_tracked", "evictions", "table_full")}
        raise RunnerError(f"unknown op {op!r}")


RUNNERS["keyed_limiter"] = KeyedRunner

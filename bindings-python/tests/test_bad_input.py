"""Every numeric parameter of every constructor rejects bad values clearly."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import pytest

import seawall
from badvalues import NAN, INF, WRONG_TYPES, count, positive_real, ratio, seconds

SW: Dict[str, Any] = {"limit": 10, "window": 1.0}
KTB: Dict[str, Any] = {"rate_per_sec": 10.0, "burst": 5}

# (name, constructor, valid kwargs, parameter, bad values)
Case = Tuple[str, Callable[..., Any], Dict[str, Any], str, List[Any]]

CASES: List[Case] = [
    ("TokenBucket", seawall.TokenBucket, {"rate_per_sec": 10.0, "burst": 5}, "rate_per_sec", positive_real(required=True)),
    ("TokenBucket", seawall.TokenBucket, {"rate_per_sec": 10.0, "burst": 5}, "burst", count(required=True)),
    ("TokenBucket", seawall.TokenBucket, {"rate_per_sec": 10.0, "burst": 5}, "initial_tokens", count(minimum=0, maximum=5)),
    ("Backoff", seawall.Backoff, {}, "base", seconds(zero_ok=True)),
    ("Backoff", seawall.Backoff, {}, "max_delay", seconds(zero_ok=True) + [0.01]),  # < base (0.1)
    ("Backoff", seawall.Backoff, {}, "factor", [NAN, INF, -INF, -1, 0, 0.0, -0.0, 0.5, 0.999, 10**400, *WRONG_TYPES]),
    ("Backoff", seawall.Backoff, {}, "max_attempts", count(maximum=2**32 - 1)),
    ("Backoff", seawall.Backoff, {}, "max_elapsed", seconds(zero_ok=False)),
    ("Backoff", seawall.Backoff, {}, "seed", [NAN, INF, -1, 1.5, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]),
    ("RetryBudget", seawall.RetryBudget, {}, "max_tokens", count(maximum=1_000_000)),
    ("RetryBudget", seawall.RetryBudget, {}, "token_ratio", positive_real() + [0.0004, 2_000_000.0]),
    ("Retry", seawall.Retry, {}, "max_attempts", count(maximum=2**32 - 1)),
    # with a backoff, max_attempts caps the run: at most the backoff's
    ("Retry", seawall.Retry, {"backoff": seawall.Backoff(max_attempts=4)}, "max_attempts", count(maximum=4)),
    ("Retry", seawall.Retry, {}, "base", seconds(zero_ok=True)),
    ("Retry", seawall.Retry, {}, "max_elapsed", seconds(zero_ok=False)),
    ("Retry", seawall.Retry, {}, "max_delay", seconds(zero_ok=True) + [0.01]),
    ("Retry", seawall.Retry, {}, "factor", [NAN, INF, -INF, -1, 0, 0.0, -0.0, 0.5, 0.999, 10**400, *WRONG_TYPES]),
    ("Retry", seawall.Retry, {}, "seed", [NAN, INF, -1, 1.5, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]),
    ("Policy", seawall.Policy, {}, "timeout", [v for v in seconds(zero_ok=False) if v is not None]),
    ("Deadline", seawall.Deadline, {"seconds": 1.0}, "seconds", seconds(zero_ok=True, required=True)),
    ("timeout", seawall.timeout, {"seconds": 1.0}, "seconds", seconds(zero_ok=False, required=True)),
    ("Part", seawall.Part, {"fn": lambda: 1}, "timeout", seconds(zero_ok=False)),
    ("ManualClock", seawall.ManualClock, {}, "start", seconds(zero_ok=True)),
    ("SlidingWindowLimiter", seawall.SlidingWindowLimiter, SW, "limit", count(required=True, maximum=2**24 - 1)),
    ("SlidingWindowLimiter", seawall.SlidingWindowLimiter, SW, "window", seconds(zero_ok=False, required=True) + [0.000999]),
    ("SlidingWindowLimiter", seawall.SlidingWindowLimiter, SW, "buckets", count(maximum=1024)),
    ("KeyedTokenBucket", seawall.KeyedTokenBucket, KTB, "rate_per_sec", positive_real(required=True)),
    ("KeyedTokenBucket", seawall.KeyedTokenBucket, KTB, "burst", count(required=True)),
    ("KeyedTokenBucket", seawall.KeyedTokenBucket, KTB, "max_keys", count(maximum=2**24)),
    ("KeyedTokenBucket", seawall.KeyedTokenBucket, KTB, "max_probe", count(maximum=64)),
    ("KeyedTokenBucket", seawall.KeyedTokenBucket, KTB, "hash_seed", [NAN, INF, -1, 1.5, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]),
    ("KeyedSlidingWindow", seawall.KeyedSlidingWindow, SW, "limit", count(required=True, maximum=2**24 - 1)),
    ("KeyedSlidingWindow", seawall.KeyedSlidingWindow, SW, "window", seconds(zero_ok=False, required=True)),
    ("KeyedSlidingWindow", seawall.KeyedSlidingWindow, SW, "buckets", count(maximum=1024)),
    ("KeyedSlidingWindow", seawall.KeyedSlidingWindow, SW, "max_keys", count(maximum=2**24)),
    ("Bulkhead", seawall.Bulkhead, {}, "max_concurrent", count(maximum=2**32 - 1)),
    ("Bulkhead", seawall.Bulkhead, {}, "max_queue", count(minimum=0, maximum=2**32 - 1)),
    ("Bulkhead", seawall.Bulkhead, {}, "max_wait", seconds(zero_ok=True)),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "percentile", ratio()),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "multiplier", [NAN, INF, -INF, -1, 0, 0.0, -0.0, 0.5, 0.999, 10**400, *WRONG_TYPES]),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "min_timeout", seconds(zero_ok=False)),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "max_timeout", seconds(zero_ok=False)),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "initial_timeout", seconds(zero_ok=False) + [0.5, 31.0]),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "min_samples", count(maximum=1_000_000_000)),
    ("AdaptiveTimeout", seawall.AdaptiveTimeout, {}, "window", seconds(zero_ok=False) + [0.0009]),
    ("FaultInjector", seawall.FaultInjector, {}, "error_rate", [NAN, INF, -INF, -1, -0.1, 1.0001, 2, 1e308, 10**400, *WRONG_TYPES]),
    ("FaultInjector", seawall.FaultInjector, {"error_rate": 0.5}, "delay_rate", [NAN, INF, -INF, -1, -0.1, 0.6, 2, 1e308, 10**400, *WRONG_TYPES]),
    ("FaultInjector", seawall.FaultInjector, {}, "delay_min", seconds(zero_ok=True)),
    ("FaultInjector", seawall.FaultInjector, {"delay_rate": 0.5, "delay_min": 0.0}, "delay_max", seconds(zero_ok=False)),
    ("FaultInjector", seawall.FaultInjector, {}, "seed", [NAN, INF, -1, 1.5, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "failure_rate_threshold", ratio()),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "slow_call_rate_threshold", ratio()),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "slow_call_duration_threshold", seconds(zero_ok=False, required=True)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "window_size", count(required=True, maximum=100_000)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "minimum_number_of_calls", count(required=True, maximum=100)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "failure_count_threshold", count(maximum=10_000)),
    ("CircuitBreaker", seawall.CircuitBreaker, {"failure_count_threshold": 5}, "failure_count_period", seconds(zero_ok=False)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "open_duration", seconds(zero_ok=False, required=True)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "open_duration_multiplier",
     [NAN, INF, -INF, -1, 0, 0.0, -0.0, 0.5, 1000.5, 1e308, 10**400, None, *WRONG_TYPES]),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "max_open_duration", seconds(zero_ok=False) + [59.0]),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "half_open_max_calls", count(required=True, maximum=16)),
    ("CircuitBreaker", seawall.CircuitBreaker, {}, "success_threshold", count(required=True, maximum=3)),
    ("ManualClock", seawall.ManualClock, {}, "start_ns", [NAN, INF, -1, 1.5, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]),
]

PARAMS = [
    pytest.param(ctor, ok, param, bad, id=f"{name}.{param}={bad!r:.30}")
    for name, ctor, ok, param, values in CASES
    for bad in values
]


def test_every_parameter_has_at_least_12_bad_values() -> None:
    for name, _, _, param, values in CASES:
        assert len(values) >= 12, f"{name}.{param}: only {len(values)} bad values"


def test_valid_baselines_construct() -> None:
    for _, ctor, ok, _, _ in CASES:
        ctor(**ok)


@pytest.mark.parametrize("ctor,ok,param,bad", PARAMS)
def test_bad_value_is_rejected_naming_the_parameter(ctor: Callable[..., Any], ok: Dict[str, Any], param: str, bad: Any) -> None:
    kwargs = dict(ok)
    kwargs[param] = bad
    with pytest.raises((ValueError, TypeError)) as ei:
        ctor(**kwargs)
    assert param in str(ei.value), f"message does not name {param}: {ei.value}"
    if isinstance(ei.value, seawall.SeawallError):
        assert ei.value.field == param


def test_string_modes_rejected() -> None:
    for kw in ({"kind": "fibonacci"}, {"jitter": "random"}, {"kind": ""}, {"jitter": "FULL"}):
        with pytest.raises(seawall.ConfigError) as ei:
            seawall.Backoff(**kw)  # type: ignore[arg-type]
        assert ei.value.field == next(iter(kw))
    for kw2 in ({"kind": 1}, {"jitter": None.__class__}):
        with pytest.raises(TypeError):
            seawall.Backoff(**kw2)  # type: ignore[arg-type]


def test_clock_must_be_manual_clock() -> None:
    for ctor, ok in ((seawall.TokenBucket, {"rate_per_sec": 1.0, "burst": 1}), (seawall.Backoff, {}), (seawall.Retry, {}), (seawall.Policy, {})):
        with pytest.raises(TypeError, match="clock"):
            ctor(**ok, clock="monotonic")  # type: ignore[arg-type]


def _pcore() -> Any:
    return seawall.Policy(retry=seawall.Retry(clock=seawall.ManualClock()))._core


def _prun() -> Any:
    r = _pcore().run()
    r.next_step()
    return r


def _waiter() -> Any:
    bh = seawall.Bulkhead(1, max_queue=1, clock=seawall.ManualClock())
    held = bh.enqueue()
    w = bh.enqueue()
    _waiter.held = held  # type: ignore[attr-defined]
    return w


def _hdr(**kw: Any) -> Any:
    args: Dict[str, Any] = {"allowed": True, "remaining": 1, "retry_after": 0.0, "reset_after": 0.0, "limit": 2, "window": 1.0}
    args.update(kw)
    return seawall.headers.rate_limit_headers(**args)


# Method arguments: (label, call taking the bad value, argument name, bad values)
def _method_cases() -> List[Tuple[str, Callable[[Any], Any], str, List[Any]]]:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(10.0, 5, clock=clock)
    sw = seawall.SlidingWindowLimiter(5, 1.0, clock=clock)
    ktb = seawall.KeyedTokenBucket(10.0, 5, clock=clock)
    bh = seawall.Bulkhead(1, max_queue=1, clock=clock)
    at = seawall.AdaptiveTimeout(clock=clock)
    bo = seawall.Backoff(clock=clock)
    rc = seawall.Retry(clock=clock)._core
    n_bad = count(maximum=5)
    t_bad = [v for v in seconds(zero_ok=True) if v is not None]
    return [
        ("TokenBucket.try_acquire", lambda v: tb.try_acquire(v), "n", n_bad),
        ("TokenBucket.check", lambda v: tb.check(v), "n", n_bad),
        ("TokenBucket.peek", lambda v: tb.peek(v), "n", n_bad),
        ("TokenBucket.acquire", lambda v: tb.acquire(1, timeout=v), "timeout", t_bad),
        ("SlidingWindowLimiter.try_acquire", lambda v: sw.try_acquire(v), "n", n_bad),
        ("KeyedTokenBucket.try_acquire", lambda v: ktb.try_acquire("k", v), "n", n_bad),
        ("Bulkhead.acquire", lambda v: bh.acquire(timeout=v), "timeout", t_bad),
        ("AdaptiveTimeout.record", lambda v: at.record(v), "latency", t_bad),
        ("Backoff.delay_for", lambda v: bo.delay_for(v), "attempt", [x for x in count(minimum=0) if not (isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**64)]),
        ("Schedule.next_delay", lambda v: bo.schedule().next_delay(v), "retry_after", t_bad),
        ("ManualClock.advance", lambda v: clock.advance(v), "seconds", t_bad),
        ("Deadline.timeout", lambda v: seawall.Deadline(1.0, clock=clock).timeout(v), "cap", t_bad),
        # the policy run (spec/policy.md)
        ("PolicyRun.on_failure", lambda v: _prun().on_failure(v), "retryable", [NAN, 1, 0, None, "yes", b"1", [1], object()]),
        ("PolicyRun.on_failure", lambda v: _prun().on_failure(True, v), "retry_after", t_bad),
        ("PolicyRun.on_failure", lambda v: _prun().on_failure(True, None, v), "outcome", ["", "FAILURE", "fail", 1, b"failure", [1], object()]),
        ("PolicyRun.slot_granted", lambda v: _prun().slot_granted(v), "permit", [None, 1, "p", object()]),
        ("PolicyCore.run", lambda v: _pcore().run(v), "deadline", t_bad),
        ("PolicyCore.run", lambda v: _pcore().run(deadline_ns=v), "deadline_ns", count(minimum=0)),
        ("BulkheadWaiter.wait", lambda v: _waiter().wait(v), "timeout", t_bad),
        # the retry run (spec/retry.md) and its helpers
        ("RetryRun.on_failure", lambda v: rc.start().on_failure(v), "retryable", [NAN, 1, 0, None, "yes", b"1", [1], object()]),
        ("RetryRun.on_failure", lambda v: rc.start().on_failure(True, v), "retry_after", t_bad),
        ("RetryRun.on_failure", lambda v: rc.start().on_failure(True, None, v), "duration", t_bad),
        ("RetryRun.on_failure_ns", lambda v: rc.start().on_failure_ns(True, v), "retry_after_ns", count(minimum=0)),
        ("RetryCore.start", lambda v: rc.start(v), "deadline", t_bad),
        ("RetryCore.start", lambda v: rc.start(deadline_ns=v), "deadline_ns", count(minimum=0)),
        ("classify.parse_retry_after", lambda v: seawall.classify.parse_retry_after(v), "value", [None, 1, 1.5, b"1", [1], object(), True]),
        ("classify.parse_retry_after", lambda v: seawall.classify.parse_retry_after("1", v), "now_unix_ms", count(minimum=0)),
        ("classify.is_retryable_error_kind", lambda v: seawall.classify.is_retryable_error_kind(v), "kind", ["", "Timeout", "nope", None, 1, b"timeout", [1], object()]),
        ("Decision.headers", lambda v: tb.check().headers(v), "name", ["", "caf\u00e9", "a\nb", "x" * 65, 1, b"n", [1], object()]),
        ("headers.rate_limit_headers", lambda v: _hdr(name=v), "name", ["", "caf\u00e9", "x" * 65, None, 1, b"n", object()]),
        ("headers.rate_limit_headers", lambda v: _hdr(limit=v), "limit", count(minimum=0)),
        ("headers.rate_limit_headers", lambda v: _hdr(remaining=v), "remaining", count(minimum=0)),
        ("headers.rate_limit_headers", lambda v: _hdr(window=v), "window", t_bad),
        ("headers.rate_limit_headers", lambda v: _hdr(retry_after=v), "retry_after", t_bad),
        ("headers.rate_limit_headers", lambda v: _hdr(allowed=v), "allowed", [1, 0, None, "yes", NAN]),
    ]


METHOD_PARAMS = [
    pytest.param(call, arg, bad, id=f"{label}({arg}={bad!r:.30})")
    for label, call, arg, values in _method_cases()
    for bad in values
]


@pytest.mark.parametrize("call,arg,bad", METHOD_PARAMS)
def test_bad_method_argument_is_rejected_naming_it(call: Callable[[Any], Any], arg: str, bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as ei:
        call(bad)
    assert arg in str(ei.value), f"message does not name {arg}: {ei.value}"

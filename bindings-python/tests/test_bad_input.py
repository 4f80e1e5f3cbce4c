"""Every numeric parameter of every constructor rejects bad values clearly."""

from __future__ import annotations

import re
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
    assert isinstance(ei.value, seawall.SeawallError), repr(ei.value)
    assert ei.value.field == param
    # Python takes seconds: no core Duration spelling (0ns, 900µs, 100ms, 1.5s).
    assert not re.search(r"\d(ns|\u00b5s|ms|s)\b", str(ei.value)), str(ei.value)


def _least(message: str) -> int:
    m = re.search(r">= (\d+)|in \[(\d+),", message)
    assert m, message
    return int(m.group(1) or m.group(2))


INT_PARAMS = [(name, ctor, ok, param) for name, ctor, ok, param, values in CASES if -1 in values and 1.5 in values]


@pytest.mark.parametrize("name,ctor,ok,param", INT_PARAMS, ids=[f"{c[0]}.{c[3]}" for c in INT_PARAMS])
def test_negative_and_zero_are_told_the_same_lower_bound(name: str, ctor: Callable[..., Any], ok: Dict[str, Any], param: str) -> None:
    with pytest.raises(seawall.ConfigError) as neg:
        ctor(**{**ok, param: -1})
    try:
        ctor(**{**ok, param: 0})
    except seawall.ConfigError as zero:
        assert _least(str(neg.value)) == _least(str(zero)) == 1, (str(neg.value), str(zero))
    else:
        assert _least(str(neg.value)) == 0, str(neg.value)


# Python-side validators: (label, call with the bad value, parameter, bad values)
PY_CASES: List[Tuple[str, Callable[[Any], Any], str, List[Any]]] = [
    ("Retry", lambda v: seawall.Retry(retry_on=v), "retry_on", [1, "x", (), (ValueError, 1), [ValueError], int, object()]),
    ("Retry", lambda v: seawall.Retry(backoff=v), "backoff", [1, "x", seawall.RetryBudget(), object()]),
    ("Retry", lambda v: seawall.Retry(budget=v), "budget", [1, "x", seawall.Backoff(), object()]),
    ("Retry", lambda v: seawall.Retry(retry_if=v), "retry_if", [1, "x", object()]),
    ("Retry", lambda v: seawall.Retry(respect_retry_after=v), "respect_retry_after", [1, "yes", None]),
    ("Retry", lambda v: seawall.Retry(on_retry=v), "on_retry", [1, "x", object()]),
    ("Retry", lambda v: seawall.Retry(clock=v), "clock", [1, "monotonic", object()]),
    ("Retry", lambda v: seawall.Retry(backoff=seawall.Backoff(), base=v), "backoff", [0.1, 1.0]),
    ("Policy", lambda v: seawall.Policy(rate_limiter=v), "rate_limiter", [1, seawall.KeyedTokenBucket(1.0, 1), object()]),
    ("Policy", lambda v: seawall.Policy(circuit_breaker=v), "circuit_breaker", [1, seawall.Bulkhead(1), object()]),
    ("Policy", lambda v: seawall.Policy(bulkhead=v), "bulkhead", [1, seawall.CircuitBreaker(), object()]),
    ("Policy", lambda v: seawall.Policy(retry=v), "retry", [1, seawall.Backoff(), object()]),
    ("fallback", lambda v: seawall.fallback(handler=v), "handler", [1, "x", object()]),
    ("fallback", lambda v: seawall.fallback(0, when=v), "when", [1, "x", object()]),
    ("fallback", lambda v: seawall.fallback(0, on=v), "on", [1, "x", (ValueError, 1), int]),
    ("FallbackChain", lambda v: seawall.FallbackChain(v), "stages", [1, "x", object()]),
    ("FallbackChain", lambda v: seawall.FallbackChain(lambda: 1, on=v), "on", [1, "x", int]),
    ("FaultInjector", lambda v: seawall.FaultInjector(error=v), "error", [1, "x", object()]),
    ("Part", lambda v: seawall.Part(v), "fn", [1, "x", None, object()]),
    ("Part", lambda v: seawall.Part(lambda: 1, required=v), "required", [1, "yes", None]),
    ("Deadline", lambda v: seawall.Deadline(1.0, clock=v), "clock", [1, "monotonic", object()]),
]

PY_PARAMS = [
    pytest.param(call, param, bad, id=f"{label}.{param}={bad!r:.30}")
    for label, call, param, values in PY_CASES
    for bad in values
]


@pytest.mark.parametrize("call,param,bad", PY_PARAMS)
def test_python_side_validators_raise_typed_errors(call: Callable[[Any], Any], param: str, bad: Any) -> None:
    with pytest.raises(seawall.SeawallError) as ei:
        call(bad)
    assert isinstance(ei.value, (seawall.ConfigTypeError, seawall.ConfigError)), repr(ei.value)
    assert ei.value.field == param and param in str(ei.value), (ei.value.field, str(ei.value))


def test_fallback_chain_needs_a_stage() -> None:
    with pytest.raises(seawall.ConfigTypeError) as ei:
        seawall.FallbackChain()
    assert ei.value.field == "stages"


def test_degrade_parts_are_argument_type_errors() -> None:
    for bad in ([1], "x", {1: lambda: 1}):
        with pytest.raises(seawall.ArgumentTypeError) as ei:
            seawall.degrade(bad)  # type: ignore[arg-type]
        assert ei.value.field == "parts"


# A rule over two parameters broken by a default the caller never passed:
# the message says it is the default and names what was passed.
DEFAULT_BLAMED: List[Tuple[Callable[..., Any], Dict[str, Any], str]] = [
    (seawall.CircuitBreaker, {"half_open_max_calls": 1}, "success_threshold"),
    (seawall.CircuitBreaker, {"window_size": 10}, "minimum_number_of_calls"),
    (seawall.AdaptiveTimeout, {"max_timeout": 2.0}, "initial_timeout"),
    (seawall.AdaptiveTimeout, {"min_timeout": 10.0}, "initial_timeout"),
    (seawall.Backoff, {"base": 60.0}, "max_delay"),
    (seawall.Retry, {"base": 60.0}, "max_delay"),
    (seawall.FaultInjector, {"delay_min": 2.0}, "delay_max"),
]


@pytest.mark.parametrize("ctor,kwargs,blamed", DEFAULT_BLAMED, ids=[f"{c.__name__}{k}" for c, k, _ in DEFAULT_BLAMED])
def test_a_conflicting_default_is_named_as_one(ctor: Callable[..., Any], kwargs: Dict[str, Any], blamed: str) -> None:
    with pytest.raises(seawall.ConfigError) as ei:
        ctor(**kwargs)
    msg = str(ei.value)
    assert ei.value.field == blamed
    assert "default" in msg and f"pass {blamed}=" in msg, msg
    for k, v in kwargs.items():
        assert f"{k}={v!r}" in msg, msg


def test_a_value_the_caller_passed_is_not_called_a_default() -> None:
    with pytest.raises(seawall.ConfigError) as ei:
        seawall.CircuitBreaker(half_open_max_calls=1, success_threshold=2)
    assert "default" not in str(ei.value) and ei.value.field == "success_threshold"


def test_a_rule_over_two_fields_reads_as_one_sentence() -> None:
    with pytest.raises(seawall.ConfigError) as ei:
        seawall.FaultInjector(error_rate=0.6, delay_rate=0.6)
    assert str(ei.value).startswith("error_rate + delay_rate must be <= 1"), str(ei.value)


@pytest.mark.parametrize("ctor,kwargs,text", [
    (seawall.SlidingWindowLimiter, {"limit": 1, "window": 0}, "got 0.0"),
    (seawall.AdaptiveTimeout, {"window": 0.0009}, "window must be >= 0.001, got 0.0009"),
    (seawall.Backoff, {"max_delay": 0.01}, "max_delay must be >= base (0.1), got 0.01"),
    (seawall.CircuitBreaker, {"open_duration": 120, "max_open_duration": 60.5}, "(120.0), got 60.5"),
])
def test_durations_are_told_in_seconds(ctor: Callable[..., Any], kwargs: Dict[str, Any], text: str) -> None:
    with pytest.raises(seawall.ConfigError) as ei:
        ctor(**kwargs)
    assert text in str(ei.value), str(ei.value)


def test_manual_clock_takes_start_or_start_ns_not_both() -> None:
    with pytest.raises(seawall.ConfigTypeError, match="not both"):
        seawall.ManualClock(1.0, start_ns=1)
    assert seawall.ManualClock(start_ns=5).now_ns() == 5
    assert seawall.ManualClock(2.0).now() == 2.0


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


# A parameter called `seconds` is named even though core's reason ends in
# "a finite number of seconds" (the unit is not the parameter).
@pytest.mark.parametrize(
    "call",
    [
        lambda v: seawall.timeout(v),
        lambda v: seawall.Timeout(v),
        lambda v: seawall.ManualClock().advance(v),
    ],
    ids=["timeout", "Timeout", "ManualClock.advance"],
)
@pytest.mark.parametrize("bad", [NAN, -1.0, float("inf")])
def test_a_parameter_called_seconds_is_named(call: Callable[[Any], Any], bad: Any) -> None:
    with pytest.raises(ValueError) as ei:
        call(bad)
    assert str(ei.value).startswith("seconds "), str(ei.value)
    assert getattr(ei.value, "field", None) == "seconds"

"""Policy: gate order, refunds on rejection, retry and fallback, sync and async."""

from __future__ import annotations

import asyncio
from typing import List

import pytest

import seawall
from seawall import Bulkhead, CircuitBreaker, Policy, Retry, TokenBucket

from helpers import same_metadata


def gates(clock: seawall.ManualClock) -> dict:
    return dict(
        rate_limiter=TokenBucket(1.0, 2, clock=clock),
        circuit_breaker=CircuitBreaker(failure_count_threshold=1, failure_rate_threshold=None,
                                       slow_call_rate_threshold=None, open_duration=5.0, clock=clock),
        bulkhead=Bulkhead(1),
    )


def test_passes_all_gates_and_records() -> None:
    clock = seawall.ManualClock()
    g = gates(clock)
    p = Policy(**g)

    def f(x: int) -> int:
        """F."""
        assert g["bulkhead"].active == 1
        return x + 1

    w = p(f)
    same_metadata(w, f)
    assert w(1) == 2
    assert g["rate_limiter"].metrics()["available"] == 1
    assert g["circuit_breaker"].metrics()["successes"] == 1
    assert g["bulkhead"].active == 0


def test_rejection_refunds_earlier_gates() -> None:
    clock = seawall.ManualClock()
    g = gates(clock)
    p = Policy(**g)
    g["circuit_breaker"].force_open()
    with pytest.raises(seawall.CircuitOpenError) as co:
        p.call(lambda: 1)
    assert co.value.stage == "circuit_breaker"
    assert g["rate_limiter"].metrics()["available"] == 2  # token refunded
    g["circuit_breaker"].reset()
    held = g["bulkhead"].acquire()
    with pytest.raises(seawall.BulkheadFullError) as bf:
        p.call(lambda: 1)
    assert bf.value.stage == "bulkhead"
    held.release()
    assert g["rate_limiter"].metrics()["available"] == 2
    m = g["circuit_breaker"].metrics()
    assert m["calls"] == 0 and m["state"] == "closed"  # the permit was released, not recorded
    for _ in range(2):
        p.call(lambda: 1)
    with pytest.raises(seawall.RateLimitedError) as ei:
        p.call(lambda: 1)
    assert ei.value.retry_after == 1.0 and ei.value.stage == "rate_limiter"


def test_failure_trips_breaker_then_fallback_answers() -> None:
    clock = seawall.ManualClock()
    g = gates(clock)
    seen: List[str] = []
    p = Policy(**g, fallback=seawall.fallback(handler=lambda e: seen.append(type(e).__name__) or "fallback"))

    def down() -> str:
        raise ConnectionRefusedError()

    assert p.call(down) == "fallback"
    assert g["circuit_breaker"].state == "open"
    assert p.call(down) == "fallback"
    assert seen == ["ConnectionRefusedError", "CircuitOpenError"]


def test_retry_goes_through_the_gates_each_attempt() -> None:
    clock = seawall.ManualClock()
    lim = TokenBucket(1.0, 5, clock=clock)
    n = 0

    def flaky() -> str:
        nonlocal n
        n += 1
        if n < 3:
            raise TimeoutError()
        return "ok"

    p = Policy(rate_limiter=lim, retry=Retry(max_attempts=5, base=0.0, clock=clock))
    assert p.call(flaky) == "ok"
    assert lim.metrics()["allowed"] == 3


def test_async_policy_with_timeout() -> None:
    clock = seawall.ManualClock()
    g = gates(clock)
    p = Policy(**g, timeout=0.01, fallback="late")

    async def slow() -> str:
        """Slow."""
        await asyncio.sleep(10)
        return "never"  # pragma: no cover

    async def fast() -> str:
        return "fast"

    w = p(slow)
    same_metadata(w, slow)
    assert asyncio.run(p.call_async(fast)) == "fast"
    assert asyncio.run(w()) == "late"  # a real 10 ms wait: the timeout fired
    assert g["circuit_breaker"].state == "open"  # the timeout counted as a failure
    assert g["bulkhead"].active == 0


def test_sync_with_timeout_is_refused() -> None:
    p = Policy(timeout=1.0)
    with pytest.raises(TypeError, match="async"):
        p(lambda: 1)
    with pytest.raises(TypeError, match="call_async"):
        p.call(lambda: 1)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="rate_limiter"):
        Policy(rate_limiter=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keyed"):
        Policy(rate_limiter=seawall.KeyedTokenBucket(1.0, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="circuit_breaker"):
        Policy(circuit_breaker="cb")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bulkhead"):
        Policy(bulkhead=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="retry"):
        Policy(retry=3)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="seconds"):
        Policy(timeout=float("nan"))


def test_adaptive_timeout_in_a_policy_learns() -> None:
    clock = seawall.ManualClock()
    at = seawall.AdaptiveTimeout(min_samples=1, min_timeout=0.001, clock=clock)
    p = Policy(timeout=at)

    async def call() -> int:
        clock.advance(0.05)
        return 1

    assert asyncio.run(p.call_async(call)) == 1
    assert at.metrics()["total"] == 1 and at.timeout() < 1.0

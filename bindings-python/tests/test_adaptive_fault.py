"""AdaptiveTimeout and FaultInjector through the Python API."""

from __future__ import annotations

import asyncio
from typing import List

import pytest

import seawall
from seawall import AdaptiveTimeout, FaultInjector

from helpers import same_metadata


def test_adaptive_timeout_follows_latencies() -> None:
    clock = seawall.ManualClock()
    at = AdaptiveTimeout(min_samples=2, min_timeout=0.001, clock=clock)
    assert at.timeout() == 5.0
    at.record(0.1)
    at.record_ns(100_000_000)
    assert at.timeout_ns() == 150_994_942  # p95 bucket bound × 1.5 (same as Rust)
    m = at.metrics()
    assert m["samples"] == 2 and m["p95_ns"] == 100_663_295
    clock.advance(61.0)  # two quiet windows: back to initial_timeout
    assert at.timeout() == 5.0


def test_adaptive_decorator_records_and_times_out() -> None:
    clock = seawall.ManualClock()
    at = AdaptiveTimeout(min_samples=1, min_timeout=0.001, max_timeout=1.0, initial_timeout=1.0, clock=clock)

    async def call(d: float) -> float:
        """Call."""
        clock.advance(d)  # the call "takes" d seconds on the manual clock
        await asyncio.sleep(0)
        return d

    w = at(call)
    same_metadata(w, call)
    assert asyncio.run(w(0.004)) == 0.004
    assert at.metrics()["total"] == 1
    assert 0.004 < at.timeout() < 0.01

    async def slow() -> None:
        await asyncio.sleep(10)

    limit = at.timeout()
    with pytest.raises(seawall.TimeoutError):
        asyncio.run(at.call_async(slow))  # a real wait of ~6 ms
    # A cut-off call is recorded with the limit it was given.
    assert at.metrics()["total"] == 2
    assert at.metrics()["p99"] >= limit

    async def fails() -> None:
        clock.advance(0.002)
        raise KeyError()

    with pytest.raises(KeyError):
        asyncio.run(at.call_async(fails))
    assert at.metrics()["total"] == 3
    with pytest.raises(TypeError, match="async"):
        at(lambda: 1)


def test_fault_injector_is_reproducible() -> None:
    a = FaultInjector(error_rate=0.3, delay_rate=0.3, delay_min=0.1, delay_max=0.5, seed=42)
    b = FaultInjector(error_rate=0.3, delay_rate=0.3, delay_min=0.1, delay_max=0.5, seed=42)
    da = [a.decide() for _ in range(50)]
    assert da == [b.decide() for _ in range(50)]
    kinds = {k for k, _ in da}
    assert kinds == {"none", "error", "delay"}
    assert all(0.1 <= d <= 0.5 for k, d in da if k == "delay")
    m = a.metrics()
    assert m["decisions"] == 50 and m["errors"] == sum(k == "error" for k, _ in da)


def test_fault_injector_decorators() -> None:
    clock = seawall.ManualClock()
    fi = FaultInjector(delay_rate=1.0, delay_min=2.0, delay_max=2.0, clock=clock)

    def work(x: int) -> int:
        """Work."""
        return x

    async def awork(x: int) -> int:
        """Async work."""
        return x

    w, aw = fi(work), fi(awork)
    same_metadata(w, work)
    same_metadata(aw, awork)
    assert w(1) == 1 and clock.now() == 2.0  # delayed on the manual clock
    assert asyncio.run(aw(2)) == 2 and clock.now() == 4.0
    boom = FaultInjector(error_rate=1.0)
    with pytest.raises(seawall.InjectedFaultError):
        boom.call(work, 1)
    calls: List[int] = []
    custom = FaultInjector(error_rate=1.0, error=lambda: ConnectionResetError("chaos"))
    with pytest.raises(ConnectionResetError, match="chaos"):
        asyncio.run(custom.call_async(awork, 1))
    custom.enabled = False
    assert custom.call(lambda: calls.append(1) or 5) == 5 and not custom.enabled
    with pytest.raises(TypeError, match="enabled"):
        custom.enabled = 1  # type: ignore[assignment]
    with pytest.raises(TypeError, match="error"):
        FaultInjector(error=3)  # type: ignore[arg-type]

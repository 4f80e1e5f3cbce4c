"""Async callables that are not plain ``async def`` functions, through every
decorator and ``call`` / ``call_async``.

The kinds: an ``async def``, an object with ``async def __call__``, a
lambda returning a coroutine, a ``functools.partial`` of an ``async def``,
a bound ``async def`` method. A sync path that treated their coroutine as
the finished call would record success when the coroutine is created and
never see the real outcome (an always-failing dependency would never open
a breaker, a bulkhead slot would be given back before the call ran).
"""

from __future__ import annotations

import asyncio
import functools
import warnings
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

import seawall


class Dep:
    """A dependency whose calls fail (or wait for ``gate``), counting runs."""

    def __init__(self, fail: bool = True, gate: "asyncio.Event | None" = None) -> None:
        self.fail = fail
        self.gate = gate
        self.runs = 0

    async def method(self, x: int = 1) -> int:
        self.runs += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError("down")
        return x


class AsyncCallable:
    def __init__(self, dep: Dep) -> None:
        self.dep = dep

    async def __call__(self, x: int = 1) -> int:
        return await self.dep.method(x)


def kinds(dep: Dep) -> Dict[str, Callable[..., Awaitable[int]]]:
    async def plain(x: int = 1) -> int:
        return await dep.method(x)

    async def two(y: int, x: int = 1) -> int:
        return await dep.method(x)

    return {
        "async_def": plain,
        "async_call_object": AsyncCallable(dep),
        "lambda_returning_coroutine": lambda x=1: dep.method(x),
        "partial_of_async_def": functools.partial(two, 0),
        "bound_method": dep.method,
    }


KINDS = list(kinds(Dep()))
# Callables whose async-ness is visible before they are called.
DETECTABLE = [k for k in KINDS if k != "lambda_returning_coroutine"]
MODES = ["decorator", "call", "call_async"]


def invoke(guard: Any, mode: str, fn: Callable[..., Awaitable[int]]) -> Awaitable[int]:
    """The awaitable one protected call gives (decorating afresh is fine:
    the guard, not the wrapper, holds the state)."""
    if mode == "decorator":
        return guard(fn)()  # type: ignore[no-any-return]
    if mode == "call":
        return guard.call(fn)  # type: ignore[no-any-return]
    return guard.call_async(fn)  # type: ignore[no-any-return]


# -- CircuitBreaker -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_breaker_records_the_awaited_failure_and_opens(kind: str, mode: str) -> None:
    async def main() -> None:
        cb = seawall.CircuitBreaker(failure_count_threshold=3, open_duration=60.0, clock=seawall.ManualClock())
        dep = Dep(fail=True)
        fn = kinds(dep)[kind]
        for _ in range(3):
            aw = invoke(cb, mode, fn)
            with pytest.raises(ConnectionError):
                await aw
        m = cb.metrics()
        assert (m["failures"], m["successes"], dep.runs) == (3, 0, 3)
        assert cb.state == "open"
        with pytest.raises(seawall.CircuitOpenError):
            await invoke(cb, mode, fn)
        assert dep.runs == 3

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_breaker_records_nothing_until_awaited_then_success(kind: str, mode: str) -> None:
    async def main() -> None:
        cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
        dep = Dep(fail=False)
        aw = invoke(cb, mode, kinds(dep)[kind])
        assert cb.metrics()["calls"] == 0
        assert await aw == 1
        m = cb.metrics()
        assert (m["calls"], m["successes"], m["failures"]) == (1, 1, 0)

    asyncio.run(main())


def test_breaker_half_open_probe_is_held_until_the_await() -> None:
    async def main() -> None:
        clock = seawall.ManualClock()
        cb = seawall.CircuitBreaker(failure_count_threshold=1, open_duration=1.0, half_open_max_calls=1,
                                    success_threshold=1, clock=clock)
        dep = Dep(fail=True)
        f = cb(lambda: dep.method())
        with pytest.raises(ConnectionError):
            await f()
        clock.advance(1.0)
        probe = f()  # the probe permit is taken here
        assert cb.try_acquire() is None  # the only probe slot is in use
        with pytest.raises(ConnectionError):
            await probe
        assert cb.state == "open"

    asyncio.run(main())


def test_breaker_cancelled_await_records_nothing() -> None:
    async def main() -> None:
        cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
        gate = asyncio.Event()
        dep = Dep(fail=False, gate=gate)
        task = asyncio.ensure_future(cb.call(dep.method))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cb.metrics()["calls"] == 0

    asyncio.run(main())


# -- Bulkhead -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_bulkhead_holds_the_slot_while_the_call_runs(kind: str, mode: str) -> None:
    async def main() -> None:
        bh = seawall.Bulkhead(1)
        gate = asyncio.Event()
        dep = Dep(fail=False, gate=gate)
        task = asyncio.ensure_future(invoke(bh, mode, kinds(dep)[kind]))
        while dep.runs == 0:
            await asyncio.sleep(0)
        assert bh.active == 1
        assert bh.try_acquire() is None
        gate.set()
        assert await task == 1
        assert bh.active == 0
        m = bh.metrics()
        assert (m["total"], m["rejected"]) == (1, 1)

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_bulkhead_failed_await_gives_the_slot_back(kind: str, mode: str) -> None:
    async def main() -> None:
        bh = seawall.Bulkhead(1)
        with pytest.raises(ConnectionError):
            await invoke(bh, mode, kinds(Dep(fail=True))[kind])
        assert bh.active == 0

    asyncio.run(main())


# -- FaultInjector --------------------------------------------------------------


@pytest.mark.parametrize("kind", DETECTABLE)
def test_fault_decorator_injects_inside_the_coroutine(kind: str) -> None:
    async def main() -> None:
        fi = seawall.FaultInjector(error_rate=1.0, seed=1)
        dep = Dep(fail=False)
        aw = fi(kinds(dep)[kind])()  # nothing decided or raised yet
        assert fi.metrics()["decisions"] == 0
        with pytest.raises(seawall.InjectedFaultError):
            await aw
        assert dep.runs == 0

    asyncio.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_fault_call_async_runs_every_kind(kind: str) -> None:
    async def main() -> None:
        clock = seawall.ManualClock()
        fi = seawall.FaultInjector(delay_rate=1.0, delay_min=2.0, delay_max=2.0, seed=1, clock=clock)
        dep = Dep(fail=False)
        assert await fi.call_async(kinds(dep)[kind]) == 1
        assert clock.now() == 2.0 and dep.runs == 1

    asyncio.run(main())


# The decorator takes the detectable kinds down the async path (test above).
@pytest.mark.parametrize(
    "kind,mode", [(k, "call") for k in KINDS] + [("lambda_returning_coroutine", "decorator")]
)
def test_fault_sync_path_refuses_an_awaitable(kind: str, mode: str) -> None:
    fi = seawall.FaultInjector(seed=1)
    dep = Dep(fail=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the refused coroutine is closed, not left "never awaited"
        with pytest.raises(TypeError, match="call_async"):
            if mode == "call":
                fi.call(kinds(dep)[kind])
            else:
                fi(kinds(dep)[kind])()
    assert dep.runs == 0


# -- timeout() and AdaptiveTimeout ------------------------------------------------


@pytest.mark.parametrize("mode", ["decorator", "call_async"])
@pytest.mark.parametrize("kind", DETECTABLE)
def test_timeout_applies_to_every_detectable_kind(kind: str, mode: str) -> None:
    async def main() -> None:
        dep = Dep(fail=False, gate=asyncio.Event())  # never set: the call hangs
        t = seawall.timeout(0.01)
        with pytest.raises(seawall.TimeoutError):
            await invoke(t, mode, kinds(dep)[kind])
        assert dep.runs == 1
        ok = Dep(fail=False)
        assert await invoke(t, mode, kinds(ok)[kind]) == 1

    asyncio.run(main())


def test_timeout_call_async_takes_a_lambda_and_the_decorator_says_so() -> None:
    async def main() -> None:
        dep = Dep(fail=False)
        fn = kinds(dep)["lambda_returning_coroutine"]
        assert await seawall.timeout(5.0).call_async(fn) == 1
        with pytest.raises(TypeError, match=r"timeout\(seconds\)\.call_async"):
            seawall.timeout(5.0)(fn)

    asyncio.run(main())


@pytest.mark.parametrize("mode", ["decorator", "call_async"])
@pytest.mark.parametrize("kind", KINDS)
def test_adaptive_timeout_records_every_kind(kind: str, mode: str) -> None:
    async def main() -> None:
        at = seawall.AdaptiveTimeout(clock=seawall.ManualClock())
        dep = Dep(fail=True)
        fn = kinds(dep)[kind]
        if mode == "decorator" and kind not in DETECTABLE:
            with pytest.raises(TypeError, match="call_async"):
                at(fn)
            return
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await invoke(at, mode, fn)
        assert at.metrics()["total"] == 2 and dep.runs == 2

    asyncio.run(main())


# -- stacked --------------------------------------------------------------------


def test_stacked_decorators_on_an_async_call_object() -> None:
    async def main() -> None:
        cb = seawall.CircuitBreaker(failure_count_threshold=2, clock=seawall.ManualClock())
        bh = seawall.Bulkhead(1)
        dep = Dep(fail=True)
        f = cb(bh(AsyncCallable(dep)))
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await f()
        assert cb.state == "open" and bh.active == 0

    asyncio.run(main())


def test_detection() -> None:
    from seawall._aio import is_async_callable, returns_awaitable

    dep = Dep()
    table: List[Tuple[Any, bool]] = [(fn, k in DETECTABLE) for k, fn in kinds(dep).items()]
    table += [(lambda: 1, False), (len, False), (int, False), (functools.partial(len, "x"), False),
              (AsyncCallable, False), (functools.partial(AsyncCallable(dep)), True)]
    for fn, want in table:
        assert is_async_callable(fn) is want, fn
    coro = dep.method()
    loop = asyncio.new_event_loop()
    assert returns_awaitable(coro) and returns_awaitable(loop.create_future())
    coro.close()
    loop.close()
    for v in (None, 1, "s", b"b", [], {}, (), 1.5, object(), Dep()):
        assert not returns_awaitable(v)


# --- Retry, Policy, Fallback, FallbackChain (issue 12 item 1, the wrappers
# that run a user callable besides the breaker): a sync path that gets an
# awaitable goes on on the async path, so the awaited failure is retried or
# fallen back, as on call_async.


class Flaky(Dep):
    """Fails its first ``failures`` runs, then returns ``x``."""

    def __init__(self, failures: int) -> None:
        super().__init__(fail=False)
        self.failures = failures

    async def method(self, x: int = 1) -> int:
        self.runs += 1
        if self.runs <= self.failures:
            raise ConnectionError("down")
        return x


def _retry() -> seawall.Retry:
    return seawall.Retry(max_attempts=3, base=1.0, retry_on=ConnectionError, clock=seawall.ManualClock())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_retry_retries_the_awaited_failure(kind: str, mode: str) -> None:
    async def main() -> None:
        dep = Flaky(failures=2)
        assert await invoke(_retry(), mode, kinds(dep)[kind]) == 1
        assert dep.runs == 3

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_retry_gives_up_after_the_awaited_failures(kind: str, mode: str) -> None:
    async def main() -> None:
        dep = Dep(fail=True)
        with pytest.raises(seawall.RetryError) as e:
            await invoke(_retry(), mode, kinds(dep)[kind])
        assert isinstance(e.value.__cause__, ConnectionError)
        assert (e.value.attempts, dep.runs) == (3, 3)

    asyncio.run(main())


def test_retry_sync_retries_then_an_attempt_returns_a_coroutine() -> None:
    # The hand-off keeps the run: one sync failure, then the coroutine's
    # failure, then success = 3 attempts of one run.
    dep = Flaky(failures=2)
    calls = 0

    def sometimes_async() -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            dep.runs += 1
            raise ConnectionError("sync failure")
        return dep.method(5)

    aw = _retry().call(sometimes_async)
    assert asyncio.run(aw) == 5
    assert (calls, dep.runs) == (3, 3)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_policy_retries_and_falls_back_on_the_awaited_failure(kind: str, mode: str) -> None:
    async def main() -> None:
        clock = seawall.ManualClock()
        cb = seawall.CircuitBreaker(failure_count_threshold=100, clock=clock)
        p = seawall.Policy(circuit_breaker=cb, retry=_retry(), fallback=seawall.fallback(-1), clock=clock)
        dep = Dep(fail=True)
        assert await invoke(p, mode, kinds(dep)[kind]) == -1
        assert dep.runs == 3
        assert cb.metrics()["failures"] == 3
        ok = Flaky(failures=1)
        assert await invoke(p, mode, kinds(ok)[kind]) == 1
        assert ok.runs == 2
        m = cb.metrics()
        assert (m["failures"], m["successes"]) == (4, 1)

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_fallback_answers_the_awaited_failure(kind: str, mode: str) -> None:
    async def main() -> None:
        fb = seawall.fallback(-1, on=ConnectionError)
        dep = Dep(fail=True)
        assert await invoke(fb, mode, kinds(dep)[kind]) == -1
        ok = Dep(fail=False)
        assert await invoke(fb, mode, kinds(ok)[kind]) == 1
        assert (dep.runs, ok.runs) == (1, 1)

    asyncio.run(main())


@pytest.mark.parametrize("mode", ["call", "call_async", "call_detailed", "call_detailed_async"])
@pytest.mark.parametrize("kind", KINDS)
def test_fallback_chain_falls_through_an_awaited_failure(kind: str, mode: str) -> None:
    async def main() -> None:
        dep = Dep(fail=True)
        chain: Any = seawall.FallbackChain(("primary", kinds(dep)[kind]), ("backup", lambda x=1: 7))
        got = await getattr(chain, mode)()
        if mode.startswith("call_detailed"):
            assert (got.value, got.source) == (7, "backup")
            assert [(n, type(e)) for n, e in got.errors] == [("primary", ConnectionError)]
        else:
            assert got == 7
        assert dep.runs == 1

    asyncio.run(main())

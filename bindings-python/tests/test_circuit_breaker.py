"""CircuitBreaker through the Python API: every path, classification, listeners."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from typing import Any, List, Tuple

import pytest

import seawall
from seawall import CircuitBreaker

from helpers import same_metadata


def breaker(**kw: Any) -> Tuple[CircuitBreaker, seawall.ManualClock]:
    clock = seawall.ManualClock()
    opts: dict = dict(failure_count_threshold=2, failure_rate_threshold=None, slow_call_rate_threshold=None,
                      open_duration=10.0, half_open_max_calls=1, success_threshold=1)
    opts.update(kw)
    return CircuitBreaker(clock=clock, **opts), clock


def boom(exc: BaseException) -> Any:
    raise exc


def test_defaults_are_resilience4j() -> None:
    m = CircuitBreaker().metrics()
    assert m["state"] == "closed" and m["open_duration"] == 60.0


def test_sync_decorator_trips_and_recovers() -> None:
    b, clock = breaker()

    def fetch(x: int, *, scale: int = 1) -> int:
        """Fetch."""
        if x < 0:
            raise ConnectionError("down")
        return x * scale

    w = b(fetch)
    same_metadata(w, fetch)
    assert w(2, scale=3) == 6
    for _ in range(2):
        with pytest.raises(ConnectionError):
            w(-1)
    assert b.state == "open"
    with pytest.raises(seawall.CircuitOpenError) as ei:
        w(1)
    assert ei.value.retry_after == 10.0
    clock.advance(4)
    with pytest.raises(seawall.CircuitOpenError) as ei2:
        b.call(fetch, 1)
    assert ei2.value.retry_after == 6.0
    clock.advance(6)
    assert w(5) == 5  # the probe succeeds
    assert b.state == "closed"


def test_decorated_method_binds_self() -> None:
    b, _ = breaker()

    class Client:
        def __init__(self) -> None:
            self.base = 10

        @b
        def get(self, x: int) -> int:
            """Get."""
            return self.base + x

    assert Client().get(5) == 15
    assert Client.get.__name__ == "get" and Client.get.__doc__ == "Get."


def test_async_decorator_and_call_async() -> None:
    b, clock = breaker()

    async def fetch(x: int) -> int:
        """Async fetch."""
        if x < 0:
            raise TimeoutError()
        return x

    w = b(fetch)
    same_metadata(w, fetch)

    async def main() -> None:
        assert await w(3) == 3
        for _ in range(2):
            with pytest.raises(TimeoutError):
                await w(-1)
        with pytest.raises(seawall.CircuitOpenError):
            await b.call_async(fetch, 1)

    asyncio.run(main())
    assert b.state == "open"


def test_context_managers_sync_and_async() -> None:
    b, clock = breaker()
    with b as p:
        assert not p.probe
    for _ in range(2):
        with pytest.raises(OSError):
            with b:
                raise OSError("x")
    assert b.state == "open"
    with pytest.raises(seawall.CircuitOpenError):
        with b:
            pass  # pragma: no cover
    clock.advance(10)

    async def main() -> None:
        async with b as probe:
            assert probe.probe

    asyncio.run(main())
    assert b.state == "closed"
    m = b.metrics()
    assert m["successes"] == 2 and m["failures"] == 2 and m["rejected"] == 1


def test_nested_with_blocks_and_tasks_keep_their_own_permits() -> None:
    b, _ = breaker(failure_count_threshold=100)

    async def one(i: int) -> None:
        async with b:
            await asyncio.sleep(0)
            if i % 2:
                raise KeyError(i)

    async def main() -> None:
        res = await asyncio.gather(*(one(i) for i in range(10)), return_exceptions=True)
        assert sum(isinstance(r, KeyError) for r in res) == 5

    asyncio.run(main())
    with b:
        with b:
            pass
    m = b.metrics()
    assert m["calls"] == 12 and m["failures"] == 5 and m["successes"] == 7


def test_two_step_permits() -> None:
    b, clock = breaker(failure_count_threshold=1)
    p = b.try_acquire()
    assert p is not None and not p.finished
    assert p.failure() is True and p.finished
    assert p.success() is False  # finishes once
    assert b.state == "open" and b.try_acquire() is None
    clock.advance(10)
    probe = b.try_acquire()
    assert probe is not None and probe.probe
    assert b.try_acquire() is None  # the one probe slot is taken
    assert probe.release() is True  # give the slot back unrecorded
    probe2 = b.try_acquire()
    assert probe2 is not None
    probe2.ignore()
    assert b.metrics()["ignored"] == 1
    p3 = b.try_acquire()
    assert p3 is not None
    p3.success(duration=0.001)
    assert b.state == "closed"


def test_unfinished_permit_is_released_when_collected() -> None:
    b, clock = breaker(failure_count_threshold=1)
    b.call(lambda: None)
    with pytest.raises(KeyError):
        b.call(boom, KeyError())
    clock.advance(10)
    p = b.try_acquire()
    assert p is not None and p.probe
    del p
    gc.collect()
    assert b.try_acquire() is not None  # the slot came back


def test_exception_classification() -> None:
    b, _ = breaker(failure_count_threshold=100, record_exceptions=(OSError,), ignore_exceptions=FileNotFoundError)
    assert b.classify_exception(ConnectionError()) == "failure"
    assert b.classify_exception(FileNotFoundError()) == "ignored"
    assert b.classify_exception(ValueError()) == "success"  # the dependency answered
    assert b.classify_exception(KeyboardInterrupt()) == "released"
    assert b.classify_exception(asyncio.CancelledError()) == "released"
    for exc in (ConnectionError(), FileNotFoundError(), ValueError()):
        with pytest.raises(type(exc)):
            b.call(boom, exc)
    m = b.metrics()
    assert (m["failures"], m["ignored"], m["successes"]) == (1, 1, 1)

    p, _ = breaker(failure_predicate=lambda e: getattr(e, "status", 0) >= 500)

    class HTTPError(Exception):
        def __init__(self, status: int) -> None:
            self.status = status

    assert p.classify_exception(HTTPError(503)) == "failure"
    assert p.classify_exception(HTTPError(404)) == "success"


def test_predicate_that_raises_counts_as_failure() -> None:
    def bad_predicate(e: BaseException) -> bool:
        raise RuntimeError("predicate bug")

    b, _ = breaker(failure_predicate=bad_predicate)
    seen: List[Any] = []
    import sys

    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        with pytest.raises(ValueError):
            b.call(boom, ValueError())
    finally:
        sys.unraisablehook = old
    assert b.metrics()["failures"] == 1
    assert isinstance(seen[0], RuntimeError)


def test_listeners_and_manual_states() -> None:
    b, clock = breaker(failure_count_threshold=1)
    events: List[Tuple[str, str]] = []
    lid = b.on_state_change(lambda a, z: events.append((a, z)))
    b.force_open()
    assert b.state == "forced_open" and b.try_acquire() is None
    b.disable()
    assert b.state == "disabled"
    b.metrics_only()
    assert b.state == "metrics_only"
    b.reset()
    assert b.state == "closed"
    assert events == [("closed", "forced_open"), ("forced_open", "disabled"), ("disabled", "metrics_only"), ("metrics_only", "closed")]
    assert b.remove_listener(lid) and not b.remove_listener(lid)
    with pytest.raises(OSError):
        b.call(boom, OSError())
    assert len(events) == 4
    with pytest.raises(TypeError):
        b.on_state_change(3)  # type: ignore[arg-type]


def test_listener_errors_go_to_unraisablehook() -> None:
    import sys

    b, _ = breaker(failure_count_threshold=1)
    seen: List[Any] = []
    b.on_state_change(lambda a, z: 1 / 0)
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_type)
    try:
        b.force_open()
    finally:
        sys.unraisablehook = old
    assert seen == [ZeroDivisionError] and b.state == "forced_open"


def test_slow_calls_trip() -> None:
    clock = seawall.ManualClock()
    b = CircuitBreaker(failure_rate_threshold=None, slow_call_rate_threshold=0.5, slow_call_duration_threshold=1.0,
                       window_size=2, minimum_number_of_calls=2, clock=clock)

    def slow() -> None:
        clock.advance(2.0)

    b.call(slow)
    b.call(slow)
    assert b.state == "open" and b.metrics()["slow"] == 2


def test_threads_hammering_a_frozen_half_open_breaker_admit_exactly_the_probes() -> None:
    clock = seawall.ManualClock()
    b = CircuitBreaker(failure_count_threshold=1, half_open_max_calls=5, success_threshold=5, open_duration=1.0, clock=clock)
    with pytest.raises(OSError):
        b.call(boom, OSError())
    clock.advance(1.0)
    got: List[Any] = []
    lock = threading.Lock()
    bar = threading.Barrier(8)

    def hammer() -> None:
        bar.wait()
        mine = [p for p in (b.try_acquire() for _ in range(200)) if p is not None]
        with lock:
            got.extend(mine)

    ts = [threading.Thread(target=hammer) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(got) == 5 and all(p.probe for p in got)
    for p in got:
        p.success()
    assert b.state == "closed"


def test_unknown_and_bad_options() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'open_duraton'"):
        CircuitBreaker(open_duraton=5)
    with pytest.raises(TypeError):
        CircuitBreaker(5)  # type: ignore[misc]
    with pytest.raises(TypeError, match="record_exceptions"):
        CircuitBreaker(record_exceptions=ValueError("x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="failure_predicate"):
        CircuitBreaker(failure_predicate=1)  # type: ignore[arg-type]
    with pytest.raises(seawall.ConfigError) as ei:
        CircuitBreaker(window_kind="sliding")
    assert ei.value.field == "window_kind"
    with pytest.raises(TypeError, match="open_duration must not be None"):
        CircuitBreaker(open_duration=None)  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_with_listener_thread_running() -> None:
    # Documented: the child gets a copy of the breaker (memory backend);
    # it stays usable and nothing deadlocks even when another thread was
    # inside the breaker or a listener at fork time.
    b, _ = breaker(failure_count_threshold=1000)
    b.on_state_change(lambda a, z: None)
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            b.call(lambda: None)
            b.force_open()
            b.reset()

    t = threading.Thread(target=churn)
    t.start()
    try:
        pid = os.fork()
        if pid == 0:
            try:
                b.reset()
                ok = b.call(lambda: 7) == 7
                b.force_open()
                os._exit(0 if ok and b.state == "forced_open" else 1)
            except BaseException:
                os._exit(2)
        _, status = os.waitpid(pid, 0)
    finally:
        stop.set()
        t.join()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_cancelled_async_call_releases_the_probe() -> None:
    b, clock = breaker(failure_count_threshold=1)
    with pytest.raises(OSError):
        b.call(boom, OSError())
    clock.advance(10)

    async def hang() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        t = asyncio.ensure_future(b.call_async(hang))
        await asyncio.sleep(0)
        assert b.metrics()["half_open_in_flight"] == 1
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t

    asyncio.run(main())
    m = b.metrics()
    assert m["half_open_in_flight"] == 0 and m["state"] == "half_open"
    assert b.try_acquire() is not None  # the probe slot came back unrecorded


def test_predicate_cycle_is_collected() -> None:
    collected: List[int] = []

    class Sentinel:
        def __del__(self) -> None:
            collected.append(1)

    def make() -> None:
        s = Sentinel()
        b: Any = None
        b = CircuitBreaker(failure_predicate=lambda e: s is not None and b is not None)
        b.call(lambda: None)

    make()
    gc.collect()
    assert collected == [1]

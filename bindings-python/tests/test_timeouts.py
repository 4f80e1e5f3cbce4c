"""timeout(), Deadline and cascading deadlines."""

from __future__ import annotations

import asyncio
import builtins
import inspect

import pytest

import seawall
from seawall import timeouts

from helpers import same_metadata


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_timeout_passes_fast_calls_and_keeps_metadata() -> None:
    async def raw(x: int, *, y: int = 2) -> int:
        """Doc."""
        return x + y

    fetch = seawall.timeout(5.0)(raw)
    same_metadata(fetch, raw)
    assert run(fetch(1)) == 3


def test_timeout_fires() -> None:
    # A real (short) wait is the point of this test.
    @seawall.timeout(0.01)
    async def slow() -> None:
        await asyncio.sleep(10)

    with pytest.raises(seawall.TimeoutError) as ei:
        run(slow())
    assert isinstance(ei.value, builtins.TimeoutError)


def test_inner_timeout_error_is_not_ours() -> None:
    async def raises() -> None:
        raise builtins.TimeoutError("from the callee")

    with pytest.raises(builtins.TimeoutError) as ei:
        run(seawall.timeout(5).call_async(raises))
    assert not isinstance(ei.value, seawall.TimeoutError)
    assert str(ei.value) == "from the callee"


def test_task_fallback_path_used_before_311() -> None:
    async def fast() -> int:
        return 7

    async def slow() -> None:
        await asyncio.sleep(10)

    assert run(timeouts._run_with_timeout_task(fast(), 1.0)) == 7
    with pytest.raises(seawall.TimeoutError):
        run(timeouts._run_with_timeout_task(slow(), 0.01))


def test_timeout_rejects_sync_functions() -> None:
    with pytest.raises(TypeError, match="async"):
        seawall.timeout(1)(lambda: 1)


@pytest.mark.parametrize(
    "v",
    [0, -0.0, float("nan"), float("inf"), float("-inf"), -1, 1e308, 10**40, "1", None, True, [1], b"1"],
    ids=repr,
)
def test_timeout_bad_seconds(v: object) -> None:
    with pytest.raises((ValueError, TypeError)) as ei:
        seawall.timeout(v)  # type: ignore[arg-type]
    assert "seconds" in str(ei.value)


def test_deadline_on_manual_clock() -> None:
    clock = seawall.ManualClock()
    d = seawall.Deadline(2.0, clock=clock)
    assert d.remaining() == 2.0 and not d.expired
    clock.advance(0.5)
    assert d.remaining() == 1.5
    assert d.timeout(1.0) == 1.0 and d.timeout(5.0) == 1.5
    child = d.child(10.0)
    assert child.remaining() == 1.5  # never outlives the parent
    assert d.child(0.25).remaining() == 0.25
    clock.advance(1.5)
    assert d.expired and d.remaining() == 0.0
    with pytest.raises(seawall.TimeoutError):
        d.check()


def test_deadline_context_cascades() -> None:
    clock = seawall.ManualClock()
    assert seawall.current_deadline() is None
    with seawall.deadline(5.0, clock=clock) as outer:
        assert seawall.current_deadline() is outer
        with seawall.deadline(10.0, clock=clock) as inner:
            assert inner is outer  # a nested deadline never extends its parent
        with seawall.deadline(1.0, clock=clock) as tight:
            assert tight.remaining() == 1.0
            assert seawall.current_deadline() is tight
        assert seawall.current_deadline() is outer
    assert seawall.current_deadline() is None


def test_timeout_respects_current_deadline() -> None:
    async def slow() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        with seawall.deadline(0.01):
            await seawall.timeout(100).call_async(slow)

    with pytest.raises(seawall.TimeoutError):
        run(main())

    clock = seawall.ManualClock()

    async def expired() -> None:
        with seawall.deadline(1.0, clock=clock):
            clock.advance(2)
            await seawall.timeout(100).call_async(slow)

    with pytest.raises(seawall.TimeoutError, match="deadline"):
        run(expired())


def test_deadline_follows_asyncio_tasks() -> None:
    seen = []

    async def child() -> None:
        d = seawall.current_deadline()
        seen.append(d.remaining() if d else None)

    async def main() -> None:
        with seawall.deadline(3.0, clock=seawall.ManualClock()):
            await asyncio.gather(child(), child())

    run(main())
    assert seen == [3.0, 3.0]


@pytest.mark.parametrize(
    "v", [float("nan"), float("inf"), float("-inf"), -1, -1e-9, 1e308, 10**40, "1", None, True, [1], b"1"], ids=repr
)
def test_deadline_bad_seconds(v: object) -> None:
    with pytest.raises((ValueError, TypeError)) as ei:
        seawall.Deadline(v)  # type: ignore[arg-type]
    assert "seconds" in str(ei.value)


def test_deadline_bad_clock() -> None:
    with pytest.raises(TypeError, match="clock"):
        seawall.Deadline(1.0, clock="now")  # type: ignore[arg-type]


def test_one_deadline_entered_from_many_tasks() -> None:
    d = seawall.Deadline(5.0, clock=seawall.ManualClock())
    seen = []

    async def user(i: int) -> None:
        with d:
            await asyncio.sleep(0)
            seen.append(seawall.current_deadline() is d)
        seen.append(seawall.current_deadline() is None)

    async def main() -> None:
        await asyncio.gather(*(user(i) for i in range(5)))

    run(main())
    assert len(seen) == 10 and all(seen)
    assert seawall.current_deadline() is None

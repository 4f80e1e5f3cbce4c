"""'rejected' events for the refusals that happen inside a run (spec/metrics.md
"Events and logs"): a stage's refusal inside a Policy's call / call_async /
decorator run, and a limiter or bulkhead wait refused after it was queued.
Each is one event (and one DEBUG record) with the refusing instance as the
source; a subscriber that raises changes nothing and is reported once."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import Any, Callable, Iterator, List, Tuple

import pytest

import seawall
from seawall import Bulkhead, Policy, Retry, events, metrics

Seen = List[Tuple[str, Any, Any]]


@pytest.fixture
def seen() -> Iterator[Seen]:
    got: Seen = []
    unsub = events.subscribe(lambda e: got.append((e.kind, dict(e.details), e.source)))
    try:
        yield got
    finally:
        unsub()


def _spin_until(cond: Callable[[], bool]) -> None:
    # Waits for another thread without a timed sleep; bounded so a broken
    # build cannot hang.
    for _ in range(50_000_000):
        if cond():
            return
    raise AssertionError("condition never became true")


def _queued(got: Any) -> seawall.LimiterWaiter:
    assert isinstance(got, seawall.LimiterWaiter)
    return got


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# -- refusals inside a policy run ------------------------------------------------


def test_an_open_breaker_in_a_policy_call_and_decorator_is_one_event_each(seen: Seen) -> None:
    clock = seawall.ManualClock()
    cb = seawall.CircuitBreaker(open_duration=2.0, clock=clock, name="run-cb", registry=metrics.Registry())
    p = Policy(circuit_breaker=cb)
    cb.force_open()
    with pytest.raises(seawall.CircuitOpenError) as ei:
        p.call(len, "x")
    assert ei.value.stage == "circuit_breaker"
    wrapped = p(len)
    with pytest.raises(seawall.CircuitOpenError):
        wrapped("x")
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "circuit_breaker", "name": "run-cb", "retry_after": 2.0})] * 2
    assert all(src is cb for _, _, src in seen)


def test_a_refusal_answered_by_the_fallback_is_still_one_event(seen: Seen) -> None:
    cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
    cb.force_open()
    p = Policy(circuit_breaker=cb, fallback="cached")
    assert p.call(str.upper, "x") == "cached"
    assert [(k, d.get("by")) for k, d, _ in seen] == [("rejected", "circuit_breaker"), ("fallback_used", None)]


def test_a_rate_limit_refusal_that_is_retried_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock, name="run-tb", registry=metrics.Registry())
    p = Policy(rate_limiter=tb, retry=Retry(max_attempts=3, base=0.0, jitter="none", clock=clock))
    assert p.call(len, "ab") == 2  # takes the only token
    assert p.call(len, "abc") == 3  # refused once, slept retry_after, admitted
    # (then the retry scheduled: test_policy_events.py)
    assert [k for k, _, _ in seen] == ["rejected", "retry_scheduled"]
    assert seen[0][1] == {"by": "rate_limiter", "name": "run-tb", "retry_after": 1.0}
    assert seen[0][2] is tb


def test_a_rate_limit_refusal_the_retry_gives_up_on_is_one_event(seen: Seen) -> None:
    # The run ends with the retry's own error (no stage named): the
    # refusal that led there is still reported.
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock)
    p = Policy(rate_limiter=tb, retry=Retry(max_attempts=3, base=0.0, jitter="none", max_elapsed=0.5, clock=clock))
    assert tb.try_acquire() is True
    with pytest.raises(seawall.RetryError) as ei:
        p.call(len, "x")
    assert getattr(ei.value, "stage", None) is None
    assert [k for k, _, _ in seen] == ["rejected", "gave_up"]
    assert seen[0][1] == {"by": "rate_limiter", "name": None, "retry_after": 1.0}
    assert (seen[1][1]["reason"], seen[1][1]["attempts"]) == ("elapsed", 1)
    assert tb.metrics()["denied"] == 1


def test_a_full_bulkhead_in_a_policy_run_is_one_event(seen: Seen) -> None:
    bh = Bulkhead(1, name="run-bh", registry=metrics.Registry())
    p = Policy(bulkhead=bh)
    held = bh.try_acquire()
    assert held is not None
    with pytest.raises(seawall.BulkheadFullError) as ei:
        p.call(len, "x")
    assert ei.value.stage == "bulkhead"
    held.release()
    assert p.call(len, "x") == 1
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "bulkhead", "name": "run-bh", "retry_after": None})]
    assert seen[0][2] is bh


def test_a_queued_policy_wait_that_runs_out_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    bh = Bulkhead(1, max_queue=1, max_wait=1.0, clock=clock)
    p = Policy(bulkhead=bh, clock=clock)

    async def work() -> str:
        return "ran"

    async def main() -> None:
        held = bh.try_acquire()
        assert held is not None
        task = asyncio.ensure_future(p.call_async(work))
        await _settle()
        assert bh.metrics()["queued"] == 1 and seen == []
        clock.advance(2.0)
        with pytest.raises(seawall.BulkheadFullError) as ei:
            await task
        assert ei.value.stage == "bulkhead"
        held.release()

    asyncio.run(main())
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "bulkhead", "name": None, "retry_after": None})]
    assert seen[0][2] is bh


def test_an_async_decorated_call_refused_by_the_breaker_is_one_event(seen: Seen) -> None:
    cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
    cb.force_open()
    p = Policy(circuit_breaker=cb)

    @p
    async def work() -> str:
        return "ran"

    async def main() -> None:
        with pytest.raises(seawall.CircuitOpenError):
            await work()

    asyncio.run(main())
    assert [d["by"] for _, d, _ in seen] == ["circuit_breaker"]


def test_a_refusal_in_a_run_logs_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    cb = seawall.CircuitBreaker(open_duration=2.0, clock=seawall.ManualClock(), name="run-log", registry=metrics.Registry())
    cb.force_open()
    p = Policy(circuit_breaker=cb)
    with caplog.at_level(logging.DEBUG, logger="seawall"):
        with pytest.raises(seawall.CircuitOpenError):
            p.call(len, "x")
    recs = [r for r in caplog.records if r.name == "seawall" and getattr(r, "seawall_event", None) == "rejected"]
    assert [r.getMessage() for r in recs] == ["rejected by circuit_breaker 'run-log' (retry after 2.000s)"]


def test_a_raising_subscriber_changes_no_policy_result_and_is_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def bad(ev: Any) -> None:
        if ev.kind == "rejected":
            raise RuntimeError("subscriber bug")

    cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
    cb.force_open()
    failing = Policy(circuit_breaker=cb)
    falling_back = Policy(circuit_breaker=cb, fallback="cached")
    unsub = events.subscribe(bad)
    try:
        with pytest.raises(seawall.CircuitOpenError):
            failing.call(len, "x")
        assert falling_back.call(str.upper, "x") == "cached"
    finally:
        unsub()
    assert [str(e) for e in reported] == ["subscriber bug"] * 2


# -- waits refused after they were queued ----------------------------------------


def _late_claim_refuses_the_next(clock: seawall.ManualClock, claim_first: Callable[[], Any]) -> None:
    """With a window of one request per second (ten buckets), the first
    waiter is due at 1.1 s and the second, allowed until 2.2 s, right after
    it. The first claiming late (1.6 s) moves the second past its deadline."""
    clock.advance(1.6)
    claim_first()
    clock.advance(0.6)


def test_a_queued_limiter_wait_refused_in_acquire_async_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, clock=clock, name="wait-sw", registry=metrics.Registry())
    assert sw.try_acquire() is True
    first = _queued(sw.reserve(1, 5.0))

    async def main() -> None:
        task = asyncio.ensure_future(sw.acquire_async(timeout=2.2))
        await _settle()
        assert sw.metrics()["waiting"] == 2 and seen == []
        _late_claim_refuses_the_next(clock, first.try_claim)
        with pytest.raises(seawall.RateLimitedError):
            await task

    asyncio.run(main())
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "rate_limiter", "name": "wait-sw", "retry_after": 0.5})]
    assert seen[0][2] is sw


def test_a_queued_keyed_wait_refused_in_acquire_async_carries_the_key(seen: Seen) -> None:
    clock = seawall.ManualClock()
    kw = seawall.KeyedSlidingWindow(1, 1.0, clock=clock)
    assert kw.try_acquire("alice") is True
    first = _queued(kw.reserve("alice", 1, 5.0))

    async def main() -> None:
        task = asyncio.ensure_future(kw.acquire_async("alice", timeout=2.2))
        await _settle()
        _late_claim_refuses_the_next(clock, first.try_claim)
        with pytest.raises(seawall.RateLimitedError):
            await task

    asyncio.run(main())
    assert [d for _, d, _ in seen] == [{"by": "rate_limiter", "name": None, "retry_after": 0.5, "key": "alice"}]


def test_a_queued_limiter_wait_refused_in_blocking_acquire_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, clock=clock)
    assert sw.try_acquire() is True
    first = _queued(sw.reserve(1, 5.0))
    errors: List[BaseException] = []

    def blocked() -> None:
        try:
            sw.acquire(timeout=2.2)
        except BaseException as e:  # noqa: BLE001 - checked below
            errors.append(e)

    t = threading.Thread(target=blocked)
    t.start()
    _spin_until(lambda: sw.metrics()["waiting"] == 2)
    _late_claim_refuses_the_next(clock, first.try_claim)
    t.join(10)
    assert not t.is_alive()
    assert [type(e) for e in errors] == [seawall.RateLimitedError]
    assert [d for _, d, _ in seen] == [{"by": "rate_limiter", "name": None, "retry_after": 0.5}]


def test_a_reserved_wait_refused_at_its_claim_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, clock=clock)
    assert sw.try_acquire() is True
    first = _queued(sw.reserve(1, 5.0))
    second = _queued(sw.reserve(1, 2.2))
    _late_claim_refuses_the_next(clock, first.try_claim)
    with pytest.raises(seawall.RateLimitedError):
        second.try_claim()
    assert second.try_claim() is None  # finished: nothing more to report
    assert [d["retry_after"] for _, d, _ in seen] == [0.5]
    assert sw.metrics()["denied"] == 1


def test_a_bulkhead_wait_that_runs_out_in_acquire_async_is_one_event(seen: Seen) -> None:
    clock = seawall.ManualClock()
    bh = Bulkhead(1, max_queue=1, max_wait=1.0, clock=clock, name="wait-bh", registry=metrics.Registry())

    async def main() -> None:
        held = await bh.acquire_async()
        task = asyncio.ensure_future(bh.acquire_async())
        await _settle()
        assert seen == []
        clock.advance(2.0)
        with pytest.raises(seawall.BulkheadFullError):
            await task
        held.release()

    asyncio.run(main())
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "bulkhead", "name": "wait-bh", "retry_after": None})]
    assert seen[0][2] is bh


def test_a_raising_subscriber_changes_no_wait_result_and_is_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def bad(ev: Any) -> None:
        raise RuntimeError("subscriber bug")

    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, clock=clock)
    bh = Bulkhead(1, max_queue=1, max_wait=1.0, clock=clock)
    unsub = events.subscribe(bad)
    try:
        assert sw.try_acquire() is True  # admitted: no event
        first = _queued(sw.reserve(1, 5.0))

        async def main() -> None:
            task = asyncio.ensure_future(sw.acquire_async(timeout=2.2))
            await _settle()
            _late_claim_refuses_the_next(clock, first.try_claim)
            with pytest.raises(seawall.RateLimitedError):
                await task
            held = await bh.acquire_async()
            waiting = asyncio.ensure_future(bh.acquire_async())
            await _settle()
            clock.advance(2.0)
            with pytest.raises(seawall.BulkheadFullError):
                await waiting
            held.release()

        asyncio.run(main())
    finally:
        unsub()
    assert [str(e) for e in reported] == ["subscriber bug"] * 2

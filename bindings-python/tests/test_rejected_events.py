"""'rejected' events (spec/metrics.md "Events and logs"): one per refusal by
a breaker, a rate limiter (plain or keyed) or a bulkhead, to subscribers and
to the ``seawall`` logger at DEBUG; nothing is built unless someone
listens; a subscriber that raises never changes the call's result and is
reported once."""

from __future__ import annotations

import logging
import sys
from typing import Any, Iterator, List, Tuple

import pytest

import seawall
from seawall import events, metrics


@pytest.fixture
def seen() -> Iterator[List[Tuple[str, Any]]]:
    got: List[Tuple[str, Any]] = []
    unsub = events.subscribe(lambda e: got.append((e.kind, dict(e.details), e.source)))
    try:
        yield got
    finally:
        unsub()


def test_token_bucket_refusals_are_rejected_events(seen: List[Any]) -> None:
    clock = seawall.ManualClock()
    reg = metrics.Registry()
    tb = seawall.TokenBucket(1.0, 1, clock=clock, name="rej-tb", registry=reg)
    assert tb.try_acquire() is True
    assert tb.try_acquire() is False
    assert tb.check().allowed is False
    with pytest.raises(seawall.RateLimitedError):
        tb.acquire(timeout=0)
    with pytest.raises(seawall.RateLimitedError):
        tb.reserve(timeout=0)
    assert tb.peek().allowed is False  # a peek refuses nothing
    assert [(k, d) for k, d, _ in seen] == [("rejected", {"by": "rate_limiter", "name": "rej-tb", "retry_after": 1.0})] * 4
    assert all(src is tb for _, _, src in seen)
    assert tb.metrics()["denied"] == 4


def test_sliding_window_and_keyed_limiters_carry_name_and_key(seen: List[Any]) -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, clock=clock)
    kb = seawall.KeyedTokenBucket(2.0, 1, clock=clock)
    assert sw.try_acquire() is True
    assert sw.try_acquire() is False
    assert kb.try_acquire("alice") is True
    assert kb.try_acquire("alice") is False
    assert kb.check("alice").allowed is False
    assert kb.try_acquire("bob") is True
    details = [d for _, d, _ in seen]
    assert details[0]["by"] == "rate_limiter" and details[0]["name"] is None and details[0]["retry_after"] > 0
    assert details[1:] == [{"by": "rate_limiter", "name": None, "retry_after": 0.5, "key": "alice"}] * 2


def test_bulkhead_refusals_are_rejected_events(seen: List[Any]) -> None:
    reg = metrics.Registry()
    bh = seawall.Bulkhead(max_concurrent=1, max_queue=0, name="rej-bh", registry=reg)
    held = bh.try_acquire()
    assert held is not None
    assert bh.try_acquire() is None
    with pytest.raises(seawall.BulkheadFullError):
        bh.acquire()
    with pytest.raises(seawall.BulkheadFullError):
        bh.call(len, "x")
    with pytest.raises(seawall.BulkheadFullError):
        with bh:
            pass
    with pytest.raises(seawall.BulkheadFullError):
        bh.enqueue()
    held.release()
    assert bh.call(len, "abc") == 3
    assert [d for _, d, _ in seen] == [{"by": "bulkhead", "name": "rej-bh", "retry_after": None}] * 5


def test_breaker_refusals_are_rejected_events(seen: List[Any]) -> None:
    clock = seawall.ManualClock()
    cb = seawall.CircuitBreaker(failure_count_threshold=1, open_duration=2.0, clock=clock, name="rej-cb", registry=metrics.Registry())
    cb.force_open()
    assert cb.try_acquire() is None
    with pytest.raises(seawall.CircuitOpenError):
        cb.call(len, "x")
    with pytest.raises(seawall.CircuitOpenError):
        with cb:
            pass
    wrapped = cb(len)
    with pytest.raises(seawall.CircuitOpenError):
        wrapped("x")
    assert [d["by"] for _, d, _ in seen] == ["circuit_breaker"] * 4
    assert {d["name"] for _, d, _ in seen} == {"rej-cb"}


def test_a_raising_subscriber_never_changes_the_result_and_is_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def bad(ev: Any) -> None:
        raise RuntimeError("subscriber bug")

    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock)
    cb = seawall.CircuitBreaker(clock=clock)
    cb.force_open()
    unsub = events.subscribe(bad)
    try:
        assert tb.try_acquire() is True
        assert tb.try_acquire() is False
        with pytest.raises(seawall.CircuitOpenError):
            cb.call(len, "x")
    finally:
        unsub()
    assert [str(e) for e in reported] == ["subscriber bug"] * 2


def test_rejections_log_at_debug_only_when_enabled(caplog: pytest.LogCaptureFixture) -> None:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock, name="rej-log", registry=metrics.Registry())
    assert tb.try_acquire() is True
    with caplog.at_level(logging.INFO, logger="seawall"):
        assert tb.try_acquire() is False
    assert [r for r in caplog.records if r.name == "seawall"] == []
    with caplog.at_level(logging.DEBUG, logger="seawall"):
        assert tb.try_acquire() is False
    recs = [r for r in caplog.records if r.name == "seawall"]
    assert [(r.levelno, r.getMessage()) for r in recs] == [(logging.DEBUG, "rejected by rate_limiter 'rej-log' (retry after 1.000s)")]
    assert recs[0].by == "rate_limiter"  # type: ignore[attr-defined]

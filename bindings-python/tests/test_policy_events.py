"""A Policy run's retry decisions are events and log records like a Retry's
(spec/metrics.md "Events and logs"): ``retry_scheduled`` per sleep (the
error is the stage refusal the sleep answers, else the last failure),
``gave_up`` when the retry stage stops (core's reason and attempts,
``not_retryable`` included), besides ``rejected``, ``timeout`` and
``fallback_used``. A subscriber that raises changes nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterator, List, Tuple

import pytest

import seawall
from seawall import Policy, Retry, events

Seen = List[Tuple[str, Any]]


@pytest.fixture
def seen() -> Iterator[Seen]:
    got: Seen = []
    unsub = events.subscribe(lambda e: got.append((e.kind, dict(e.details))))
    try:
        yield got
    finally:
        unsub()


class Reset(ConnectionResetError):
    pass


def test_failures_retried_to_the_end(seen: Seen) -> None:
    clock = seawall.ManualClock()
    p = Policy(retry=Retry(max_attempts=3, base=0.01, jitter="none", clock=clock), clock=clock)
    last: List[BaseException] = []

    def boom() -> None:
        last.append(Reset("reset"))
        raise last[-1]

    with pytest.raises(seawall.RetryError):
        p.call(boom)
    assert [(k, d.get("attempt", d.get("attempts")), d.get("delay", d.get("reason"))) for k, d in seen] == [
        ("retry_scheduled", 1, 0.01),
        ("retry_scheduled", 2, 0.02),
        ("gave_up", 3, "attempts"),
    ]
    assert [d["error"] for _, d in seen] == last


def test_a_refusal_retried_names_the_refusal_as_the_error(seen: Seen) -> None:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock, name="pe-tb", registry=seawall.metrics.Registry())
    p = Policy(rate_limiter=tb, retry=Retry(max_attempts=3, base=0.0, jitter="none", clock=clock), clock=clock)
    assert p.call(len, "ab") == 2
    assert p.call(len, "abc") == 3  # refused once, slept retry_after, admitted
    assert [k for k, _ in seen] == ["rejected", "retry_scheduled"]
    d = seen[1][1]
    assert d["attempt"] == 1  # the retry stage counts the refusal (as a give-up's attempts would)
    assert d["delay"] == 1.0
    assert isinstance(d["error"], seawall.RateLimitedError)
    assert d["error"].stage == "rate_limiter"


def test_an_open_breaker_gives_up_not_retryable_then_the_fallback_answers(seen: Seen) -> None:
    cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
    cb.force_open()
    p = Policy(circuit_breaker=cb, retry=Retry(max_attempts=3, base=0.0), fallback="cached")
    assert p.call(str.upper, "x") == "cached"
    assert [k for k, _ in seen] == ["rejected", "gave_up", "fallback_used"]
    g = seen[1][1]
    assert (g["reason"], g["attempts"]) == ("not_retryable", 1)
    assert isinstance(g["error"], seawall.CircuitOpenError)


def test_the_async_run_reports_the_same(seen: Seen) -> None:
    clock = seawall.ManualClock()
    p = Policy(retry=Retry(max_attempts=2, base=0.01, jitter="none", clock=clock), clock=clock)

    async def boom() -> None:
        raise Reset("reset")

    async def main() -> None:
        task = asyncio.ensure_future(p.call_async(boom))
        for _ in range(10):
            await asyncio.sleep(0)
        clock.advance(0.01)
        with pytest.raises(seawall.RetryError):
            await task

    asyncio.run(main())
    assert [(k, d.get("reason")) for k, d in seen] == [("retry_scheduled", None), ("gave_up", "attempts")]


def test_a_policy_without_retry_reports_no_give_up(seen: Seen) -> None:
    p = Policy(fallback="cached")

    def boom() -> None:
        raise Reset("reset")

    assert p.call(boom) == "cached"
    assert [k for k, _ in seen] == ["fallback_used"]


def test_log_records_at_the_retry_levels(caplog: pytest.LogCaptureFixture) -> None:
    clock = seawall.ManualClock()
    p = Policy(retry=Retry(max_attempts=2, base=0.01, jitter="none", clock=clock), clock=clock)

    def boom() -> None:
        raise Reset("reset")

    with caplog.at_level(logging.INFO, logger="seawall"):
        with pytest.raises(seawall.RetryError):
            p.call(boom)
    recs = [(r.levelno, getattr(r, "seawall_event", None)) for r in caplog.records if r.name == "seawall"]
    assert recs == [(logging.INFO, "retry"), (logging.WARNING, "gave_up")]


def test_a_subscriber_that_raises_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[BaseException] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: reported.append(u.exc_value))
    boom_in_listener = RuntimeError("listener bug")

    def bad(e: events.Event) -> None:
        raise boom_in_listener

    unsub = events.subscribe(bad)
    try:
        clock = seawall.ManualClock()
        n = [0]

        def flaky() -> str:
            n[0] += 1
            if n[0] == 1:
                raise Reset("reset")
            return "ok"

        p = Policy(retry=Retry(max_attempts=2, base=0.0, clock=clock), clock=clock)
        assert p.call(flaky) == "ok"
    finally:
        unsub()
    assert reported == [boom_in_listener]


def test_a_retry_that_will_not_retry_gives_up_not_retryable(seen: Seen) -> None:
    # As in Node and in a policy run: core's reason, not_retryable included.
    r = Retry(max_attempts=3, base=0.0)

    def bug() -> None:
        raise ValueError("bug")

    with pytest.raises(ValueError):
        r.call(bug)
    assert [(k, d["reason"], d["attempts"]) for k, d in seen] == [("gave_up", "not_retryable", 1)]

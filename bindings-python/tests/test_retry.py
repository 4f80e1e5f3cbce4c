"""Backoff, Retry (sync and async), RetryBudget and the default classification."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any, List

import pytest

import seawall
from seawall import Backoff, Retry, RetryBudget
from seawall.classify import http_status, is_retryable, retry_after_hint, retryable_kind

from helpers import same_metadata


class HTTPError(Exception):
    def __init__(self, status: int, headers: Any = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        self.headers = headers or {}


class Response:
    def __init__(self, status: int, headers: Any = None) -> None:
        self.status_code = status
        self.headers = headers or {}


class ClientError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("client error")
        self.response = response


# --- classification ----------------------------------------------------------


@pytest.mark.parametrize(
    "exc,kind",
    [
        (ConnectionResetError(), "connection_reset"),
        (BrokenPipeError(), "connection_reset"),
        (ConnectionRefusedError(), "connection_refused"),
        (ConnectionAbortedError(), "connection_reset"),
        (TimeoutError(), "timed_out"),
        (socket.timeout(), "timed_out"),
        (asyncio.TimeoutError(), "timed_out"),
        (seawall.TimeoutError("t"), "timed_out"),
        (OSError(errno.ECONNRESET, "reset"), "connection_reset"),
        (OSError(errno.ENETUNREACH, "unreachable"), "network_error"),
        (OSError(errno.ETIMEDOUT, "t"), "timed_out"),
        (socket.gaierror(socket.EAI_AGAIN, "try again"), "network_error"),
    ],
    ids=repr,
)
def test_default_kinds(exc: BaseException, kind: str) -> None:
    assert retryable_kind(exc) == kind
    assert is_retryable(exc)


def test_codes_and_statuses_from_core() -> None:
    class RpcError(Exception):
        code = "UNAVAILABLE"

    class Code:
        name = "DEADLINE_EXCEEDED"

    class GrpcLike(Exception):
        code = Code()

    assert retryable_kind(RpcError()) == "service_unavailable"
    assert retryable_kind(GrpcLike()) == "timed_out"
    assert seawall.classify.RETRYABLE_STATUSES == (408, 429, 500, 502, 503, 504)
    for s in seawall.classify.RETRYABLE_STATUSES:
        assert is_retryable(HTTPError(s)) and is_retryable(ClientError(Response(s)))
    for s in (200, 301, 400, 401, 403, 404, 409, 422, 501, 505):
        assert not is_retryable(HTTPError(s))
    assert http_status(ClientError(Response(503))) == 503


@pytest.mark.parametrize(
    "exc",
    [ValueError(), KeyError("k"), OSError(errno.ENOENT, "x"), ConnectionError("plain"), RuntimeError(), seawall.CircuitOpenError("o")],
    ids=repr,
)
def test_not_retryable_by_default(exc: BaseException) -> None:
    # Plain ConnectionError is not in core's table (only its four builtin
    # subclasses are), so it is not retried by default.
    assert not is_retryable(exc)


def test_retry_after_hint() -> None:
    assert retry_after_hint(seawall.RateLimitedError("x", retry_after=2.5)) == 2.5
    assert retry_after_hint(HTTPError(429, {"Retry-After": "7"})) == 7.0
    assert retry_after_hint(ClientError(Response(503, {"Retry-After": " 3 "}))) == 3.0
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_hint(HTTPError(503, {"Retry-After": past})) == 0.0
    assert retry_after_hint(HTTPError(503, {"Retry-After": "soon"})) is None
    assert retry_after_hint(ValueError()) is None


# --- backoff -------------------------------------------------------------------


def test_backoff_schedule() -> None:
    b = Backoff("exponential", base=0.1, max_delay=1.0, jitter="none", max_attempts=5)
    assert [b.delay_for(i) for i in range(6)] == [0.0, 0.1, 0.2, 0.4, 0.8, 1.0]
    assert b.delays() == [0.1, 0.2, 0.4, 0.8]
    s = b.schedule()
    assert s.next_delay() == 0.1 and s.retries == 1 and s.attempts == 2
    assert s.next_delay(retry_after=5.0) == 5.0  # a server hint replaces the delay
    assert s.next_delay() == 0.4 and s.next_delay() == 0.8
    assert s.next_delay() is None and s.exhausted and s.retries == 4
    assert b.kind == "exponential" and b.jitter == "none" and b.max_attempts == 5
    assert b.metrics()["schedules"] == 2


def test_seeded_jitter_is_reproducible() -> None:
    a = Backoff(jitter="full", seed=42, max_attempts=10).delays()
    b = Backoff(jitter="full", seed=42, max_attempts=10).delays()
    assert a == b and len(a) == 9
    assert all(0 <= x <= 30.0 for x in a)


def test_schedule_elapsed_on_manual_clock() -> None:
    clock = seawall.ManualClock()
    b = Backoff("constant", base=1.0, jitter="none", max_attempts=100, max_elapsed=2.5, clock=clock)
    s = b.schedule()
    assert s.next_delay() == 1.0
    clock.advance(1.0)
    assert s.next_delay() == 1.0
    clock.advance(1.0)
    assert s.next_delay() is None  # 2 + 1 > 2.5
    assert s.elapsed == 2.0
    assert Backoff(max_attempts=3).schedule().elapsed is None  # no max_elapsed: the clock is never read


def test_schedule_retries_are_counted_when_it_ends() -> None:
    b = Backoff("constant", base=1.0, jitter="none", max_attempts=10)
    s = b.schedule()
    assert s.next_delay() == 1.0 and s.next_delay() == 1.0
    assert b.metrics()["retries"] == 0  # still running
    s.finish()
    assert b.metrics()["retries"] == 2 and s.exhausted and s.next_delay() is None
    s.finish()
    assert b.metrics()["retries"] == 2  # once
    t = b.schedule()
    assert t.next_delay() == 1.0
    del t  # collected: ends it
    assert b.metrics()["retries"] == 3 and b.metrics()["schedules"] == 2


# --- Retry ---------------------------------------------------------------------


def test_retry_succeeds_after_transient_failures_sync() -> None:
    clock = seawall.ManualClock()
    calls: List[float] = []

    def flaky(x: int, *, y: int = 1) -> int:
        """Flaky."""
        calls.append(clock.now())
        if len(calls) < 3:
            raise ConnectionResetError("reset")
        return x + y

    wrapped = Retry(max_attempts=5, base=0.5, jitter="none", clock=clock)(flaky)
    same_metadata(wrapped, flaky)
    assert wrapped(1, y=2) == 3
    assert calls == [0.0, 0.5, 1.5]  # slept on the manual clock, never for real


def test_retry_gives_up_with_retry_error_and_cause() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0.1, jitter="none", clock=clock)
    errors = [ConnectionResetError(f"{i}") for i in range(3)]
    it = iter(errors)

    def fail() -> None:
        raise next(it)

    with pytest.raises(seawall.RetryError) as ei:
        r.call(fail)
    assert ei.value.attempts == 3
    assert ei.value.__cause__ is errors[2] and ei.value.last_exception is errors[2]
    assert isinstance(ei.value, seawall.SeawallError)


def test_non_retryable_is_reraised_as_is() -> None:
    r = Retry(max_attempts=5, clock=seawall.ManualClock())
    n = 0

    def bad() -> None:
        nonlocal n
        n += 1
        raise ValueError("bug")

    with pytest.raises(ValueError, match="bug"):
        r.call(bad)
    assert n == 1


def test_retry_on_and_retry_if() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0, retry_on=KeyError, clock=clock)
    assert r.should_retry(KeyError()) and not r.should_retry(ConnectionResetError())
    r2 = Retry(retry_if=lambda e: "again" in str(e), clock=clock)
    assert r2.should_retry(ValueError("again")) and not r2.should_retry(ValueError("no"))
    r3 = Retry(retry_on=(OSError,), retry_if=lambda e: getattr(e, "errno", None) == 5, clock=clock)
    assert r3.should_retry(OSError(5, "x")) and not r3.should_retry(OSError(6, "x")) and not r3.should_retry(ValueError())
    assert not Retry().should_retry(KeyboardInterrupt())


def test_retry_honours_retry_after() -> None:
    clock = seawall.ManualClock()
    seen: List[float] = []
    attempts = iter([HTTPError(429, {"Retry-After": "7"}), None])

    @Retry(max_attempts=3, base=0.1, jitter="none", clock=clock, on_retry=lambda a, e, d: seen.append(d))
    def call() -> str:
        e = next(attempts)
        if e:
            raise e
        return "ok"

    assert call() == "ok"
    assert seen == [7.0] and clock.now() == 7.0
    clock2 = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0.1, jitter="none", clock=clock2, respect_retry_after=False)
    it = iter([HTTPError(429, {"Retry-After": "7"}), None])

    def call2() -> str:
        e = next(it)
        if e:
            raise e
        return "ok"

    assert r.call(call2) == "ok" and clock2.now() == 0.1


def test_max_elapsed_stops_retrying() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=100, base=1.0, kind="constant", jitter="none", max_elapsed=3.0, clock=clock)
    n = 0

    def slow_fail() -> None:
        nonlocal n
        n += 1
        clock.advance(0.5)  # each call takes 0.5 s
        raise TimeoutError()

    with pytest.raises(seawall.RetryError, match="max_elapsed ran out") as ei:
        r.call(slow_fail)
    # fails at 0.5, retry starts at 1.5; fails at 2.0, retry starts at 3.0
    # (exactly at max_elapsed is allowed); fails at 3.5: 4.5 > 3 gives up
    assert n == ei.value.attempts == 3


def test_retry_budget_stops_retries() -> None:
    budget = RetryBudget(max_tokens=4, token_ratio=0.5)
    r = Retry(max_attempts=10, base=0, budget=budget, clock=seawall.ManualClock())
    n = 0

    def down() -> None:
        nonlocal n
        n += 1
        raise ConnectionRefusedError()

    with pytest.raises(seawall.RetryBudgetExhaustedError, match="budget") as ei:
        r.call(down)
    # 4 tokens: first failure → 3 (> 2: retry), second → 2 (denied)
    assert n == 2 and ei.value.attempts == 2 and ei.value.reason == "budget"
    assert isinstance(ei.value.__cause__, ConnectionRefusedError)
    assert budget.metrics()["retries_denied"] == 1
    assert r.call(lambda: 5) == 5
    assert budget.metrics()["successes"] == 1


def test_retry_async() -> None:
    clock = seawall.ManualClock()
    n = 0

    async def flaky(x: int) -> int:
        """Async flaky."""
        nonlocal n
        n += 1
        if n < 3:
            raise TimeoutError()
        return x * 2

    wrapped = Retry(max_attempts=3, base=1.0, jitter="none", clock=clock)(flaky)
    same_metadata(wrapped, flaky)
    assert asyncio.run(wrapped(21)) == 42
    assert clock.now() == 3.0

    async def always() -> None:
        raise TimeoutError()

    with pytest.raises(seawall.RetryError) as ei:
        asyncio.run(Retry(max_attempts=2, base=0, clock=clock).call_async(always))
    assert ei.value.attempts == 2 and isinstance(ei.value.__cause__, TimeoutError)


def test_retry_async_real_sleep_does_not_block_loop() -> None:
    beats = 0

    async def beat() -> None:
        nonlocal beats
        for _ in range(3):
            beats += 1
            await asyncio.sleep(0.001)

    n = 0

    async def flaky() -> str:
        nonlocal n
        n += 1
        if n == 1:
            raise TimeoutError()
        return "ok"

    async def main() -> str:
        t = asyncio.ensure_future(beat())
        r = await Retry(max_attempts=2, base=0.02, jitter="none").call_async(flaky)
        await t
        return r

    assert asyncio.run(main()) == "ok" and beats == 3


def test_retry_decorator_forms_and_bad_args() -> None:
    @seawall.retry
    def a() -> int:
        return 1

    @seawall.retry(max_attempts=2)
    def b() -> int:
        return 2

    assert a() == 1 and b() == 2
    with pytest.raises(TypeError):
        Retry(backoff=Backoff(), base=0.5)
    # max_attempts with a backoff caps the run (spec/retry.md), at most the backoff's
    assert Retry(backoff=Backoff(max_attempts=5), max_attempts=2).max_attempts == 2
    with pytest.raises(seawall.ConfigError, match="max_attempts"):
        Retry(backoff=Backoff(max_attempts=2), max_attempts=3)
    with pytest.raises(TypeError, match="retry_on"):
        Retry(retry_on=ValueError("x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="retry_if"):
        Retry(retry_if=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="budget"):
        Retry(budget=3)  # type: ignore[arg-type]
    assert Retry(backoff=Backoff(max_attempts=7)).max_attempts == 7


def test_retry_stops_before_the_current_deadline() -> None:
    clock = seawall.ManualClock()
    n = 0

    def down() -> None:
        nonlocal n
        n += 1
        raise ConnectionResetError()

    r = Retry(max_attempts=10, base=1.0, kind="constant", jitter="none", clock=clock)
    with seawall.deadline(2.5, clock=clock):
        with pytest.raises(seawall.RetryError, match="deadline") as ei:
            r.call(down)
    # attempts at 0 and 1 (1 s later) and 2; a retry at 3 would pass the deadline
    assert n == ei.value.attempts == 3

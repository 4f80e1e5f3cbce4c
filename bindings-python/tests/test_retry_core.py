"""Retry, classification, outcomes and headers decided by core (issue 10).

Each test pins one defect of the old Python loop; the decisions are core's
(spec/retry.md, spec/classify.md, spec/headers.md) and the same scenarios
run as vectors (retry_run, classify/errors.json, headers) in every runner.
"""

from __future__ import annotations

import asyncio
import pickle
from typing import Any, Dict, List, Optional

import pytest

import seawall
from seawall import Retry, RetryBudget


class HTTPError(Exception):
    """An HTTP client error carrying a response, as requests/httpx do."""

    def __init__(self, status: int, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = type("Response", (), {"status_code": status, "headers": headers or {}})()


def _fake(module: str, name: str, *bases: type) -> type:
    """A class named as a third-party library names it, without importing it."""
    cls = type(name, bases or (Exception,), {})
    cls.__module__ = module
    return cls


# -- defect 1: a non-retryable failure does not charge the budget ------------


def test_non_retryable_failure_leaves_the_budget_alone() -> None:
    budget = RetryBudget(max_tokens=10, token_ratio=0.5)
    r = Retry(max_attempts=3, base=0, budget=budget, clock=seawall.ManualClock())

    def bad() -> None:
        raise ValueError("not transient")

    for _ in range(3):
        with pytest.raises(ValueError):
            r.call(bad)
    m = budget.metrics()
    assert m["failures"] == 0 and m["tokens_milli"] == 10_000


# -- defect 2: a budget denial is retry_budget_exhausted ----------------------


def test_budget_denial_raises_the_budget_kind() -> None:
    budget = RetryBudget(max_tokens=2)
    r = Retry(max_attempts=5, base=0, budget=budget, clock=seawall.ManualClock())
    with pytest.raises(seawall.RetryBudgetExhaustedError) as ei:
        r.call(_raise, ConnectionResetError("reset"))
    e = ei.value
    assert e.kind == "retry_budget_exhausted" and e.reason == "budget"
    assert e.attempts == 1 and isinstance(e.__cause__, ConnectionResetError)
    assert not isinstance(e, seawall.RetryError)


def test_attempts_run_out_raises_retry_exhausted_with_reason_and_cause() -> None:
    r = Retry(max_attempts=3, base=0, clock=seawall.ManualClock())
    with pytest.raises(seawall.RetryError) as ei:
        r.call(_raise, TimeoutError("slow"))
    e = ei.value
    assert (e.kind, e.reason, e.attempts) == ("retry_exhausted", "attempts", 3)
    assert isinstance(e.__cause__, TimeoutError) and e.last_exception is e.__cause__
    back = pickle.loads(pickle.dumps(e))
    assert (type(back), back.attempts, back.reason) == (seawall.RetryError, 3, "attempts")


def _raise(e: BaseException) -> None:
    raise e


# -- defect 3: seawall's own errors, by core's table ---------------------------


@pytest.mark.parametrize(
    "exc,retried",
    [
        (seawall.RateLimitedError("limited", retry_after=0.25), True),
        (seawall.InjectedFaultError("chaos"), True),
        (seawall.TimeoutError("slow"), True),
        (seawall.CircuitOpenError("open", retry_after=5.0), False),
        (seawall.BulkheadFullError("full"), False),
        (seawall.ConfigError("bad", field="x"), False),
    ],
)
def test_seawall_errors_retried_as_core_says(exc: Exception, retried: bool) -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=2, base=0.01, jitter="none", clock=clock)
    calls: List[int] = []

    def f() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise exc
        return "ok"

    if retried:
        assert r.call(f) == "ok"
    else:
        with pytest.raises(type(exc)):
            r.call(f)
    assert len(calls) == (2 if retried else 1)
    if isinstance(exc, seawall.RateLimitedError):
        assert clock.now() == pytest.approx(0.25)  # waited the limiter's retry_after


# -- defect 4: Retry-After "1.5" --------------------------------------------------


def test_fractional_retry_after_is_honoured() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=2, base=0.01, jitter="none", clock=clock)
    calls: List[int] = []

    def f() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise HTTPError(503, {"Retry-After": "1.5"})
        return "ok"

    assert r.call(f) == "ok"
    assert clock.now() == pytest.approx(1.5)
    assert seawall.classify.parse_retry_after("1.5") == 1.5
    assert seawall.classify.parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111747000) == 30.0
    assert seawall.classify.parse_retry_after("-1") is None


# -- classification of HTTP clients and cause chains ---------------------------


@pytest.mark.parametrize(
    "module,name",
    [
        ("requests.exceptions", "ConnectionError"),
        ("requests.exceptions", "Timeout"),
        ("urllib3.exceptions", "ProtocolError"),
        ("urllib3.exceptions", "NewConnectionError"),
        ("httpx", "ConnectError_NetworkError"),
        ("httpx", "TimeoutException"),
        ("aiohttp.client_exceptions", "ClientConnectionError"),
        ("aiohttp.client_exceptions", "ServerDisconnectedError"),
    ],
)
def test_http_client_connection_errors_are_retryable(module: str, name: str) -> None:
    if name == "ConnectError_NetworkError":
        # httpx.ConnectError subclasses httpx.NetworkError: the MRO is walked
        base = _fake("httpx", "NetworkError")
        cls = _fake("httpx", "ConnectError", base)
    else:
        # requests' errors subclass OSError (IOError) without an errno
        cls = _fake(module, name, OSError)
    assert seawall.classify.is_retryable(cls("boom"))


def test_unlisted_library_errors_say_nothing() -> None:
    assert not seawall.classify.is_retryable(_fake("requests.exceptions", "InvalidURL", ValueError)("x"))
    # a same-named class elsewhere is not requests' ConnectionError
    assert not seawall.classify.is_retryable(_fake("mylib", "Timeout")("x"))


def test_cause_chain_first_link_with_a_verdict_decides() -> None:
    class Wrapper(Exception):
        pass

    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError as inner:
            raise Wrapper("says nothing") from inner
    except Wrapper as w:
        wrapped = w
    assert seawall.classify.is_retryable(wrapped)
    # an open breaker wrapping a timeout is an open breaker
    outer = seawall.CircuitOpenError("open", retry_after=1.0)
    outer.__cause__ = seawall.TimeoutError("slow")
    assert not seawall.classify.is_retryable(outer)
    # a 404 wrapping a reset: the 404 decides
    e404 = HTTPError(404)
    e404.__cause__ = ConnectionResetError()
    assert not seawall.classify.is_retryable(e404)
    # a cycle does not hang
    a, b = Wrapper("a"), Wrapper("b")
    a.__cause__, b.__cause__ = b, a
    assert not seawall.classify.is_retryable(a)


# -- retry_if_result (tenacity's retry_if_result) -------------------------------


def test_retry_if_result_retries_a_returned_503() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0.5, jitter="none", kind="constant", clock=clock, retry_if_result=lambda resp: resp == 503)
    answers = iter([503, 503, 200])
    assert r.call(lambda: next(answers)) == 200
    assert clock.now() == pytest.approx(1.0)
    always = Retry(max_attempts=2, base=0, clock=clock, retry_if_result=lambda resp: resp == 503)
    with pytest.raises(seawall.RetryError) as ei:
        always.call(lambda: 503)
    assert ei.value.last_result == 503 and ei.value.attempts == 2 and ei.value.reason == "attempts"


def test_retry_if_result_async() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0, clock=clock, retry_if_result=lambda v: v is None)
    answers = iter([None, "x"])

    async def f() -> Any:
        return next(answers)

    assert asyncio.run(r.call_async(f)) == "x"


def test_a_raising_callback_is_the_calls_failure() -> None:
    clock = seawall.ManualClock()

    def boom(_: Any) -> bool:
        raise KeyError("predicate")

    for kw in ({"retry_if": boom}, {"retry_if_result": boom}):
        r = Retry(max_attempts=3, base=0, clock=clock, **kw)  # type: ignore[arg-type]
        with pytest.raises(KeyError, match="predicate"):
            r.call(_raise, ConnectionResetError()) if "retry_if" in kw else r.call(lambda: 1)

    def on_retry(*_: Any) -> None:
        raise KeyError("hook")

    r = Retry(max_attempts=3, base=0, clock=clock, on_retry=on_retry)
    with pytest.raises(KeyError, match="hook"):
        r.call(_raise, ConnectionResetError())


# -- defect 5: core's header set --------------------------------------------------


def test_decision_headers_are_cores_set() -> None:
    sw = seawall.SlidingWindowLimiter(2, 10.0, clock=seawall.ManualClock())
    h = sw.check().headers("sw")
    assert list(h) == ["RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
    assert h["RateLimit-Policy"] == '"sw";q=2;w=10'
    h = seawall.headers.rate_limit_headers(allowed=False, remaining=0, retry_after=0.2, reset_after=1.5, limit=5, window=60.0)
    assert h["Retry-After"] == "1" and h["RateLimit"] == '"default";r=0;t=2'


# -- defect 6: core's outcome mapping on a breaker --------------------------------


def test_breaker_outcomes_follow_cores_rule() -> None:
    cb = seawall.CircuitBreaker(clock=seawall.ManualClock())
    assert cb.classify_exception(ValueError()) == "failure"
    # seawall rejections that never reached the dependency are ignored
    assert cb.classify_exception(seawall.BulkheadFullError("full")) == "ignored"
    assert cb.classify_exception(seawall.RateLimitedError("limited")) == "ignored"
    assert cb.classify_exception(seawall.TimeoutError("slow")) == "failure"
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = seawall.CircuitOpenError("open")
    assert cb.classify_exception(wrapped) == "ignored"
    # a record predicate that does not match is a success (Resilience4j)
    cb2 = seawall.CircuitBreaker(record_exceptions=(OSError,), clock=seawall.ManualClock())
    assert cb2.classify_exception(KeyError()) == "success"
    assert cb2.classify_exception(seawall.BulkheadFullError("full")) == "success"
    assert seawall.classify.outcome_for_error(seawall.BulkheadFullError("x")) == "ignored"


# -- defect 7: schedules counts calls that failed at least once --------------------


def test_backoff_schedules_count_failed_calls_only() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=3, base=0, clock=clock)
    r.call(lambda: 1)
    r.call(lambda: 2)
    answers = iter([ConnectionResetError(), 3])

    def flaky() -> int:
        v = next(answers)
        if isinstance(v, BaseException):
            raise v
        return v

    assert r.call(flaky) == 3
    m = r.backoff.metrics()
    assert (m["schedules"], m["retries"]) == (1, 1)


# -- the deadline: a retry must start strictly before it ----------------------------


def test_deadline_stops_a_retry_that_would_start_at_it() -> None:
    clock = seawall.ManualClock()
    r = Retry(max_attempts=5, base=1.0, kind="constant", jitter="none", clock=clock)
    with seawall.deadline(1.0, clock=clock):
        with pytest.raises(seawall.RetryError) as ei:
            r.call(_raise, ConnectionResetError())
    assert ei.value.reason == "deadline" and ei.value.attempts == 1


def test_cancellation_abandons_the_run_without_charging_the_budget() -> None:
    budget = RetryBudget(max_tokens=10)
    clock = seawall.ManualClock()
    r = Retry(max_attempts=5, base=0, budget=budget, clock=clock)
    answers = iter([ConnectionResetError(), KeyboardInterrupt()])

    def f() -> None:
        raise next(answers)

    with pytest.raises(KeyboardInterrupt):
        r.call(f)
    m = budget.metrics()
    # the retried failure cost its one token; the cancelled attempt nothing
    assert (m["tokens_milli"], m["failures"], m["retries_allowed"], m["successes"]) == (9000, 1, 1, 0)


# -- the policy run (spec/policy.md) --------------------------------------------------


def test_policy_retries_its_own_rate_limit_rejection_after_retry_after() -> None:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock)
    p = seawall.Policy(rate_limiter=tb, retry=Retry(max_attempts=2, base=0.01, jitter="none", clock=clock))
    assert p.call(lambda: "first") == "first"
    # the bucket is empty: the rejection is retried after its retry_after (1 s)
    assert p.call(lambda: "second") == "second"
    assert clock.now() == pytest.approx(1.0)


def test_policy_rejection_ends_with_its_stage_and_the_fallback_sees_it() -> None:
    clock = seawall.ManualClock()
    cb = seawall.CircuitBreaker(failure_count_threshold=1, failure_rate_threshold=None, slow_call_rate_threshold=None, clock=clock)
    cb.force_open()
    p = seawall.Policy(circuit_breaker=cb, retry=Retry(max_attempts=3, base=0, clock=clock))
    with pytest.raises(seawall.CircuitOpenError) as ei:
        p.call(lambda: 1)
    assert ei.value.stage == "circuit_breaker"
    seen: List[BaseException] = []
    q = seawall.Policy(circuit_breaker=cb, fallback=seawall.fallback(handler=lambda e: seen.append(e) or "fb"))
    assert q.call(lambda: 1) == "fb" and isinstance(seen[0], seawall.CircuitOpenError)


def test_policy_gives_up_with_retry_error_chained_to_the_last_failure() -> None:
    clock = seawall.ManualClock()
    p = seawall.Policy(retry=Retry(max_attempts=2, base=0, clock=clock))
    with pytest.raises(seawall.RetryError) as ei:
        p.call(_raise, ConnectionResetError("reset"))
    assert ei.value.attempts == 2 and isinstance(ei.value.__cause__, ConnectionResetError)
    with pytest.raises(ValueError):
        p.call(_raise, ValueError("not retried"))


def test_policy_times_attempts_on_its_clock_and_records_the_adaptive_timeout() -> None:
    clock = seawall.ManualClock()
    at = seawall.AdaptiveTimeout(min_timeout=1.0, initial_timeout=5.0, min_samples=1, clock=clock)
    cb = seawall.CircuitBreaker(slow_call_duration_threshold=0.1, clock=clock)
    p = seawall.Policy(circuit_breaker=cb, timeout=at, clock=clock)

    async def slow() -> int:
        clock.advance(0.25)
        return 1

    async def cancelled() -> int:
        clock.advance(0.5)
        raise asyncio.CancelledError()

    assert asyncio.run(p.call_async(slow)) == 1
    m = at.metrics()
    assert m["samples"] == 1 and m["p50"] == pytest.approx(0.25, rel=0.05)
    assert cb.metrics()["slow"] == 1
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(p.call_async(cancelled))
    # a cancelled attempt records nothing, in the adaptive timeout or the breaker
    assert at.metrics()["samples"] == 1
    assert cb.metrics()["successes"] + cb.metrics()["failures"] == 1


def test_adaptive_timeout_alone_records_nothing_for_a_cancelled_call() -> None:
    clock = seawall.ManualClock()
    at = seawall.AdaptiveTimeout(clock=clock)

    async def cancelled() -> None:
        clock.advance(0.5)
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(at.call_async(cancelled))
    assert at.metrics()["samples"] == 0


def test_policy_result_predicate_retries_a_returned_503() -> None:
    clock = seawall.ManualClock()
    answers = iter([503, 200])
    p = seawall.Policy(retry=Retry(max_attempts=3, base=0, clock=clock, retry_if_result=lambda r: r == 503))
    assert p.call(lambda: next(answers)) == 200

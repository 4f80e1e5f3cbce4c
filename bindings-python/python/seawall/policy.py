"""Policy: rate limiter → circuit breaker → bulkhead → timeout → retry → fallback.

Every call is core's policy run (``seawall::policy``, ``spec/policy.md``):
one state machine that says what to do next — make an attempt (under the
timeout), wait for a bulkhead slot, sleep before a retry, answer with the
fallback, return, or raise. This module only calls the function, classifies
its failure (the retry's predicates or core's default classification; the
breaker's outcome rule), sleeps or waits, and raises.

Each attempt (each retry too) passes the gates in order: a permit from the
rate limiter, one from the circuit breaker, a slot from the bulkhead
(waiting in its queue when it has one). A gate that rejects gives back what
the earlier gates granted and raises its error with ``.stage`` set
(``"rate_limiter"``, ``"circuit_breaker"`` or ``"bulkhead"``); a rate-limit
rejection is retried after its ``retry_after``, the others end the call.
The breaker records each attempt's outcome with its duration on the
policy's clock; an adaptive timeout learns each finished attempt's latency
(a cut-off one: its limit; a cancelled one: nothing).

``timeout`` only applies to async calls (a running sync call cannot be
interrupted); a Policy with a timeout refuses to wrap a plain ``def``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from typing import Any, Awaitable, Callable, NamedTuple, Optional, Tuple, TypeVar, Union, cast

from . import _clock
from ._aio import _close, awaitable_result, is_async_callable
from ._native import BulkheadPermit, BulkheadWaiter, ManualClock, PolicyCore, PolicyRun
from ._native import CircuitBreaker as _NativeBreaker
from ._native import KeyedSlidingWindow, KeyedTokenBucket, SlidingWindowLimiter, TokenBucket, check_seconds
from .adaptive import AdaptiveTimeout
from .bulkhead import Bulkhead, _resolve
from . import _log
from . import events as _events
from .errors import SeawallError, _GaveUp
from .fallback import Fallback
from .retry import Retry
from .timeouts import Timeout, _run_with_timeout, current_deadline
from .errors import ConfigTypeError

__all__ = ["Policy"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class _Reason(NamedTuple):
    """A give-up as the retry log reads it (``.reason``)."""

    reason: str

Limiter = Union[TokenBucket, SlidingWindowLimiter]


_MANUAL_RECHECK = 0.001


async def _await_slot(waiter: BulkheadWaiter, max_wait: float, clock: Optional[ManualClock]) -> Optional[BulkheadPermit]:
    """Waits on the event loop for a queued bulkhead slot, at most
    ``max_wait`` seconds: the permit, or None when the wait ran out."""
    loop = asyncio.get_running_loop()
    deadline = _clock.now(clock) + max_wait
    try:
        while True:
            fut: asyncio.Future[None] = loop.create_future()
            p = waiter.poll(functools.partial(loop.call_soon_threadsafe, _resolve, fut))
            if p is not None:
                return p
            left = deadline - _clock.now(clock)
            if left <= 0:
                break
            timer = loop.call_later(left if clock is None else _MANUAL_RECHECK, _resolve, fut)
            try:
                await fut
            finally:
                timer.cancel()
    except BaseException:
        waiter.cancel()
        raise
    waiter.cancel()
    return waiter.try_claim()


class Policy:
    """``Policy(rate_limiter=None, circuit_breaker=None, bulkhead=None,
    timeout=None, retry=None, fallback=None, clock=None)``: see the module
    docstring.

    ``timeout`` is seconds, a ``Timeout`` or an ``AdaptiveTimeout`` (which
    then learns from the calls); ``fallback`` is a ``Fallback``
    (from ``seawall.fallback(...)``) or a plain value to answer. ``clock``
    times the attempts (default: the circuit breaker's).
    """

    __slots__ = ("rate_limiter", "circuit_breaker", "bulkhead", "timeout", "retry", "fallback", "_core", "_clock")

    def __init__(
        self,
        *,
        rate_limiter: Optional[Limiter] = None,
        circuit_breaker: Optional[_NativeBreaker] = None,
        bulkhead: Optional[Bulkhead] = None,
        timeout: Union[None, float, Timeout, AdaptiveTimeout] = None,
        retry: Optional[Retry] = None,
        fallback: Any = None,
        clock: Optional[ManualClock] = None,
    ) -> None:
        if rate_limiter is not None:
            if isinstance(rate_limiter, (KeyedTokenBucket, KeyedSlidingWindow)):
                raise ConfigTypeError("rate_limiter: a keyed limiter needs a key; wrap it per key", field="rate_limiter")
            if not isinstance(rate_limiter, (TokenBucket, SlidingWindowLimiter)):
                raise ConfigTypeError(
                    f"rate_limiter must be a TokenBucket or SlidingWindowLimiter, got {type(rate_limiter).__name__}",
                    field="rate_limiter",
                )
        if circuit_breaker is not None and not isinstance(circuit_breaker, _NativeBreaker):
            raise ConfigTypeError(
                f"circuit_breaker must be a CircuitBreaker, got {type(circuit_breaker).__name__}", field="circuit_breaker"
            )
        if bulkhead is not None and not isinstance(bulkhead, Bulkhead):
            raise ConfigTypeError(f"bulkhead must be a Bulkhead, got {type(bulkhead).__name__}", field="bulkhead")
        if timeout is not None and not isinstance(timeout, (Timeout, AdaptiveTimeout)):
            timeout = Timeout(check_seconds("timeout", timeout))
        if retry is not None and not isinstance(retry, Retry):
            raise ConfigTypeError(f"retry must be a Retry, got {type(retry).__name__}", field="retry")
        if fallback is not None and not isinstance(fallback, Fallback):
            fallback = Fallback(fallback)
        self._clock = _clock.check_clock(clock)
        if self._clock is None and retry is not None:
            self._clock = retry._clock
        self.rate_limiter = rate_limiter
        self.circuit_breaker = circuit_breaker
        self.bulkhead = bulkhead
        self.timeout: Union[None, Timeout, AdaptiveTimeout] = timeout
        self.retry = retry
        self.fallback: Optional[Fallback] = fallback
        self._core = PolicyCore(
            rate_limiter=rate_limiter,
            circuit_breaker=circuit_breaker,
            bulkhead=bulkhead,
            timeout=timeout.seconds if isinstance(timeout, Timeout) else None,
            adaptive_timeout=timeout if isinstance(timeout, AdaptiveTimeout) else None,
            retry=None if retry is None else retry._core,
            fallback=fallback is not None,
            clock=clock,
        )

    # -- what the binding decides: classification into core's terms --------------

    def _failure(self, e: BaseException) -> Tuple[bool, Optional[float], str]:
        """(retryable, hint, breaker outcome) of a failed attempt."""
        r = self.retry
        ok, hint = (False, None) if r is None else r._classify(e)
        cb = self.circuit_breaker
        outcome = "failure" if cb is None else cb.classify_exception(e)
        return (ok, hint, "failure" if outcome == "released" else outcome)

    def _rejects(self, result: Any) -> bool:
        r = self.retry
        return r is not None and r._retry_if_result is not None and r._rejects(result)

    def _start(self) -> PolicyRun:
        d = current_deadline()
        return self._core.run(None if d is None else d.remaining())

    def _ending(self, step: Any, last: Optional[BaseException], result: Any) -> Any:
        """The answer of a fallback / fail step: the fallback's value, or
        raises the error the run names (chained to the last failure)."""
        err: Optional[BaseException] = step[1]
        if err is None:
            exc: BaseException = last if last is not None else SeawallError("policy run failed")
        else:
            exc = err
            if isinstance(err, _GaveUp):
                err.last_exception = last
                if last is None:
                    err.last_result = result
        if step[0] == "fallback":
            fb = self.fallback
            if fb is not None and fb._applies(exc):
                return fb._answer(exc)
        if exc is last:
            raise exc
        if last is not None:
            raise exc from last
        raise exc

    def _sleeping(self, run: PolicyRun, delay: float, last: Optional[BaseException], result: Any) -> None:
        """A ``sleep`` step: the retry stage tries again (``retry_scheduled``
        event and log, as a Retry's; the error is the stage refusal the step
        answers, else the last failure)."""
        if _log.logger.isEnabledFor(logging.INFO) or _events._subscribers:
            refusal = run.refusal
            err = refusal if refusal is not None else last
            counted = run.retry_attempts  # the retry stage's count: a refusal counts
            attempt = counted if counted is not None else run.attempts
            if _log.logger.isEnabledFor(logging.INFO):
                _log.log_retry(attempt, err, result, delay)
            _events.emit_quiet("retry_scheduled", self, attempt=attempt, delay=delay, error=err)

    def _stopping(self, run: PolicyRun, last: Optional[BaseException], result: Any) -> None:
        """A ``fallback`` / ``fail`` step: when the retry stage gave up, the
        ``gave_up`` event and log (core's reason and attempts)."""
        g = run.give_up
        if g is None:
            return
        reason, attempts = g
        log = _log.logger.isEnabledFor(logging.DEBUG if reason == "not_retryable" else logging.WARNING)
        if not (log or _events._subscribers):
            return
        refusal = run.refusal
        err = refusal if refusal is not None else last
        if log:
            _log.log_retry(attempts, err, result, None if reason == "not_retryable" else _Reason(reason))
        _events.emit_quiet("gave_up", self, attempts=attempts, reason=reason, error=err)

    # -- public ------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``fn(*args, **kwargs)`` through the policy (sync)."""
        if self.timeout is not None:
            raise TypeError("this Policy has a timeout, which only applies to async calls: use call_async")
        run = self._start()
        last: Optional[BaseException] = None
        result: Any = None
        try:
            step = run.next_step()
            while True:
                kind = step[0]
                if kind == "attempt":
                    try:
                        result = fn(*args, **kwargs)
                    except Exception as e:  # noqa: BLE001 - classified for the run
                        last = e
                        step = run.on_failure(*self._failure(e))
                        continue
                    if awaitable_result(result):
                        # A callable that is not an `async def` returned a
                        # coroutine: this attempt ends when it is awaited, so
                        # the run goes on on the async path (the caller awaits).
                        return cast(T, self._drive_async(run, cast(Any, fn), args, kwargs, step, result, last))
                    if self._rejects(result):
                        last = None
                        step = run.on_failure(True, None, "failure")
                        continue
                    step = run.on_success()
                elif kind == "done":
                    return cast(T, result)
                elif kind == "sleep":
                    self._sleeping(run, step[1], last, result)
                    _clock.sleep(self._clock, step[1])
                    step = run.next_step()
                elif kind == "wait_for_slot":
                    p = step[1].wait(step[2])
                    step = run.slot_granted(p) if p is not None else run.slot_timed_out()
                else:
                    self._stopping(run, last, result)
                    return cast(T, self._ending(step, last, result))
        except BaseException:
            run.cancel()  # KeyboardInterrupt...; nothing on a run that ended
            raise

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` through the policy."""
        return await self._drive_async(self._start(), fn, args, kwargs, None, None, None)

    async def _drive_async(
        self,
        run: PolicyRun,
        fn: Callable[..., Awaitable[T]],
        args: Any,
        kwargs: Any,
        step: Any,
        pending: Optional[Awaitable[T]],
        last: Optional[BaseException],
    ) -> T:
        """Drives ``run`` on the async path: from its first step, or from the
        attempt ``step`` under way whose call returned ``pending`` (not
        awaited yet) on the sync path."""
        result: Any = None
        try:
            if step is None:
                step = run.next_step()
            while True:
                kind = step[0]
                if kind == "attempt":
                    limit = step[1]
                    try:
                        if pending is not None:
                            aw, pending = pending, None
                            result = await (aw if limit is None else _run_with_timeout(aw, limit))
                        elif limit is None:
                            result = await fn(*args, **kwargs)
                        else:
                            result = await _run_with_timeout(fn(*args, **kwargs), limit)
                    except Exception as e:  # noqa: BLE001 - classified for the run
                        last = e
                        if getattr(e, "_seawall_cut_off", False):
                            # the cancelled function has settled: its slot returns now
                            step, slot = run.on_timeout()
                            if slot is not None:
                                slot.release()
                        else:
                            step = run.on_failure(*self._failure(e))
                        continue
                    if self._rejects(result):
                        last = None
                        step = run.on_failure(True, None, "failure")
                        continue
                    step = run.on_success()
                elif kind == "done":
                    return cast(T, result)
                elif kind == "sleep":
                    self._sleeping(run, step[1], last, result)
                    await _clock.sleep_async(self._clock, step[1])
                    step = run.next_step()
                elif kind == "wait_for_slot":
                    p = await _await_slot(step[1], step[2], self._clock)
                    step = run.slot_granted(p) if p is not None else run.slot_timed_out()
                else:
                    self._stopping(run, last, result)
                    r = self._ending(step, last, result)
                    if inspect.isawaitable(r):
                        r = await r
                    return cast(T, r)
        except BaseException:
            if pending is not None:
                _close(pending)
            run.cancel()
            raise

    def __call__(self, fn: F) -> F:
        """``@policy`` on a ``def`` or an async callable (an ``async def``, a
        bound method or ``functools.partial`` of one, an object with ``async
        def __call__``)."""
        if is_async_callable(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)
        if self.timeout is not None:
            raise TypeError(f"this Policy has a timeout, which only applies to async functions; got {fn!r}")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self.call(fn, *args, **kwargs)

        return cast(F, wrapper)

    def __repr__(self) -> str:
        parts = [f"{n}={getattr(self, n)!r}" for n in self.__slots__ if not n.startswith("_") and getattr(self, n) is not None]
        return f"Policy({', '.join(parts)})"

"""Retry: call again after transient failures, on a core Backoff schedule.

``Retry(...)`` is a decorator (``def`` and async callables: an ``async
def``, a bound method or ``functools.partial`` of one, an object with
``async def __call__``) and has ``call()`` / ``call_async()``. A callable
that returns a coroutine on the sync path (a lambda around an async call)
makes ``call()`` return a coroutine that goes on retrying when awaited. Every decision is core's retry run
(``spec/retry.md``): this module makes the attempt, classifies its failure,
sleeps and raises what the run answers.

Which failures are retried: exceptions of ``retry_on`` types and/or for
which ``retry_if(exc)`` is true; with neither, core's default
classification of the exception and its causes (``seawall.classify``).
``retry_if_result(value)`` true makes a returned value a retryable failure
(an HTTP client that returns a 503 without raising). A server hint (a
``Retry-After`` header, a ``RateLimitedError``'s ``retry_after``) replaces
the computed delay (``respect_retry_after``). An optional ``RetryBudget``
caps retries to a share of traffic (only retryable failures cost it).
Inside a ``seawall.deadline(...)`` block no retry is scheduled that would
start at or after the deadline.

When retrying stops, the last exception is re-raised as-is if it was not
retryable; ``RetryError`` (``attempts``, ``reason``, ``__cause__``) is
raised if attempts, time or the deadline ran out, and
``RetryBudgetExhaustedError`` (the same attributes) if the budget denied
the retry. A rejected result that runs out raises ``RetryError`` with
``last_result``.

Retrying a call that is not idempotent (a payment, a POST that creates) may
do it twice: whether that is acceptable is the caller's choice.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Tuple, Type, TypeVar, Union, cast, overload

from . import _clock, _log
from . import events as _events
from time import monotonic as _monotonic

from ._aio import awaitable_result, is_async_callable
from ._native import Backoff, ManualClock, RetryBudget, RetryCore, RetryRun
from .classify import classify, retry_after_hint
from .errors import ConfigTypeError, RetryError, _GaveUp
from .timeouts import current_deadline

if TYPE_CHECKING:
    from ._types import BackoffKind, JitterKind

__all__ = ["Retry", "retry"]


class _Rejected(Exception):
    """What ``on_retry`` is given for a result ``retry_if_result`` rejected."""

    def __init__(self, result: Any) -> None:
        super().__init__(f"rejected result: {result!r}")
        self.result = result

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
ExcTypes = Union[Type[BaseException], Tuple[Type[BaseException], ...]]



def _exc_tuple(v: Any) -> Optional[Tuple[Type[BaseException], ...]]:
    if v is None:
        return None
    if isinstance(v, type) and issubclass(v, BaseException):
        return (v,)
    if isinstance(v, tuple) and v and all(isinstance(t, type) and issubclass(t, BaseException) for t in v):
        return v
    raise ConfigTypeError(f"retry_on must be an exception type or a non-empty tuple of them, got {v!r}", field="retry_on")


class Retry:
    """Retries a call on a Backoff schedule. See the module docstring.

    ``Retry(max_attempts=3, base=0.1, max_delay=30.0, kind="exponential",
    factor=2.0, jitter="full", max_elapsed=None, seed=None, retry_on=None,
    retry_if=None, retry_if_result=None, budget=None, respect_retry_after=True, on_retry=None,
    clock=None)`` or ``Retry(backoff=Backoff(...), ...)``.
    """

    __slots__ = (
        "backoff",
        "budget",
        "_retry_on",
        "_retry_if",
        "_retry_if_result",
        "_core",
        "_respect",
        "_on_retry",
        "_clock",
    )

    def __init__(
        self,
        max_attempts: Optional[int] = None,
        *,
        backoff: Optional[Backoff] = None,
        base: Optional[float] = None,
        max_delay: Optional[float] = None,
        kind: Optional[BackoffKind] = None,
        factor: Optional[float] = None,
        jitter: Optional[JitterKind] = None,
        max_elapsed: Optional[float] = None,
        seed: Optional[int] = None,
        retry_on: Optional[ExcTypes] = None,
        retry_if: Optional[Callable[[BaseException], bool]] = None,
        retry_if_result: Optional[Callable[[Any], bool]] = None,
        budget: Optional[RetryBudget] = None,
        respect_retry_after: bool = True,
        on_retry: Optional[Callable[[int, BaseException, float], Any]] = None,
        clock: Optional[ManualClock] = None,
    ) -> None:
        self._clock = _clock.check_clock(clock)
        given_backoff = backoff is not None
        if backoff is None:
            backoff = Backoff(
                kind,
                base=base,
                factor=factor,
                max_delay=max_delay,
                jitter=jitter,
                max_attempts=max_attempts,
                max_elapsed=max_elapsed,
                seed=seed,
                clock=clock,
            )
        else:
            if not isinstance(backoff, Backoff):
                raise ConfigTypeError(f"backoff must be a seawall.Backoff, got {type(backoff).__name__}", field="backoff")
            given = [n for n, v in (("base", base), ("max_delay", max_delay),
                                    ("kind", kind), ("factor", factor), ("jitter", jitter),
                                    ("max_elapsed", max_elapsed), ("seed", seed)) if v is not None]
            if given:
                raise ConfigTypeError(
                    f"pass either backoff= or its settings, not both (got {', '.join(given)})", field="backoff"
                )
        self.backoff = backoff
        if budget is not None and not isinstance(budget, RetryBudget):
            raise ConfigTypeError(f"budget must be a seawall.RetryBudget or None, got {type(budget).__name__}", field="budget")
        self.budget = budget
        # With backoff=, max_attempts caps the run (at most the backoff's).
        self._core = RetryCore(backoff, budget=budget, max_attempts=max_attempts if given_backoff else None, clock=clock)
        self._retry_on = _exc_tuple(retry_on)
        if retry_if is not None and not callable(retry_if):
            raise ConfigTypeError(f"retry_if must be callable, got {type(retry_if).__name__}", field="retry_if")
        self._retry_if = retry_if
        if retry_if_result is not None and not callable(retry_if_result):
            raise ConfigTypeError(f"retry_if_result must be callable, got {type(retry_if_result).__name__}", field="retry_if_result")
        self._retry_if_result = retry_if_result
        if not isinstance(respect_retry_after, bool):
            raise ConfigTypeError(
                f"respect_retry_after must be a bool, got {type(respect_retry_after).__name__}", field="respect_retry_after"
            )
        self._respect = respect_retry_after
        if on_retry is not None and not callable(on_retry):
            raise ConfigTypeError(f"on_retry must be callable, got {type(on_retry).__name__}", field="on_retry")
        self._on_retry = on_retry

    @property
    def max_attempts(self) -> int:
        return self._core.max_attempts

    def should_retry(self, exc: BaseException) -> bool:
        """Whether ``exc`` is a failure this Retry retries."""
        return self._classify(exc)[0]

    def _classify(self, exc: BaseException) -> Tuple[bool, Optional[float]]:
        """(retryable, hint seconds) in core's terms; a predicate that
        raises makes its exception this call's failure."""
        if not isinstance(exc, Exception):
            return (False, None)  # KeyboardInterrupt, SystemExit, CancelledError
        if self._retry_on is None and self._retry_if is None:
            ok, hint = classify(exc)
        else:
            ok = (self._retry_on is None or isinstance(exc, self._retry_on)) and (
                self._retry_if is None or bool(self._retry_if(exc))
            )
            hint = retry_after_hint(exc) if ok and self._respect else None
        return (ok, hint if self._respect else None)

    def _rejects(self, result: Any) -> bool:
        pred = self._retry_if_result
        return pred is not None and bool(pred(result))

    def _now(self) -> float:
        c = self._clock
        return _monotonic() if c is None else c.now()

    def _start(self) -> RetryRun:
        dl = current_deadline()
        return self._core.start(None if dl is None else dl.remaining())

    def _step(self, run: RetryRun, exc: Optional[BaseException], result: Any, started: float) -> float:
        """Steps the run for a failed attempt; the delay to sleep, or raises."""
        duration = max(0.0, self._now() - started)
        if exc is None:
            ok, hint = True, None  # a rejected result
        else:
            try:
                ok, hint = self._classify(exc)
            except BaseException:
                run.abandon()
                raise
        step = run.on_failure(ok, hint, duration)
        if _log.logger.isEnabledFor(logging.WARNING):
            _log.log_retry(run.attempts, exc, result, step)
        if _events._subscribers:
            if step.__class__ is float:
                _events.emit_quiet("retry_scheduled", self, attempt=run.attempts, delay=step, error=exc)
            else:  # core's reason, not_retryable included (as in Node)
                _events.emit_quiet("gave_up", self, attempts=run.attempts, reason=run.reason, error=exc)
        if step.__class__ is float:
            if self._on_retry is not None:
                try:
                    self._on_retry(run.attempts, exc if exc is not None else _Rejected(result), step)
                except BaseException:
                    run.abandon()
                    raise
            return step
        if exc is None:
            err = cast(_GaveUp, step) if step is not None else RetryError("gave up", attempts=run.attempts)
            err.last_result = result
            raise err
        if step is None:
            raise exc
        gave_up = cast(_GaveUp, step)
        gave_up.last_exception = exc
        gave_up.args = (f"{gave_up}; last error: {exc!r}",)
        raise gave_up from exc

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``fn(*args, **kwargs)``, retrying as configured."""
        c = self._clock
        started = _monotonic() if c is None else c.now()
        try:
            result = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - classified by _step
            return self._retry_sync(fn, args, kwargs, e, None, started)
        if awaitable_result(result):
            # A callable that is not an `async def` returned a coroutine:
            # the attempt's outcome is known once it is awaited, so the
            # call goes on on the async path (awaited by the caller).
            return cast(T, self._run_async(cast(Any, fn), args, kwargs, cast(Any, result), started, None))
        if self._retry_if_result is not None and self._rejects(result):
            return self._retry_sync(fn, args, kwargs, None, result, started)
        self._core.first_success()
        return result

    def _retry_sync(self, fn: Callable[..., T], args: Any, kwargs: Any, exc: Optional[BaseException], result: Any, started: float) -> T:
        run = self._start()
        while True:
            delay = self._step(run, exc, result, started)
            try:
                _clock.sleep(self._clock, delay)
                started = self._now()
                result = fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001
                exc = e
                continue
            except BaseException:
                run.abandon()
                raise
            exc = None
            if awaitable_result(result):
                return cast(T, self._run_async(cast(Any, fn), args, kwargs, cast(Any, result), started, run))
            try:
                rejected = self._rejects(result)
            except BaseException:
                run.abandon()
                raise
            if not rejected:
                run.on_success()
                return cast(T, result)

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)``, retrying as configured; sleeps with
        asyncio.sleep (or advances the ManualClock)."""
        return await self._run_async(fn, args, kwargs, None, self._now(), None)

    async def _run_async(
        self,
        fn: Callable[..., Awaitable[T]],
        args: Any,
        kwargs: Any,
        pending: Optional[Awaitable[T]],
        started: float,
        run: Optional[RetryRun],
    ) -> T:
        """The async path from the attempt under way: ``pending`` (what a
        sync call of ``fn`` returned, not awaited yet) or a new call of
        ``fn``; ``run`` is the retry run if attempts failed before."""
        try:
            result = await (fn(*args, **kwargs) if pending is None else pending)
        except Exception as e:  # noqa: BLE001 - classified by _step
            exc: Optional[BaseException] = e
            result = None
        except BaseException:
            if run is not None:
                run.abandon()
            raise
        else:
            try:
                rejected = self._retry_if_result is not None and self._rejects(result)
            except BaseException:
                if run is not None:
                    run.abandon()
                raise
            if not rejected:
                if run is None:
                    self._core.first_success()
                else:
                    run.on_success()
                return cast(T, result)
            exc = None
        if run is None:
            run = self._start()
        while True:
            delay = self._step(run, exc, result, started)
            try:
                await _clock.sleep_async(self._clock, delay)
                started = self._now()
                result = await fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001
                exc = e
                continue
            except BaseException:
                run.abandon()
                raise
            exc = None
            try:
                rejected = self._rejects(result)
            except BaseException:
                run.abandon()
                raise
            if not rejected:
                run.on_success()
                return result

    def __call__(self, fn: F) -> F:
        if is_async_callable(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)

        call = self.call

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return call(fn, *args, **kwargs)

        return cast(F, wrapper)

    def __repr__(self) -> str:
        return f"Retry({self.backoff!r})"


@overload
def retry(fn: F) -> F: ...


@overload
def retry(
    fn: None = None,
    *,
    max_attempts: Optional[int] = None,
    backoff: Optional[Backoff] = None,
    base: Optional[float] = None,
    max_delay: Optional[float] = None,
    kind: Optional[BackoffKind] = None,
    factor: Optional[float] = None,
    jitter: Optional[JitterKind] = None,
    max_elapsed: Optional[float] = None,
    seed: Optional[int] = None,
    retry_on: Optional[ExcTypes] = None,
    retry_if: Optional[Callable[[BaseException], bool]] = None,
    budget: Optional[RetryBudget] = None,
    respect_retry_after: bool = True,
    on_retry: Optional[Callable[[int, BaseException, float], Any]] = None,
    clock: Optional[ManualClock] = None,
) -> Retry: ...


def retry(fn: Optional[F] = None, **kwargs: Any) -> Union[F, Retry]:
    """``@retry`` (defaults) or ``@retry(max_attempts=5, retry_on=OSError)``:
    the bare form keeps the function's signature, the configured one is a
    typed ``Retry`` (whose ``__call__`` keeps it too)."""
    if fn is not None:
        if kwargs or not callable(fn):
            raise TypeError("use @retry or @retry(**settings)")
        return Retry()(fn)
    return Retry(**kwargs)


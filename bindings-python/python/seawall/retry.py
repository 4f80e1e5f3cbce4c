"""Retry: call again after transient failures, on a core Backoff schedule.

``Retry(...)`` is a decorator (``def`` and ``async def``) and has
``call()`` / ``call_async()``. Which failures are retried: exceptions of
``retry_on`` types and/or for which ``retry_if(exc)`` is true; with neither,
core's default classification (``seawall.classify.is_retryable``). A server
``Retry-After`` hint replaces the computed delay (``respect_retry_after``).
An optional ``RetryBudget`` caps retries to a share of traffic. Inside a
``seawall.deadline(...)`` block no retry is scheduled that would start
after the deadline.

When retrying stops, the last exception is re-raised as-is if it was not
retryable, and wrapped in ``RetryError`` (``attempts``, ``__cause__``) if
attempts or time ran out or the budget denied the retry.

Retrying a call that is not idempotent (a payment, a POST that creates) may
do it twice: whether that is acceptable is the caller's choice.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Tuple, Type, TypeVar, Union, cast, overload

from . import _clock
from ._native import Backoff, ManualClock, RetryBudget
from .classify import is_retryable, retry_after_hint
from .errors import ConfigTypeError, RetryError
from .timeouts import current_deadline

if TYPE_CHECKING:
    from ._types import BackoffKind, JitterKind

__all__ = ["Retry", "retry"]

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
    retry_if=None, budget=None, respect_retry_after=True, on_retry=None,
    clock=None)`` or ``Retry(backoff=Backoff(...), ...)``.
    """

    __slots__ = (
        "backoff",
        "budget",
        "_retry_on",
        "_retry_if",
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
        budget: Optional[RetryBudget] = None,
        respect_retry_after: bool = True,
        on_retry: Optional[Callable[[int, BaseException, float], Any]] = None,
        clock: Optional[ManualClock] = None,
    ) -> None:
        self._clock = _clock.check_clock(clock)
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
            given = [n for n, v in (("max_attempts", max_attempts), ("base", base), ("max_delay", max_delay),
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
        self._retry_on = _exc_tuple(retry_on)
        if retry_if is not None and not callable(retry_if):
            raise ConfigTypeError(f"retry_if must be callable, got {type(retry_if).__name__}", field="retry_if")
        self._retry_if = retry_if
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
        return self.backoff.max_attempts

    def should_retry(self, exc: BaseException) -> bool:
        """Whether ``exc`` is a failure this Retry retries."""
        if not isinstance(exc, Exception):
            return False  # KeyboardInterrupt, SystemExit, CancelledError, GeneratorExit
        if self._retry_on is None and self._retry_if is None:
            return is_retryable(exc)
        if self._retry_on is not None and not isinstance(exc, self._retry_on):
            return False
        if self._retry_if is not None and not self._retry_if(exc):
            return False
        return True

    def _now(self) -> float:
        return _clock.now(self._clock)

    def _next(self, exc: BaseException, schedule: Any, attempt: int, start: float) -> float:
        """The delay before the next attempt, or raises the right exception."""
        if not self.should_retry(exc):
            if self.budget is not None:
                self.budget.record_failure()
            raise exc
        hint = retry_after_hint(exc) if self._respect else None
        delay = schedule.next_delay(hint, elapsed=max(0.0, self._now() - start))
        if delay is None:
            if self.budget is not None:
                self.budget.record_failure()
            why = "time ran out" if attempt < self.backoff.max_attempts else "attempts ran out"
            raise RetryError(f"gave up after {attempt} attempt(s): {why}; last error: {exc!r}",
                             attempts=attempt, last_exception=exc) from exc
        dl = current_deadline()
        if dl is not None and dl.remaining() <= delay:
            if self.budget is not None:
                self.budget.record_failure()
            raise RetryError(f"gave up after {attempt} attempt(s): the current deadline leaves no time "
                             f"for a retry in {delay:g}s; last error: {exc!r}",
                             attempts=attempt, last_exception=exc) from exc
        if self.budget is not None and not self.budget.try_retry():
            raise RetryError(f"gave up after {attempt} attempt(s): retry budget exhausted; last error: {exc!r}",
                             attempts=attempt, last_exception=exc) from exc
        if self._on_retry is not None:
            self._on_retry(attempt, exc, delay)
        return cast(float, delay)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``fn(*args, **kwargs)``, retrying as configured."""
        start = self._now()
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - classified in _next
            exc: BaseException = e
        else:
            if self.budget is not None:
                self.budget.record_success()
            return result
        schedule = self.backoff.schedule()
        attempt = 1
        while True:
            delay = self._next(exc, schedule, attempt, start)
            _clock.sleep(self._clock, delay)
            attempt += 1
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001
                exc = e
                continue
            if self.budget is not None:
                self.budget.record_success()
            return result

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)``, retrying as configured; sleeps with
        asyncio.sleep (or advances the ManualClock)."""
        start = self._now()
        schedule = None
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await fn(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001
                if schedule is None:
                    schedule = self.backoff.schedule()
                delay = self._next(e, schedule, attempt, start)
                await _clock.sleep_async(self._clock, delay)
                continue
            if self.budget is not None:
                self.budget.record_success()
            return result

    def __call__(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

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


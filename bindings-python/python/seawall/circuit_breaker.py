"""CircuitBreaker: the native breaker plus decorators and context managers.

- ``breaker.call(fn, *args, **kwargs)`` and ``@breaker`` on a plain ``def``
  run natively (acquire → call → classify → record).
- ``@breaker`` on an async callable (an ``async def``, a bound method or
  ``functools.partial`` of one, an object with ``async def __call__``),
  ``await breaker.call_async(fn, ...)``. A sync callable that returns an
  awaitable (a lambda returning a coroutine, ``breaker.call(async_fn)``)
  keeps its permit until the awaitable is awaited, and the outcome of the
  await is what is recorded.
- A module-level ``@breaker`` function pickles by reference, like a plain
  function (multiprocessing, ``ProcessPoolExecutor``); each process has its
  own breaker.
- ``with breaker:`` / ``async with breaker:`` (the permit of each block is
  kept in a context variable, so threads and asyncio tasks nest safely).
- ``permit = breaker.try_acquire()`` → BreakerPermit or None, then
  ``permit.success()`` / ``.failure()`` / ``.ignore()`` / ``.release()``.

Which exceptions count as failures (core's outcome rule,
``spec/classify.md``): ``ignore_exceptions`` are recorded as ignored; then
a ``failure_predicate(exc) -> bool``, else ``record_exceptions``, decides
failure (match) or success (no match: the dependency answered). With
neither, every exception is a failure except seawall's own rejections that
never reached the dependency (CircuitOpenError, BulkheadFullError,
RateLimitedError, ConfigError, InvalidArgumentError), which are ignored. KeyboardInterrupt, SystemExit and
asyncio.CancelledError release the permit without recording anything.
"""

from __future__ import annotations

import contextvars
import functools
from types import TracebackType
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Optional, Tuple, Type, TypeVar, Union, cast

from . import _native
from .metrics import Registry, _attach
from ._aio import is_async_callable
from ._native import BreakerPermit, ManualClock, SharedRegion

if TYPE_CHECKING:
    from ._types import WindowKind

__all__ = ["CircuitBreaker", "BreakerPermit", "Permit"]

#: Short name of BreakerPermit.
Permit = BreakerPermit

T = TypeVar("T")
ExcTypes = Union[Type[BaseException], Tuple[Type[BaseException], ...]]
F = TypeVar("F", bound=Callable[..., Any])


class CircuitBreaker(_native.CircuitBreaker):
    __slots__ = ("_held",)

    def __new__(cls, *, labels: Any = None, registry: Any = None, **kwargs: Any) -> "CircuitBreaker":
        return super().__new__(cls, **kwargs)

    def __init__(
        self,
        *,
        failure_rate_threshold: Optional[float] = 0.5,
        slow_call_rate_threshold: Optional[float] = 1.0,
        slow_call_duration_threshold: float = 60.0,
        window_kind: WindowKind = "count_based",
        window_size: int = 100,
        minimum_number_of_calls: int = 100,
        failure_count_threshold: Optional[int] = None,
        failure_count_period: Optional[float] = None,
        open_duration: float = 60.0,
        open_duration_multiplier: float = 1.0,
        max_open_duration: Optional[float] = None,
        half_open_max_calls: int = 3,
        success_threshold: int = 3,
        record_exceptions: Optional[ExcTypes] = None,
        ignore_exceptions: Optional[ExcTypes] = None,
        failure_predicate: Optional[Callable[[BaseException], bool]] = None,
        name: Optional[str] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        """See the module docstring; the options are validated by the native
        constructor (``__new__``), which receives the same keywords."""
        # The permits of open `async with` blocks, innermost last, per
        # context (sync `with` blocks are kept natively, per frame).
        self._held: contextvars.ContextVar[Tuple[BreakerPermit, ...]] = contextvars.ContextVar(
            "seawall_breaker_permits", default=()
        )
        _attach(self, name, labels, registry, region)

    # -- decorator -------------------------------------------------------------

    def __call__(self, fn: F) -> F:
        """``@breaker`` on a ``def`` or an async callable."""
        if is_async_callable(fn):

            acquire = self.acquire

            # call_async inlined: one coroutine per call, not two.
            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                permit = acquire()
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as e:
                    permit.finish(e)
                    raise
                permit.success()
                return result

            return cast(F, awrapper)
        wrapped = self._wrap(fn)
        functools.update_wrapper(wrapped, fn)
        return cast(F, wrapped)

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` through the breaker."""
        permit = self.acquire()
        try:
            result = await fn(*args, **kwargs)
        except BaseException as e:
            permit.finish(e)
            raise
        permit.success()
        return result

    # -- context managers ------------------------------------------------------

    # ``with breaker:`` is native (``_native.CircuitBreaker.__enter__`` /
    # ``__exit__``): each open block's permit is kept with its frame.

    async def __aenter__(self) -> BreakerPermit:
        permit = self.acquire()
        self._held.set(self._held.get() + (permit,))
        return permit

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        held = self._held.get()
        permit = held[-1]
        self._held.set(held[:-1])
        if not permit.finished:
            permit.finish(exc)

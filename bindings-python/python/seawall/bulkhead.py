"""Bulkhead: caps concurrent calls, with an optional bounded FIFO wait queue.

``with bulkhead:`` / ``async with bulkhead:``, ``@bulkhead`` on ``def`` and
``async def``, ``call()`` / ``call_async()``, and the two-step
``permit = bulkhead.try_acquire()`` (None when full) then
``permit.release()``. Blocking waits release the GIL; ``acquire_async``
never blocks the event loop (it polls its place in the queue, from 0.5 ms
up to 20 ms apart). Rejections raise BulkheadFullError.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from types import TracebackType
from typing import Any, Awaitable, Callable, Optional, Type, TypeVar, cast

from . import _clock, _native
from ._native import BulkheadPermit, BulkheadWaiter, ManualClock, check_seconds
from .errors import BulkheadFullError

__all__ = ["Bulkhead", "BulkheadPermit", "BulkheadWaiter"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_POLL_MIN = 0.0005
_POLL_MAX = 0.02


class Bulkhead(_native.Bulkhead):
    """``Bulkhead(max_concurrent=25, *, max_queue=0, max_wait=0.0, clock=None)``"""

    __slots__ = ("_clock",)

    def __init__(
        self,
        max_concurrent: Optional[int] = None,
        *,
        max_queue: Optional[int] = None,
        max_wait: Optional[float] = None,
        clock: Optional[ManualClock] = None,
    ) -> None:
        self._clock = clock

    async def acquire_async(self, timeout: Optional[float] = None) -> BulkheadPermit:
        """A slot, waiting in the FIFO queue up to ``timeout`` seconds
        (default ``max_wait``) without blocking the event loop."""
        t = self.max_wait if timeout is None else check_seconds("timeout", timeout, allow_zero=True, argument=True)
        got = self.enqueue()
        if isinstance(got, BulkheadPermit):
            return got
        waiter = got
        try:
            deadline = _clock.now(self._clock) + t
            delay = _POLL_MIN
            while True:
                p = waiter.try_claim()
                if p is not None:
                    return p
                left = deadline - _clock.now(self._clock)
                if left <= 0:
                    break
                await asyncio.sleep(delay if self._clock is not None else min(delay, left))
                delay = min(delay * 2, _POLL_MAX)
        except BaseException:
            waiter.cancel()
            raise
        waiter.cancel()
        p = waiter.try_claim()
        if p is not None:  # pragma: no cover - a slot handed over at the last moment
            return p
        raise BulkheadFullError(f"bulkhead full; waited {t:g}s")

    async def __aenter__(self) -> None:
        self._hold(await self.acquire_async())

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``fn(*args, **kwargs)`` holding a slot."""
        with self:
            return fn(*args, **kwargs)

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` holding a slot."""
        permit = await self.acquire_async()
        try:
            return await fn(*args, **kwargs)
        finally:
            permit.release()

    def __call__(self, fn: F) -> F:
        """``@bulkhead`` on a ``def`` or an ``async def``."""
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)

        enter, exit_ = self.__enter__, self.__exit__

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            enter()
            try:
                return fn(*args, **kwargs)
            finally:
                exit_(None, None, None)

        return cast(F, wrapper)

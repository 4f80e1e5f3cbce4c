"""Bulkhead: caps concurrent calls, with an optional bounded FIFO wait queue.

``with bulkhead:`` / ``async with bulkhead:``, ``@bulkhead`` on ``def`` and
``async def``, ``call()`` / ``call_async()``, and the two-step
``permit = bulkhead.try_acquire()`` (None when full) then
``permit.release()``. Blocking waits release the GIL; ``acquire_async``
never blocks the event loop and does not poll: core wakes the waiting task
when its slot is handed over (from whichever thread released it).
Rejections raise BulkheadFullError.

``@bulkhead`` on an async callable (an ``async def``, a bound method or
``functools.partial`` of one, an object with ``async def __call__``) waits
for its slot without blocking the loop. A sync callable that returns an
awaitable (a lambda returning a coroutine, ``bulkhead.call(async_fn)``)
keeps its slot until the awaitable is done; its wait for the slot is the
blocking one, so prefer ``call_async`` for those.

``max_wait`` is how long a caller waits in the queue, so it needs
``max_queue >= 1``: ``Bulkhead(4, max_wait=2.0)`` alone is a ConfigError.
"""

from __future__ import annotations

import asyncio
import functools
from types import TracebackType
from typing import Any, Awaitable, Callable, Mapping, Optional, Type, TypeVar, cast

from . import _clock, _native
from .metrics import Registry, _attach
from ._aio import is_async_callable
from ._native import BulkheadPermit, BulkheadWaiter, ManualClock, SharedRegion, check_seconds
from .errors import BulkheadFullError

__all__ = ["Bulkhead", "BulkheadPermit", "BulkheadWaiter"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

def _resolve(fut: "asyncio.Future[None]") -> None:
    if not fut.done():
        fut.set_result(None)


class Bulkhead(_native.Bulkhead):
    """``Bulkhead(max_concurrent=25, *, max_queue=0, max_wait=0.0, clock=None,
    region=None, name=None)``: with a ``SharedRegion`` and a ``name``, one
    limit on calls in flight across every process (``max_queue`` must be 0).
    """

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, labels: Any = None, registry: Any = None, **kwargs: Any) -> "Bulkhead":
        # `name` names the instance in a registry and, with `region`, its
        # slot there: the native constructor sees it only with a region.
        if kwargs.get("region") is None:
            kwargs.pop("name", None)
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        max_concurrent: Optional[int] = None,
        *,
        max_queue: Optional[int] = None,
        max_wait: Optional[float] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry, region)

    async def acquire_async(self, timeout: Optional[float] = None) -> BulkheadPermit:
        """A slot, waiting in the FIFO queue up to ``timeout`` seconds
        (default ``max_wait``) without blocking the event loop."""
        t = self.max_wait if timeout is None else check_seconds("timeout", timeout, allow_zero=True, argument=True)
        got = self.enqueue()
        if isinstance(got, BulkheadPermit):
            return got
        waiter = got
        try:
            loop = asyncio.get_running_loop()
            clock = self._clock
            deadline = _clock.now(clock) + t
            deadline_ns = None if clock is None else clock.now_ns() + round(t * 1e9)
            while True:
                # Claim the slot, or register a callback core runs (from the
                # releasing thread, after dropping its lock) when the slot is
                # handed over; it resolves `fut` on this loop.
                fut: asyncio.Future[None] = loop.create_future()
                wake = functools.partial(loop.call_soon_threadsafe, _resolve, fut)
                p = waiter.poll(wake)
                if p is not None:
                    return p
                if clock is None or deadline_ns is None:
                    left = deadline - _clock.now(clock)
                    if left <= 0:
                        break
                    timer = loop.call_later(left, _resolve, fut)
                    try:
                        await fut
                    finally:
                        timer.cancel()
                else:
                    # The deadline is a timer on the manual clock: it fires
                    # when a test moves the clock there (no real-time re-check).
                    tid = clock._wake_at(deadline_ns, wake)
                    if tid is None:
                        break
                    try:
                        await fut
                    finally:
                        clock._cancel_timer(tid)
        except BaseException:
            waiter.cancel()  # gives up the place, or passes a handed slot on
            raise
        waiter.cancel()
        p = waiter.try_claim()
        if p is not None:  # pragma: no cover - a slot handed over at the last moment
            return p
        self._wait_ran_out()
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

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` holding a slot."""
        permit = await self.acquire_async()
        try:
            return await fn(*args, **kwargs)
        finally:
            permit.release()

    def __call__(self, fn: F) -> F:
        """``@bulkhead`` on a ``def`` or an async callable."""
        if is_async_callable(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return cast(F, awrapper)

        call = self.call  # native: slot, call, release (or hand the slot to the awaitable returned)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return call(fn, *args, **kwargs)

        return cast(F, wrapper)

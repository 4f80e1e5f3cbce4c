"""Rate limiters: the native classes plus what needs asyncio.

``try_acquire(n=1)`` → bool and ``check(n=1)`` → Decision are single native
calls. ``acquire(n=1, timeout=None)`` blocks with the GIL released;
``await acquire_async(n=1, timeout=None)`` never blocks the event loop.
Both wait in core's FIFO order (``reserve``): a request that cannot be
served within ``timeout`` raises RateLimitedError at once, a waiter is
woken when its tokens are due (one timer, no polling), and each call
counts once in the metrics. Timeouts are measured on the limiter's clock;
on a ManualClock a wait ends when the clock is moved to its due time.
Keyed variants take the key first. ``Decision.headers()`` (or
``rate_limit_headers(decision)``) gives the standard X-RateLimit-* /
Retry-After response headers.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Union

from . import _native
from .metrics import Registry, _attach
from ._native import Decision, LimiterWaiter, ManualClock, SharedRegion

if TYPE_CHECKING:
    from ._types import OnFull

__all__ = [
    "Decision",
    "LimiterWaiter",
    "TokenBucket",
    "SlidingWindowLimiter",
    "KeyedTokenBucket",
    "KeyedSlidingWindow",
    "rate_limit_headers",
]

Key = Union[str, bytes]

def _resolve(fut: "asyncio.Future[None]") -> None:
    if not fut.done():
        fut.set_result(None)


async def _await_reserved(got: Any, clock: Optional[ManualClock]) -> Decision:
    """Awaits what ``reserve()`` returned: a Decision, or a LimiterWaiter
    whose due time core decides. On a ManualClock core wakes the task when
    the clock reaches the due time; else one ``call_later`` per due time."""
    if isinstance(got, Decision):
        return got
    waiter: LimiterWaiter = got
    loop = asyncio.get_running_loop()
    try:
        while True:
            fut: asyncio.Future[None] = loop.create_future()
            d = waiter.poll(functools.partial(loop.call_soon_threadsafe, _resolve, fut))
            if d is not None:
                return d
            timer = None if clock is not None else loop.call_later(waiter.due_in, _resolve, fut)
            try:
                await fut
            finally:
                if timer is not None:
                    timer.cancel()
    except BaseException:
        waiter.cancel()  # gives the reservation back
        raise


class TokenBucket(_native.TokenBucket):
    """A token bucket (GCRA): bursts of up to ``burst``, refilled at ``rate_per_sec``.

    ``TokenBucket(rate_per_sec, burst, *, initial_tokens=None, clock=None,
    region=None, name=None)``: with a ``SharedRegion`` and a ``name``, one
    bucket shared by every process that builds it there (pre-fork workers).
    """

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, labels: Any = None, registry: Any = None, **kwargs: Any) -> "TokenBucket":
        # `name` names the instance in a registry and, with `region`, its
        # slot there: the native constructor sees it only with a region.
        if kwargs.get("region") is None:
            kwargs.pop("name", None)
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        rate_per_sec: float,
        burst: int,
        *,
        initial_tokens: Optional[int] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry, region)

    async def acquire_async(self, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` tokens are taken, in FIFO
        order; RateLimitedError (with retry_after) at once when that cannot
        happen within ``timeout`` seconds."""
        return await _await_reserved(self.reserve(n, timeout), self._clock)


class SlidingWindowLimiter(_native.SlidingWindowLimiter):
    """At most ``limit`` requests in any window of ``window`` seconds.

    ``SlidingWindowLimiter(limit, window, *, buckets=10, clock=None)``
    """

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, labels: Any = None, registry: Any = None, **kwargs: Any) -> "SlidingWindowLimiter":
        # `name` names the instance in a registry and, with `region`, its
        # slot there: the native constructor sees it only with a region.
        if kwargs.get("region") is None:
            kwargs.pop("name", None)
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        buckets: Optional[int] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry, region)

    async def acquire_async(self, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` requests are counted, in FIFO
        order; RateLimitedError at once when that cannot happen in time."""
        return await _await_reserved(self.reserve(n, timeout), self._clock)


class KeyedTokenBucket(_native.KeyedTokenBucket):
    """One token bucket per key (``str`` or ``bytes``).

    ``KeyedTokenBucket(rate_per_sec, burst, *, max_keys=10000, max_probe=64,
    on_full="deny", hash_seed=None, clock=None, name=None, labels=None,
    registry=None)``: ``name`` registers it (allowed/denied, keys tracked,
    evictions, table full are exported), and with a ``region`` names its slot.

    The table always has room for ``max_keys`` distinct keys (it has
    ``4 * max_keys`` slots). ``peek(key, n)`` reads a key's quota (for
    rate-limit headers) without spending it or inserting the key.
    """

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, labels: Any = None, registry: Any = None, **kwargs: Any) -> "KeyedTokenBucket":
        if kwargs.get("region") is None:
            kwargs.pop("name", None)
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        rate_per_sec: float,
        burst: int,
        *,
        max_keys: Optional[int] = None,
        max_probe: Optional[int] = None,
        on_full: Optional["OnFull"] = None,
        hash_seed: Optional[int] = None,
        initial_tokens: Optional[int] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry, region)

    async def acquire_async(self, key: Key, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` tokens of ``key`` are taken,
        in FIFO order with the key's other waiters; RateLimitedError (with
        retry_after) at once when that cannot happen within ``timeout``."""
        return await _await_reserved(self.reserve(key, n, timeout), self._clock)


class KeyedSlidingWindow(_native.KeyedSlidingWindow):
    """One sliding window per key (``str`` or ``bytes``).

    ``KeyedSlidingWindow(limit, window, *, buckets=10, max_keys=10000,
    max_probe=64, on_full="deny", hash_seed=None, clock=None, name=None,
    labels=None, registry=None)``: ``name`` registers it, as for
    KeyedTokenBucket.

    The table always has room for ``max_keys`` distinct keys (it has
    ``4 * max_keys`` slots). ``peek(key, n)`` reads a key's quota (for
    rate-limit headers) without counting or inserting the key.
    """

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, labels: Any = None, registry: Any = None, **kwargs: Any) -> "KeyedSlidingWindow":
        if kwargs.get("region") is None:
            kwargs.pop("name", None)
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        buckets: Optional[int] = None,
        max_keys: Optional[int] = None,
        max_probe: Optional[int] = None,
        on_full: Optional["OnFull"] = None,
        hash_seed: Optional[int] = None,
        clock: Optional[ManualClock] = None,
        region: Optional[SharedRegion] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry, region)

    async def acquire_async(self, key: Key, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` requests of ``key`` are
        counted, in FIFO order with the key's other waiters;
        RateLimitedError at once when that cannot happen in time."""
        return await _await_reserved(self.reserve(key, n, timeout), self._clock)


def rate_limit_headers(decision: Decision) -> Dict[str, str]:
    """X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset and, when
    denied, Retry-After, for an HTTP response (same as decision.headers())."""
    return decision.headers()



"""Rate limiters: the native classes plus what needs asyncio.

``try_acquire(n=1)`` → bool and ``check(n=1)`` → Decision are single native
calls. ``acquire(n=1, timeout=None)`` blocks with the GIL released.
``await acquire_async(n=1, timeout=None)`` waits with asyncio.sleep and
never blocks the event loop. Keyed variants take the key first.
``Decision.headers()`` (or ``rate_limit_headers(decision)``) gives the
standard X-RateLimit-* / Retry-After response headers.

Waits on a ManualClock poll every millisecond (real time) for another
thread or task to advance the clock; timeouts are measured on the
limiter's clock.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, Dict, Optional, Union

from . import _native
from ._native import Decision, ManualClock, check_seconds
from .errors import RateLimitedError

if TYPE_CHECKING:
    from ._types import OnFull

__all__ = [
    "Decision",
    "TokenBucket",
    "SlidingWindowLimiter",
    "KeyedTokenBucket",
    "KeyedSlidingWindow",
    "rate_limit_headers",
]

Key = Union[str, bytes]

# On a ManualClock time moves only when someone advances it: poll.
_MANUAL_POLL = 0.001


async def _acquire_async(check: Callable[[], Decision], clock: Optional[ManualClock], timeout: Optional[float]) -> Decision:
    if timeout is not None:
        timeout = check_seconds("timeout", timeout, allow_zero=True, argument=True)
    now: Callable[[], float] = clock.now if clock is not None else asyncio.get_running_loop().time
    deadline = None if timeout is None else now() + timeout
    while True:
        d = check()
        if d.allowed:
            return d
        wait = d.retry_after
        if deadline is not None and now() + wait > deadline:
            raise RateLimitedError(f"rate limited; retry after {wait:g}s", retry_after=wait)
        await asyncio.sleep(_MANUAL_POLL if clock is not None else wait)


class TokenBucket(_native.TokenBucket):
    """A token bucket (GCRA): bursts of up to ``burst``, refilled at ``rate_per_sec``.

    ``TokenBucket(rate_per_sec, burst, *, initial_tokens=None, clock=None)``
    """

    __slots__ = ("_clock",)

    def __init__(self, rate_per_sec: float, burst: int, *, initial_tokens: Optional[int] = None, clock: Optional[ManualClock] = None) -> None:
        self._clock = clock

    async def acquire_async(self, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` tokens are taken; RateLimitedError
        (with retry_after) when that cannot happen within ``timeout`` seconds."""
        return await _acquire_async(lambda: self.check(n), self._clock, timeout)


class SlidingWindowLimiter(_native.SlidingWindowLimiter):
    """At most ``limit`` requests in any window of ``window`` seconds.

    ``SlidingWindowLimiter(limit, window, *, buckets=10, clock=None)``
    """

    __slots__ = ("_clock",)

    def __init__(self, limit: int, window: float, *, buckets: Optional[int] = None, clock: Optional[ManualClock] = None) -> None:
        self._clock = clock

    async def acquire_async(self, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` requests are counted."""
        return await _acquire_async(lambda: self.check(n), self._clock, timeout)


class KeyedTokenBucket(_native.KeyedTokenBucket):
    """One token bucket per key (``str`` or ``bytes``).

    ``KeyedTokenBucket(rate_per_sec, burst, *, max_keys=10000, max_probe=64,
    on_full="deny", hash_seed=None, clock=None)``

    The table always has room for ``max_keys`` distinct keys (it has
    ``4 * max_keys`` slots). ``peek(key, n)`` reads a key's quota (for
    rate-limit headers) without spending it or inserting the key.
    """

    __slots__ = ("_clock",)

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
    ) -> None:
        self._clock = clock

    async def acquire_async(self, key: Key, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` tokens of ``key`` are taken."""
        return await _acquire_async(lambda: self.check(key, n), self._clock, timeout)


class KeyedSlidingWindow(_native.KeyedSlidingWindow):
    """One sliding window per key (``str`` or ``bytes``).

    ``KeyedSlidingWindow(limit, window, *, buckets=10, max_keys=10000,
    max_probe=64, on_full="deny", hash_seed=None, clock=None)``

    The table always has room for ``max_keys`` distinct keys (it has
    ``4 * max_keys`` slots). ``peek(key, n)`` reads a key's quota (for
    rate-limit headers) without counting or inserting the key.
    """

    __slots__ = ("_clock",)

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
    ) -> None:
        self._clock = clock

    async def acquire_async(self, key: Key, n: int = 1, timeout: Optional[float] = None) -> Decision:
        """Waits on the event loop until ``n`` requests of ``key`` are counted."""
        return await _acquire_async(lambda: self.check(key, n), self._clock, timeout)


def rate_limit_headers(decision: Decision) -> Dict[str, str]:
    """X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset and, when
    denied, Retry-After, for an HTTP response (same as decision.headers())."""
    return decision.headers()



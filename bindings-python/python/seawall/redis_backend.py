"""Limits that hold across hosts: limiters whose state lives in Redis.

``RedisTokenBucket(rate_per_sec, burst, *, backend, name)`` and
``RedisSlidingWindow(limit, window, *, buckets=10, backend, name)`` take
the same limits and answer with the same methods and ``Decision`` as
``KeyedTokenBucket`` / ``KeyedSlidingWindow``: ``check(key, n=1)``,
``try_acquire``, ``peek``, ``refund``, and ``await check_async(key, n=1)``.
Each decision is one Redis command (a Lua script using Redis' own clock),
done in the core. ``check`` blocks with the GIL released, at most the
backend's ``deadline``; ``check_async`` never blocks the event loop. When
Redis cannot answer, the backend's ``on_failure`` decides ("open",
"closed", or "local": an in-memory limiter of the same limits); a Redis
failure is never raised. See spec/redis.md.

    backend = seawall.RedisBackend("redis://127.0.0.1:6379/0")
    api = seawall.RedisTokenBucket(50, 50, backend=backend, name="api")
    if not api.check(customer_id):
        ...  # 429 with decision.headers()
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Iterator, Optional, Union

from . import _native
from ._native import Decision, RedisLease
from .errors import BulkheadFullError

__all__ = ["RedisBackend", "RedisTokenBucket", "RedisSlidingWindow", "RedisConcurrencyLimit", "RedisFeatureFlags", "RedisLease"]

Key = Union[str, bytes]


class RedisBackend(_native.RedisBackend):
    """One Redis, shared by any number of limiters.

    ``RedisBackend(url, *, deadline=0.05, on_failure="local",
    key_prefix="seawall")``: ``url`` is ``redis://[user][:password@]host
    [:port][/db]``, ``rediss://...`` (TLS; ``?ssl_ca_certs=/path/ca.pem``
    to trust a private CA) or ``unix:///path.sock[?db=N&user=U&pass=P]``
    (spec/redis.md, "The URL"). Connects on the first
    decision; constructing it never fails because Redis is down.
    ``metrics()`` counts Redis answers, errors, timeouts and fallbacks.
    """

    __slots__ = ()


def _settle(fut: "asyncio.Future[Decision]", decision: Optional[Decision], error: Optional[BaseException]) -> None:
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(decision)  # type: ignore[arg-type]


class _RedisKeyed(_native.RedisLimiter):
    __slots__ = ()

    async def check_async(self, key: Key, n: int = 1) -> Decision:
        """``check(key, n)`` without blocking the event loop."""
        loop = asyncio.get_running_loop()
        fut: "asyncio.Future[Decision]" = loop.create_future()
        self.start(key, n, loop, lambda d, e: _settle(fut, d, e))
        return await fut


class RedisTokenBucket(_RedisKeyed):
    """A GCRA token bucket per key, in Redis (same maths as ``TokenBucket``)."""

    __slots__ = ()

    def __new__(cls, rate_per_sec: float, burst: int, *, backend: RedisBackend, name: str) -> "RedisTokenBucket":
        return super().__new__(cls, "token_bucket", backend, name, rate_per_sec, burst)


class RedisSlidingWindow(_RedisKeyed):
    """A sliding window per key, in Redis (same rules as ``SlidingWindowLimiter``)."""

    __slots__ = ()

    def __new__(
        cls, limit: int, window: float, *, buckets: Optional[int] = None, backend: RedisBackend, name: str
    ) -> "RedisSlidingWindow":
        return super().__new__(cls, "sliding_window", backend, name, limit, window, buckets)


class RedisConcurrencyLimit(_native.RedisConcurrencyLimit):
    """At most ``max_concurrent`` permits per key held at once across all
    hosts (a bulkhead across hosts). Each permit is a lease of ``lease``
    seconds (default 30): a holder that dies frees its permit when the
    lease runs out.

    ``RedisConcurrencyLimit(max_concurrent, lease=None, *, backend, name)``;
    ``try_acquire(key)`` -> ``RedisLease`` or None; ``release(lease)``;
    ``renew(lease)``; ``with limit.hold(key):`` raises BulkheadFullError
    when all permits are held.
    """

    __slots__ = ()

    @contextlib.contextmanager
    def hold(self, key: Key) -> Iterator[RedisLease]:
        lease = self.try_acquire(key)
        if lease is None:
            raise BulkheadFullError(f"all {self.max_concurrent} permits of {key!r} are held")
        try:
            yield lease
        finally:
            self.release(lease)


class RedisFeatureFlags(_native.RedisFeatureFlags):
    """Feature flags in Redis: ``is_enabled(flag, default=False)`` read with
    a local cache of ``cache_ttl`` seconds (default 1), ``default`` when the
    flag was never set or Redis cannot answer; ``set(flag, on)``;
    ``disable(flag, for_seconds)`` turns it off everywhere for a while.

    ``RedisFeatureFlags(*, backend, namespace, cache_ttl=1.0)``
    """

    __slots__ = ()

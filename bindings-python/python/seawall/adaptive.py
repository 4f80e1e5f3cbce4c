"""AdaptiveTimeout: a timeout that follows the latency of recent calls.

``at.timeout()`` is ``clamp(percentile × multiplier, min_timeout,
max_timeout)`` over the latencies recorded in the last one or two windows
(``initial_timeout`` until ``min_samples`` are known). ``@at`` on an
``async def`` (or ``await at.call_async(fn, ...)``) runs the call under the
current timeout (never past the current deadline) and records its latency
when it completes, successfully or with an exception; a call cut off by
the timeout is recorded with the limit it was given (its latency is at
least that), so the timeout can grow while the dependency is slow.
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Mapping, Optional, TypeVar, cast

from . import _clock, _native
from .metrics import Registry, _attach
from ._aio import async_only, is_async_callable
from ._native import ManualClock
from .errors import TimeoutError as SeawallTimeoutError
from .timeouts import _run_with_timeout, current_deadline

__all__ = ["AdaptiveTimeout"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class AdaptiveTimeout(_native.AdaptiveTimeout):
    """``AdaptiveTimeout(*, percentile=0.95, multiplier=1.5, min_timeout=1.0,
    max_timeout=30.0, initial_timeout=5.0, min_samples=10, window=30.0,
    clock=None)``"""

    __slots__ = ("_clock",)

    def __new__(cls, *args: Any, name: Optional[str] = None, labels: Any = None, registry: Any = None, **kwargs: Any) -> "AdaptiveTimeout":
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        *,
        percentile: Optional[float] = None,
        multiplier: Optional[float] = None,
        min_timeout: Optional[float] = None,
        max_timeout: Optional[float] = None,
        initial_timeout: Optional[float] = None,
        min_samples: Optional[int] = None,
        window: Optional[float] = None,
        clock: Optional[ManualClock] = None,
        name: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._clock = clock
        _attach(self, name, labels, registry)

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` under the current adaptive timeout."""
        limit = self.timeout()
        d = current_deadline()
        if d is not None:
            limit = min(limit, d.remaining())
        if limit <= 0:
            raise SeawallTimeoutError("deadline exceeded before the call")
        start = _clock.now(self._clock)
        try:
            result = await _run_with_timeout(fn(*args, **kwargs), limit)
        except SeawallTimeoutError as e:
            # Cut off: its latency is at least the limit (spec/adaptive_timeout.md);
            # a TimeoutError the function raised itself is a finished call.
            self.record(limit if getattr(e, "_seawall_cut_off", False) else max(0.0, _clock.now(self._clock) - start))
            raise
        except Exception:
            self.record(max(0.0, _clock.now(self._clock) - start))
            raise
        # A cancelled call (CancelledError, KeyboardInterrupt) records
        # nothing: its latency is unknown and a partial one would pull the
        # timeout down (spec/policy.md, "Recording").
        self.record(max(0.0, _clock.now(self._clock) - start))
        return result

    def __call__(self, fn: F) -> F:
        """``@adaptive_timeout`` on an async callable."""
        if not is_async_callable(fn):
            raise async_only("AdaptiveTimeout", "adaptive_timeout.call_async", fn)

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await self.call_async(fn, *args, **kwargs)

        return cast(F, wrapper)

"""Policy: rate limiter → circuit breaker → bulkhead → timeout → retry → fallback.

Each call (and each retry of it) passes the gates in that order — core's
policy guard (``seawall::policy``): a token from the rate limiter, a permit
from the circuit breaker, a slot from the bulkhead (no waiting in the
guard) — then the call itself under the timeout. A gate that rejects gives
back what the earlier gates granted (the token is refunded, the breaker
permit released) and raises its error with ``.stage`` set
(``"rate_limiter"``, ``"circuit_breaker"`` or ``"bulkhead"``). Retry wraps
the gated attempt (each attempt goes through the gates again) and the
fallback answers when everything else failed:

    fallback( retry( rate_limiter → circuit_breaker → bulkhead → timeout(fn) ) )

``timeout`` only applies to async calls (a running sync call cannot be
interrupted); a Policy with a timeout refuses to wrap a plain ``def``.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Awaitable, Callable, Optional, TypeVar, Union, cast

from ._native import CircuitBreaker as _NativeBreaker
from ._native import KeyedSlidingWindow, KeyedTokenBucket, PolicyGate, SlidingWindowLimiter, TokenBucket, check_seconds
from .adaptive import AdaptiveTimeout
from .bulkhead import Bulkhead
from .fallback import Fallback
from .retry import Retry
from .timeouts import Timeout, _run_with_timeout, current_deadline
from .errors import ConfigTypeError
from .errors import TimeoutError as SeawallTimeoutError

__all__ = ["Policy"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

Limiter = Union[TokenBucket, SlidingWindowLimiter]


class Policy:
    """``Policy(rate_limiter=None, circuit_breaker=None, bulkhead=None,
    timeout=None, retry=None, fallback=None)``: see the module docstring.

    ``timeout`` is seconds, a ``Timeout`` or an ``AdaptiveTimeout`` (which
    then learns from the calls); ``fallback`` is a ``Fallback``
    (from ``seawall.fallback(...)``) or a plain value to answer.
    """

    __slots__ = ("rate_limiter", "circuit_breaker", "bulkhead", "timeout", "retry", "fallback", "_gate")

    def __init__(
        self,
        *,
        rate_limiter: Optional[Limiter] = None,
        circuit_breaker: Optional[_NativeBreaker] = None,
        bulkhead: Optional[Bulkhead] = None,
        timeout: Union[None, float, Timeout, AdaptiveTimeout] = None,
        retry: Optional[Retry] = None,
        fallback: Any = None,
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
        self.rate_limiter = rate_limiter
        self.circuit_breaker = circuit_breaker
        self.bulkhead = bulkhead
        self.timeout: Union[None, Timeout, AdaptiveTimeout] = timeout
        self.retry = retry
        self.fallback: Optional[Fallback] = fallback
        self._gate = PolicyGate(rate_limiter=rate_limiter, circuit_breaker=circuit_breaker, bulkhead=bulkhead)

    # -- one gated attempt -------------------------------------------------------

    def _attempt(self, fn: Callable[..., T], args: Any, kwargs: Any) -> T:
        guard = self._gate.acquire()
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:
            guard.finish(e)
            raise
        guard.complete("success")
        return result

    async def _attempt_async(self, fn: Callable[..., Awaitable[T]], args: Any, kwargs: Any) -> T:
        guard = self._gate.acquire()
        try:
            t = self.timeout
            if t is None:
                result = await fn(*args, **kwargs)
            elif isinstance(t, AdaptiveTimeout):
                result = await t.call_async(fn, *args, **kwargs)
            else:
                limit = t.seconds
                d = current_deadline()
                if d is not None:
                    limit = min(limit, d.remaining())
                if limit <= 0:
                    raise SeawallTimeoutError("deadline exceeded before the call")
                result = await _run_with_timeout(fn(*args, **kwargs), limit)
        except BaseException as e:
            guard.finish(e)
            raise
        guard.complete("success")
        return result

    # -- public ------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``fn(*args, **kwargs)`` through the policy (sync)."""
        if self.timeout is not None:
            raise TypeError("this Policy has a timeout, which only applies to async calls: use call_async")
        try:
            if self.retry is not None:
                return cast(T, self.retry.call(self._attempt, fn, args, kwargs))
            return self._attempt(fn, args, kwargs)
        except BaseException as e:
            fb = self.fallback
            if fb is None or not fb._applies(e):
                raise
            return cast(T, fb._answer(e))

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)`` through the policy."""
        try:
            if self.retry is not None:
                return cast(T, await self.retry.call_async(self._attempt_async, fn, args, kwargs))
            return await self._attempt_async(fn, args, kwargs)
        except BaseException as e:
            fb = self.fallback
            if fb is None or not fb._applies(e):
                raise
            r = fb._answer(e)
            if inspect.isawaitable(r):
                r = await r
            return cast(T, r)

    def __call__(self, fn: F) -> F:
        """``@policy`` on a ``def`` or an ``async def``."""
        if inspect.iscoroutinefunction(fn):

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

"""ASGI middleware for rate limits (Starlette, FastAPI, any ASGI app).

::

    from seawall import KeyedTokenBucket
    from seawall.asgi import RateLimitMiddleware

    app.add_middleware(RateLimitMiddleware, limiter=KeyedTokenBucket(10.0, 20))

Per HTTP request: ``key(scope)`` picks the client (default: the client
address ``scope["client"][0]``, or ``"unknown"``; return None to let a
request through unlimited), ``cost(scope)`` the permits (default 1), and
the limiter's ``check`` decides. An allowed request runs the app with the
rate-limit headers added to its response; a denied one gets ``429 Too Many
Requests`` with the same headers and ``Retry-After`` (or whatever
``on_limited(scope, receive, send, decision)`` sends). An unkeyed limiter
(``TokenBucket``, ``SlidingWindowLimiter``) is one limit for all clients.
Lifespan and websocket traffic passes through untouched.

Mirrors the Node binding's Express middleware (``rateLimitMiddleware``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, MutableMapping, Optional, Tuple, Union

from ._native import Decision
from .errors import ConfigTypeError
from .limiters import KeyedSlidingWindow, KeyedTokenBucket, SlidingWindowLimiter, TokenBucket

__all__ = ["RateLimitMiddleware", "response_headers"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Limiter = Union[KeyedTokenBucket, KeyedSlidingWindow, TokenBucket, SlidingWindowLimiter]
Key = Union[str, bytes]


def response_headers(decision: Decision) -> List[Tuple[bytes, bytes]]:
    """The rate-limit headers of a decision, as ASGI header pairs.

    The one place the middleware turns a decision into headers; the values
    are the binding's ``Decision.headers()`` (X-RateLimit-Limit,
    X-RateLimit-Remaining, X-RateLimit-Reset, and Retry-After when denied).
    """
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in decision.headers().items()]


def client_address(scope: Scope) -> str:
    """The default key: the client's address, or "unknown"."""
    client = scope.get("client")
    if client:
        return str(client[0])
    return "unknown"


class RateLimitMiddleware:
    """``RateLimitMiddleware(app, *, limiter, key=None, cost=None,
    headers=True, on_limited=None, message="Too Many Requests")``"""

    __slots__ = ("app", "limiter", "_key", "_cost", "_headers", "_on_limited", "_body")

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Limiter,
        key: Optional[Callable[[Scope], Optional[Key]]] = None,
        cost: Optional[Callable[[Scope], int]] = None,
        headers: bool = True,
        on_limited: Optional[Callable[[Scope, Receive, Send, Decision], Awaitable[None]]] = None,
        message: str = "Too Many Requests",
    ) -> None:
        if not callable(app):
            raise ConfigTypeError(f"app must be an ASGI application, got {type(app).__name__} {app!r}", field="app")
        if not isinstance(limiter, (KeyedTokenBucket, KeyedSlidingWindow, TokenBucket, SlidingWindowLimiter)):
            raise ConfigTypeError(
                f"limiter must be a seawall rate limiter, got {type(limiter).__name__} {limiter!r}", field="limiter"
            )
        for name, v in (("key", key), ("cost", cost), ("on_limited", on_limited)):
            if v is not None and not callable(v):
                raise ConfigTypeError(f"{name} must be callable, got {type(v).__name__} {v!r}", field=name)
        if not isinstance(headers, bool):
            raise ConfigTypeError(f"headers must be a bool, got {type(headers).__name__} {headers!r}", field="headers")
        if not isinstance(message, str):
            raise ConfigTypeError(f"message must be a str, got {type(message).__name__} {message!r}", field="message")
        self.app = app
        self.limiter = limiter
        self._key = key or client_address
        self._cost = cost
        self._headers = headers
        self._on_limited = on_limited
        self._body = message.encode("utf-8")

    def _check(self, scope: Scope) -> Optional[Decision]:
        n = 1 if self._cost is None else self._cost(scope)
        limiter = self.limiter
        if isinstance(limiter, (TokenBucket, SlidingWindowLimiter)):
            return limiter.check(n)
        k = self._key(scope)
        if k is None:
            return None
        return limiter.check(k, n)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        d = self._check(scope)
        if d is None:
            await self.app(scope, receive, send)
            return
        if not d.allowed:
            if self._on_limited is not None:
                await self._on_limited(scope, receive, send, d)
                return
            await self._reject(send, d)
            return
        if not self._headers:
            await self.app(scope, receive, send)
            return
        extra = response_headers(d)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _reject(self, send: Send, d: Decision) -> None:
        # Retry-After always; the X-RateLimit-* headers unless headers=False.
        h = [kv for kv in response_headers(d) if self._headers or kv[0] == b"retry-after"]
        h += [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(self._body)).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": h})
        await send({"type": "http.response.body", "body": self._body})

    def __repr__(self) -> str:
        return f"RateLimitMiddleware({self.limiter!r})"

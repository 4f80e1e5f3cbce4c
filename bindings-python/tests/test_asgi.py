"""seawall.asgi.RateLimitMiddleware: driven as an ASGI server drives it,
and through Starlette's TestClient."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, MutableMapping, Optional, Tuple

import pytest

import seawall
from seawall.asgi import RateLimitMiddleware, response_headers

Message = MutableMapping[str, Any]


async def hello(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


def request(app: Any, client: str = "10.0.0.1", path: str = "/", kind: str = "http") -> Tuple[int, Dict[str, str], bytes]:
    """One request through `app`: (status, headers, body)."""
    sent: List[Message] = []
    scope: Dict[str, Any] = {"type": kind, "path": path, "client": (client, 5000), "headers": []}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(m: Message) -> None:
        sent.append(m)

    asyncio.run(app(scope, receive, send))
    if kind != "http":
        return 0, {}, b""
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body


def test_allows_then_429_per_client_with_headers() -> None:
    clock = seawall.ManualClock()
    app = RateLimitMiddleware(hello, limiter=seawall.KeyedTokenBucket(1.0, 2, clock=clock))
    s1, h1, b1 = request(app)
    assert (s1, b1, h1["x-ratelimit-limit"], h1["x-ratelimit-remaining"]) == (200, b"hello", "2", "1")
    assert "retry-after" not in h1 and h1["content-type"] == "text/plain"
    assert request(app)[0] == 200
    s3, h3, b3 = request(app)
    assert (s3, b3, h3["retry-after"], h3["x-ratelimit-remaining"]) == (429, b"Too Many Requests", "1", "0")
    assert h3["content-length"] == str(len(b3))
    assert request(app, client="10.0.0.2")[0] == 200  # another client, its own bucket
    clock.advance(1.0)
    assert request(app)[0] == 200


def test_headers_are_the_decisions() -> None:
    tb = seawall.TokenBucket(1.0, 3, clock=seawall.ManualClock())
    d = tb.check()
    assert response_headers(d) == [(k.lower().encode(), v.encode()) for k, v in d.headers().items()]


def test_key_cost_and_exemptions() -> None:
    clock = seawall.ManualClock()
    app = RateLimitMiddleware(
        hello,
        limiter=seawall.KeyedSlidingWindow(3, 1.0, clock=clock),
        key=lambda scope: None if scope["path"] == "/health" else scope["path"],
        cost=lambda scope: 2 if scope["path"] == "/heavy" else 1,
    )
    assert [request(app, path="/heavy")[0] for _ in range(2)] == [200, 429]
    assert [request(app, path="/light")[0] for _ in range(4)] == [200, 200, 200, 429]
    assert all(request(app, path="/health")[0] == 200 for _ in range(10))
    assert "x-ratelimit-limit" not in request(app, path="/health")[1]


def test_unkeyed_limiter_is_one_limit_for_everyone_and_headers_can_be_off() -> None:
    app = RateLimitMiddleware(hello, limiter=seawall.TokenBucket(1.0, 1, clock=seawall.ManualClock()), headers=False)
    s1, h1, _ = request(app, client="a")
    s2, h2, _ = request(app, client="b")
    assert (s1, s2) == (200, 429)
    assert "x-ratelimit-limit" not in h1 and "x-ratelimit-limit" not in h2 and h2["retry-after"] == "1"


def test_on_limited_answers_instead() -> None:
    seen: List[seawall.Decision] = []

    async def custom(scope: Any, receive: Any, send: Any, d: seawall.Decision) -> None:
        seen.append(d)
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"busy"})

    app = RateLimitMiddleware(hello, limiter=seawall.KeyedTokenBucket(1.0, 1, clock=seawall.ManualClock()), on_limited=custom)
    request(app)
    assert request(app)[::2] == (503, b"busy") and not seen[0].allowed


def test_lifespan_and_websocket_pass_through() -> None:
    calls: List[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    mw = RateLimitMiddleware(app, limiter=seawall.KeyedTokenBucket(1.0, 1, clock=seawall.ManualClock()))
    for kind in ("lifespan", "websocket", "websocket"):
        request(mw, kind=kind)
    assert calls == ["lifespan", "websocket", "websocket"]


@pytest.mark.parametrize("kwargs,field", [
    ({"limiter": 1}, "limiter"),
    ({"limiter": seawall.Bulkhead(1)}, "limiter"),
    ({"key": "ip"}, "key"),
    ({"cost": 2}, "cost"),
    ({"on_limited": 429}, "on_limited"),
    ({"headers": "yes"}, "headers"),
    ({"message": b"x"}, "message"),
])
def test_bad_options(kwargs: Dict[str, Any], field: str) -> None:
    opts: Dict[str, Any] = {"limiter": seawall.KeyedTokenBucket(1.0, 1), **kwargs}
    with pytest.raises(seawall.ConfigTypeError) as ei:
        RateLimitMiddleware(hello, **opts)
    assert ei.value.field == field and field in str(ei.value)


def test_a_key_of_the_wrong_type_is_an_argument_type_error() -> None:
    app = RateLimitMiddleware(hello, limiter=seawall.KeyedTokenBucket(1.0, 1), key=lambda scope: 42)  # type: ignore[arg-type, return-value]
    with pytest.raises(seawall.ArgumentTypeError):
        request(app)


def test_starlette_app() -> None:
    starlette = pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    assert starlette.__version__
    clock = seawall.ManualClock()

    async def home(request: Any) -> PlainTextResponse:
        return PlainTextResponse("home")

    app = Starlette(routes=[Route("/", home)])
    app.add_middleware(RateLimitMiddleware, limiter=seawall.KeyedTokenBucket(1.0, 2, clock=clock))
    with TestClient(app) as client:
        r = [client.get("/") for _ in range(3)]
    assert [x.status_code for x in r] == [200, 200, 429]
    assert r[0].text == "home" and r[0].headers["x-ratelimit-remaining"] == "1"
    assert r[2].headers["retry-after"] == "1" and r[2].text == "Too Many Requests"

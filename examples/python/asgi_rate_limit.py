"""Per-client rate limits for a Starlette (or FastAPI) app, on a manual clock."""
import seawall
from seawall.asgi import RateLimitMiddleware
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

clock = seawall.ManualClock()


async def hello(request):
    return PlainTextResponse("hello")


app = Starlette(routes=[Route("/", hello)])
# 2 requests at once per client, refilled at 1 per second; the key is the
# client address unless you pass key=lambda scope: ... (an API key, a user).
app.add_middleware(RateLimitMiddleware, limiter=seawall.KeyedTokenBucket(1.0, 2, clock=clock))

with TestClient(app) as client:
    for _ in range(3):
        r = client.get("/")
        print(r.status_code, r.text, "remaining:", r.headers["x-ratelimit-remaining"],
              "retry-after:", r.headers.get("retry-after"))
    clock.advance(1.0)
    print(client.get("/").status_code, "after 1 s")

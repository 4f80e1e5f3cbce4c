"""Not a test module: `make stubtest` runs `mypy --strict` over it.

Code as a user porting from pybreaker, tenacity and limits writes it. Each
`assert_type` pins an inferred type, and each `# type: ignore[...]` marks a
call that must be a type error: mypy --strict reports an ignore that is not
needed, so a signature that decays to Any fails this file.
"""

from __future__ import annotations

import asyncio
from typing import Dict, Union

from typing_extensions import assert_type

import seawall
from seawall import MISS, MissType

# -- pybreaker: a breaker around a function, and breaker.call ---------------------

breaker = seawall.CircuitBreaker(failure_count_threshold=5, open_duration=30.0, window_kind="count_based")
seawall.CircuitBreaker(window_kind="time_based")
seawall.CircuitBreaker(window_kind="sliding")  # type: ignore[arg-type]


@breaker
def get_user(user_id: int) -> Dict[str, str]:
    return {"id": str(user_id)}


assert_type(get_user(1), Dict[str, str])
get_user("1")  # type: ignore[arg-type]
assert_type(breaker.call(get_user, 2), Dict[str, str])
breaker.call(get_user, "2")  # type: ignore[arg-type]


async def fetch(url: str, *, retries: int = 0) -> bytes:
    return url.encode()


async def use_breaker_async() -> None:
    assert_type(await breaker.call_async(fetch, "u"), bytes)
    assert_type(await breaker.call(fetch, "u", retries=1), bytes)
    try:
        await seawall.timeout(1.0)(fetch)("u")
    except seawall.TimeoutError as e:  # as the README writes it
        assert_type(e, seawall.TimeoutError)
    except seawall.CircuitOpenError as e:
        ra: float | None = e.retry_after
        del ra


# -- tenacity: @retry bare and configured ------------------------------------------


@seawall.retry
def flaky(n: int) -> int:
    return n


@seawall.retry(max_attempts=5, base=0.1, retry_on=(ConnectionError, TimeoutError), jitter="full")
def configured(n: int) -> str:
    return str(n)


@seawall.retry(max_attempts=3)
async def flaky_async(n: int) -> float:
    return float(n)


assert_type(flaky(1), int)
flaky("x")  # type: ignore[arg-type]
assert_type(configured(1), str)
configured("x")  # type: ignore[arg-type]
seawall.retry(jitter="random")  # type: ignore[call-overload]
r = seawall.Retry(max_attempts=2)
assert_type(r.call(flaky, 1), int)

# -- limits: a keyed limiter per client ---------------------------------------------

per_client = seawall.KeyedTokenBucket(10.0, 20, on_full="allow")
seawall.KeyedTokenBucket(10.0, 20, on_full="drop")  # type: ignore[arg-type]
ok: bool = per_client.try_acquire("203.0.113.7")
d = per_client.check("203.0.113.7")
headers: Dict[str, str] = d.headers()

# -- bulkhead, fault injection, fallbacks ---------------------------------------------

bulkhead = seawall.Bulkhead(4, max_queue=8, max_wait=1.0)


@bulkhead
def render(page: str) -> str:
    return page


assert_type(render("home"), str)
assert_type(bulkhead.call(render, "x"), str)


def from_db(key: str) -> int:
    return len(key)


def from_cache(key: str) -> Union[int, MissType]:
    return MISS


chain = seawall.FallbackChain(from_cache, ("db", from_db), default=0)
assert_type(chain, seawall.FallbackChain[int])
assert_type(chain.call("k"), int)
assert_type(chain.call_detailed("k").value, int)


async def aprimary(key: str) -> str:
    return key


async def use_chain_async() -> None:
    achain = seawall.FallbackChain(aprimary, default="stale")
    assert_type(await achain.call_async("k"), str)


asyncio.run(use_breaker_async())

"""fallback(), FallbackChain and graceful degradation."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

import seawall
from seawall import MISS, FallbackChain, Part

from helpers import same_metadata


def test_fallback_value_sync_and_async() -> None:
    def items_raw(n: int) -> list:
        """Doc."""
        raise ConnectionError("down")

    items = seawall.fallback([])(items_raw)

    @seawall.fallback(handler=lambda e: f"handled {type(e).__name__}")
    async def aitems() -> str:
        raise KeyError("k")

    assert items(1) == []
    same_metadata(items, items_raw)
    assert inspect.iscoroutinefunction(aitems)
    assert asyncio.run(aitems()) == "handled KeyError"


def test_fallback_only_for_matching_exceptions() -> None:
    fb = seawall.fallback(0, on=ConnectionError, when=lambda e: "retryable" in str(e))
    with pytest.raises(ValueError):
        fb.call(lambda: (_ for _ in ()).throw(ValueError("x")))

    def boom(msg: str) -> int:
        raise ConnectionError(msg)

    assert fb.call(boom, "retryable") == 0
    with pytest.raises(ConnectionError):
        fb.call(boom, "fatal")
    # BaseExceptions like KeyboardInterrupt never fall back by default
    with pytest.raises(KeyboardInterrupt):
        seawall.fallback(0).call(lambda: (_ for _ in ()).throw(KeyboardInterrupt()))


def test_async_handler_is_awaited() -> None:
    async def handler(e: BaseException) -> str:
        return "async default"

    async def fail() -> str:
        raise OSError()

    assert asyncio.run(seawall.fallback(handler=handler).call_async(fail)) == "async default"


def test_fallback_bad_args() -> None:
    with pytest.raises(TypeError):
        seawall.fallback()
    with pytest.raises(TypeError):
        seawall.fallback(1, handler=lambda e: 2)
    with pytest.raises(TypeError, match="handler"):
        seawall.fallback(handler=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="on"):
        seawall.fallback(1, on=ValueError("x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="when"):
        seawall.fallback(1, when="x")  # type: ignore[arg-type]


def test_chain_primary_cache_stale_default() -> None:
    cache = {"a": "cached-a"}
    stale = {"a": "stale-a", "b": "stale-b"}

    def primary(key: str) -> str:
        raise ConnectionError("primary down")

    def from_cache(key: str) -> str:
        return cache.get(key, MISS)

    def from_stale(key: str) -> str:
        if key == "c":
            raise KeyError(key)
        return stale.get(key, MISS)

    chain = FallbackChain(primary, ("cache", from_cache), from_stale, default="default")
    r = chain.call_detailed("a")
    assert (r.value, r.source, r.degraded) == ("cached-a", "cache", True)
    assert [n for n, _ in r.errors] == ["primary"]
    assert chain.call("b") == "stale-b"
    r = chain.call_detailed("c")
    assert (r.value, r.source) == ("default", "default")
    assert [n for n, _ in r.errors] == ["primary", "from_stale"]
    assert chain.stage_names == ["primary", "cache", "from_stale"]


def test_chain_without_default_reraises_last() -> None:
    def a() -> int:
        raise ConnectionError("a")

    def b() -> int:
        raise TimeoutError("b")

    with pytest.raises(TimeoutError, match="b"):
        FallbackChain(a, b).call()
    with pytest.raises(LookupError):
        FallbackChain(lambda: MISS).call()
    assert FallbackChain(lambda: 1, a).call_detailed().degraded is False


def test_chain_async_mixes_sync_and_async_stages() -> None:
    async def primary() -> str:
        raise ConnectionError()

    def cache() -> str:
        return "c"

    r = asyncio.run(FallbackChain(primary, cache).call_detailed_async())
    assert (r.value, r.source) == ("c", "cache")
    assert asyncio.run(FallbackChain(primary, default=5).call_async()) == 5


def test_chain_bad_args() -> None:
    with pytest.raises(TypeError):
        FallbackChain()
    with pytest.raises(TypeError, match="stages"):
        FallbackChain(lambda: 1, 3)


def test_degrade_async_reports_what_degraded() -> None:
    async def user() -> str:
        return "ann"

    async def recs() -> list:
        await asyncio.sleep(10)  # will time out (a real wait is the point)
        return ["x"]

    async def reviews() -> list:
        raise ConnectionError("reviews down")

    async def main() -> seawall.Degraded:
        return await seawall.degrade_async(
            {
                "user": Part(user, required=True),
                "recs": Part(recs, timeout=0.01, default=[]),
                "reviews": Part(reviews, default=None),
                "static": lambda: 42,
            }
        )

    d = asyncio.run(main())
    assert d.values == {"user": "ann", "recs": [], "reviews": None, "static": 42}
    assert d.degraded == ["recs", "reviews"] and not d.complete
    assert isinstance(d.errors["recs"], seawall.TimeoutError)
    assert isinstance(d.errors["reviews"], ConnectionError)
    assert d["user"] == "ann"


def test_degrade_required_part_failure_raises() -> None:
    async def bad() -> None:
        raise ValueError("required broke")

    with pytest.raises(ValueError, match="required broke"):
        asyncio.run(seawall.degrade_async({"x": Part(bad, required=True)}))
    with pytest.raises(ValueError, match="required broke"):
        seawall.degrade({"x": Part(lambda: (_ for _ in ()).throw(ValueError("required broke")), required=True)})


def test_degrade_threads() -> None:
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "late"

    def fail() -> str:
        raise OSError("nope")

    try:
        d = seawall.degrade(
            {"fast": lambda: 1, "slow": Part(slow, timeout=0.02, default="dflt"), "fail": Part(fail, default=0)}
        )
    finally:
        release.set()
    assert d.values == {"fast": 1, "slow": "dflt", "fail": 0}
    assert d.degraded == ["slow", "fail"]
    assert isinstance(d.errors["slow"], seawall.TimeoutError)


@pytest.mark.parametrize(
    "v", [0, -0.0, float("nan"), float("inf"), float("-inf"), -1, 1e308, 10**40, "1", True, [1], b"1"], ids=repr
)
def test_part_bad_timeout(v: object) -> None:
    with pytest.raises((ValueError, TypeError)) as ei:
        Part(lambda: 1, timeout=v)  # type: ignore[arg-type]
    assert "timeout" in str(ei.value)


def test_degrade_bad_args() -> None:
    with pytest.raises(TypeError):
        seawall.degrade([lambda: 1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Part(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Part(lambda: 1, required="yes")  # type: ignore[arg-type]

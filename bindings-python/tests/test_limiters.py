"""SlidingWindowLimiter and the keyed limiters through the Python API."""

from __future__ import annotations

import asyncio
import threading

import pytest

import seawall


def test_sliding_window() -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(2, 10.0, buckets=10, clock=clock)
    assert sw.try_acquire() and sw.try_acquire() and not sw.try_acquire()
    d = sw.check()
    assert not d and d.retry_after == 11.0 and d.limit == 2
    assert d.headers()["Retry-After"] == "11"
    clock.advance(11)
    assert sw.check(2).allowed
    sw.refund()
    assert sw.peek().allowed
    assert sw.metrics()["count"] == 1 and sw.limit == 2 and sw.bucket_width == 1.0


def test_sliding_window_acquire_and_async() -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(1, 1.0, buckets=1, clock=clock)
    sw.try_acquire()
    threading.Timer(0.02, clock.advance, args=(2.0,)).start()
    assert sw.acquire(timeout=5).allowed
    with pytest.raises(seawall.RateLimitedError):
        sw.acquire(timeout=0.5)

    async def main() -> bool:
        async def later() -> None:
            await asyncio.sleep(0.01)
            clock.advance(2.0)

        t = asyncio.ensure_future(later())
        d = await sw.acquire_async(timeout=5)
        await t
        return d.allowed

    assert asyncio.run(main())


def test_keyed_token_bucket_keys_are_independent() -> None:
    clock = seawall.ManualClock()
    k = seawall.KeyedTokenBucket(1.0, 2, max_keys=16, hash_seed=1, clock=clock)
    assert k.try_acquire("alice") and k.try_acquire("alice") and not k.try_acquire("alice")
    assert k.try_acquire("bob")
    assert k.try_acquire(b"carol")
    assert not k.try_acquire(b"alice")  # str keys are their UTF-8 bytes
    d = k.check("alice")
    assert d.retry_after == 1.0 and d.limit == 2
    k.refund("alice")
    assert k.try_acquire("alice")
    m = k.metrics()
    assert m["keys_tracked"] == 3 and m["capacity"] == 64  # 4 x max_keys slots
    for bad in (1, None, 1.5, ["a"]):
        with pytest.raises(TypeError, match="key must be a str or bytes"):
            k.try_acquire(bad)  # type: ignore[arg-type]


def test_keyed_acquire_paths() -> None:
    clock = seawall.ManualClock()
    k = seawall.KeyedSlidingWindow(1, 1.0, buckets=1, max_keys=4, hash_seed=1, clock=clock)
    assert k.try_acquire("u1")
    with pytest.raises(seawall.RateLimitedError):
        k.acquire("u1", timeout=0.1)
    threading.Timer(0.02, clock.advance, args=(2.0,)).start()
    assert k.acquire("u1", timeout=5).allowed

    async def main() -> bool:
        async def later() -> None:
            await asyncio.sleep(0.01)
            clock.advance(2.0)

        t = asyncio.ensure_future(later())
        d = await k.acquire_async("u1", timeout=5)
        await t
        return d.allowed

    assert asyncio.run(main())
    kt = seawall.KeyedTokenBucket(10.0, 1, clock=clock)
    kt.try_acquire("x")

    async def main2() -> bool:
        async def later() -> None:
            await asyncio.sleep(0.01)
            clock.advance(1.0)

        t = asyncio.ensure_future(later())
        d = await kt.acquire_async("x", timeout=5)
        await t
        return d.allowed

    assert asyncio.run(main2())


def test_keyed_threads_on_frozen_clock_grant_exactly_the_burst_per_key() -> None:
    clock = seawall.ManualClock()
    k = seawall.KeyedTokenBucket(1.0, 50, max_keys=64, clock=clock)
    granted = {f"k{i}": 0 for i in range(4)}
    lock = threading.Lock()
    bar = threading.Barrier(8)

    def hammer() -> None:
        bar.wait()
        mine = dict.fromkeys(granted, 0)
        for _ in range(100):
            for key in granted:
                if k.try_acquire(key):
                    mine[key] += 1
        with lock:
            for key, v in mine.items():
                granted[key] += v

    ts = [threading.Thread(target=hammer) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert granted == dict.fromkeys(granted, 50)


def test_keyed_on_full_modes() -> None:
    clock = seawall.ManualClock()
    # max_keys 1: 4 slots, all probed; four throttled keys fill the table.
    deny = seawall.KeyedTokenBucket(1.0, 1, max_keys=1, max_probe=4, clock=clock)
    allow = seawall.KeyedTokenBucket(1.0, 1, max_keys=1, max_probe=4, on_full="allow", clock=clock)
    for lim in (deny, allow):
        for key in ("a", "c", "d", "e"):
            assert lim.try_acquire(key)
    assert not deny.try_acquire("b")
    assert allow.try_acquire("b")
    with pytest.raises(seawall.ConfigError) as ei:
        seawall.KeyedTokenBucket(1.0, 1, on_full="maybe")
    assert ei.value.field == "on_full"


def test_sliding_window_threads_on_frozen_clock_grant_exactly_the_limit() -> None:
    clock = seawall.ManualClock()
    sw = seawall.SlidingWindowLimiter(777, 60.0, clock=clock)
    granted = [0] * 8
    bar = threading.Barrier(8)

    def hammer(i: int) -> None:
        bar.wait()
        for _ in range(500):
            granted[i] += sw.try_acquire()

    ts = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sum(granted) == 777


def test_blocked_acquire_still_sees_signals() -> None:
    # A real wait: acquire() blocks on a ManualClock nobody advances; a
    # SIGALRM handler's exception must still interrupt it (the wait
    # re-attaches to the interpreter every 50 ms to run signal handlers).
    import signal

    if not hasattr(signal, "setitimer"):
        pytest.skip("needs setitimer")

    class Interrupted(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Interrupted()

    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(1.0, 1, clock=clock)
    tb.try_acquire()
    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(Interrupted):
            tb.acquire()  # no timeout: would wait forever
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)

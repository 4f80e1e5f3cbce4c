"""TokenBucket through the Python API: sync and async, GIL, threads, fork."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

import seawall
from seawall import TokenBucket


def test_burst_then_deny_then_refill() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=2.0, burst=3, clock=clock)
    assert [tb.try_acquire() for _ in range(4)] == [True, True, True, False]
    d = tb.check()
    assert not d and not d.allowed and d.remaining == 0
    assert d.retry_after == 0.5 and d.retry_after_ns == 500_000_000
    assert d.reset_after == 1.5 and d.limit == 3
    clock.advance(0.5)
    assert tb.try_acquire()
    clock.advance(10)
    d = tb.check(2)
    assert d.allowed and d.remaining == 1
    m = tb.metrics()
    assert m["burst"] == 3 and m["available"] == 1 and m["allowed"] == 5 and m["denied"] == 2  # calls, not tokens
    assert tb.limit == tb.burst == 3 and tb.emission_interval == 0.5


def test_peek_and_refund() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=2, clock=clock)
    assert tb.peek().remaining == 1 and tb.peek(2).allowed
    assert tb.try_acquire(2)
    assert not tb.peek().allowed
    tb.refund()
    assert tb.try_acquire() and not tb.try_acquire()


def test_initial_tokens() -> None:
    tb = TokenBucket(rate_per_sec=1.0, burst=5, initial_tokens=1, clock=seawall.ManualClock())
    assert tb.try_acquire() and not tb.try_acquire()


def test_bad_n() -> None:
    tb = TokenBucket(rate_per_sec=1.0, burst=2)
    for bad in (0, 3, -1, 2**64):
        with pytest.raises(seawall.InvalidArgumentError) as ei:
            tb.try_acquire(bad)
        assert ei.value.field == "n"
    for bad2 in (1.0, True, "1", None.__class__, [1]):
        with pytest.raises(TypeError, match="n must be an int"):
            tb.check(bad2)  # type: ignore[arg-type]


def test_headers() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=0.4, burst=2, clock=clock)
    ok = tb.check()
    # core's header set (spec/headers.md): the IETF draft fields first, in
    # order; T = 2.5 s, so the policy window is burst × T = 5 s
    assert list(ok.headers().items()) == [
        ("RateLimit-Policy", '"default";q=2;w=5'),
        ("RateLimit", '"default";r=1;t=3'),
        ("X-RateLimit-Limit", "2"),
        ("X-RateLimit-Remaining", "1"),
        ("X-RateLimit-Reset", "3"),
    ]
    assert ok.headers("api")["RateLimit"] == '"api";r=1;t=3'
    tb.check()
    no = tb.check()
    assert seawall.rate_limit_headers(no) == {
        "RateLimit-Policy": '"default";q=2;w=5',
        "RateLimit": '"default";r=0;t=5',
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "5",
        "Retry-After": "3",
    }


def test_threads_on_frozen_clock_grant_exactly_the_burst() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=1000, clock=clock)
    granted = [0] * 8
    start = threading.Barrier(8)

    def hammer(i: int) -> None:
        start.wait()
        for _ in range(2000):
            if tb.try_acquire():
                granted[i] += 1

    ts = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sum(granted) == 1000
    assert tb.metrics()["denied"] == 8 * 2000 - 1000


def test_acquire_waits_with_gil_released() -> None:
    # A real wait is the point: acquire() blocks on the monotonic clock for
    # ~0.2 s while another Python thread must keep running.
    tb = TokenBucket(rate_per_sec=5.0, burst=1)
    assert tb.try_acquire()
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        t0 = time.monotonic()
        d = tb.acquire(timeout=5)
        waited = time.monotonic() - t0
    finally:
        stop.set()
        t.join()
    assert d.allowed
    assert 0.1 < waited < 2.0
    assert ticks > 1000, "the other thread did not run while acquire() waited"


def test_acquire_on_manual_clock_wakes_when_another_thread_advances() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=1, clock=clock)
    assert tb.try_acquire()
    threading.Timer(0.02, clock.advance, args=(1.0,)).start()
    assert tb.acquire(timeout=10).allowed  # timeout on the limiter's (manual) clock


def test_acquire_times_out_at_once_when_the_wait_cannot_fit() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=1, clock=clock)
    tb.try_acquire()
    with pytest.raises(seawall.RateLimitedError) as ei:
        tb.acquire(timeout=0.5)
    assert ei.value.retry_after == 1.0
    with pytest.raises(seawall.InvalidArgumentError):
        tb.acquire(timeout=-1)


def test_acquire_async_does_not_block_the_loop() -> None:
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=1, clock=clock)
    tb.try_acquire()
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        for _ in range(5):
            beats += 1
            await asyncio.sleep(0)
        clock.advance(1.0)

    async def main() -> seawall.Decision:
        hb = asyncio.ensure_future(heartbeat())
        d = await tb.acquire_async(timeout=10)
        await hb
        return d

    assert asyncio.run(main()).allowed
    assert beats == 5

    async def too_long() -> None:
        await tb.acquire_async(timeout=0.1)

    with pytest.raises(seawall.RateLimitedError):
        asyncio.run(too_long())


def test_acquire_async_real_clock() -> None:
    tb = TokenBucket(rate_per_sec=50.0, burst=1)
    tb.try_acquire()

    async def main() -> float:
        t0 = time.monotonic()
        await tb.acquire_async()
        return time.monotonic() - t0

    assert asyncio.run(main()) < 1.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_after_fork_child_has_its_own_copy() -> None:
    # Documented: a forked child gets a copy of the limiter's state at fork
    # time (memory backend); the two processes then limit independently and
    # nothing deadlocks, even if another thread was inside the limiter.
    clock = seawall.ManualClock()
    tb = TokenBucket(rate_per_sec=1.0, burst=3, clock=clock)
    tb.try_acquire()
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            tb.try_acquire()
            tb.refund()

    t = threading.Thread(target=busy)
    t.start()
    try:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                got = [tb.try_acquire() for _ in range(5)]
                os.write(w, str(sum(got)).encode())
            finally:
                os._exit(0)
        os.close(w)
        _, status = os.waitpid(pid, 0)
        child_granted = int(os.read(r, 16) or b"-1")
        os.close(r)
    finally:
        stop.set()
        t.join()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert 1 <= child_granted <= 3
    assert tb.metrics()["burst"] == 3

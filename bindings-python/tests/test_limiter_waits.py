"""Waiting acquires of the rate limiters: core's FIFO order, one count per
call, and waits on a ManualClock that end when the clock is moved (issue 12
item 4, issue 10 defect 9). No real sleeps: threads and tasks are released
by moving a ManualClock."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, List, Tuple

import pytest

import seawall
from seawall import limiters

N = 100



class _OneKey:
    """A keyed limiter used through one key, with the unkeyed methods: the
    keyed limiters wait per key exactly as the unkeyed ones (spec/keyed.md,
    "Waiting acquires")."""

    def __init__(self, lim: Any, key: str = "user-1") -> None:
        self.lim, self.key = lim, key

    def try_acquire(self, n: int = 1) -> bool:
        return self.lim.try_acquire(self.key, n)  # type: ignore[no-any-return]

    def acquire(self, n: int = 1, timeout: Any = None) -> seawall.Decision:
        return self.lim.acquire(self.key, n, timeout)  # type: ignore[no-any-return]

    async def acquire_async(self, n: int = 1, timeout: Any = None) -> seawall.Decision:
        return await self.lim.acquire_async(self.key, n, timeout)  # type: ignore[no-any-return]

    def metrics(self) -> Any:
        return self.lim.metrics()


# (factory, clock seconds between two consecutive grants)
Factory = Callable[[seawall.ManualClock], Any]
KINDS: List[Tuple[str, Factory, float]] = [
    # One token per second.
    ("token_bucket", lambda c: seawall.TokenBucket(1.0, 1, clock=c), 1.0),
    # One request per 1 s window in one bucket: a grant counts for 2 s.
    ("sliding_window", lambda c: seawall.SlidingWindowLimiter(1, 1.0, buckets=1, clock=c), 2.0),
    # The same per key (issue 12 item 4: the keyed limiters polled).
    ("keyed_token_bucket", lambda c: _OneKey(seawall.KeyedTokenBucket(1.0, 1, max_keys=16, clock=c)), 1.0),
    (
        "keyed_sliding_window",
        lambda c: _OneKey(seawall.KeyedSlidingWindow(1, 1.0, buckets=1, max_keys=16, clock=c)),
        2.0,
    ),
]


def _spin_until(cond: Callable[[], bool]) -> None:
    # Waits for other threads without a timed sleep (the GIL switch
    # interval lets them run); a bound keeps a broken build from hanging.
    for _ in range(50_000_000):
        if cond():
            return
    raise AssertionError("condition never became true")


@pytest.mark.parametrize("name,make,step", KINDS, ids=[k[0] for k in KINDS])
def test_blocked_threads_are_served_fifo_and_each_counts_once(name: str, make: Factory, step: float) -> None:
    clock = seawall.ManualClock()
    lim = make(clock)
    assert lim.try_acquire()
    order: List[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        d = lim.acquire(timeout=10_000)
        assert d.allowed
        with lock:
            order.append(i)

    threads = []
    for i in range(N):
        t = threading.Thread(target=worker, args=(i,))
        t.start()
        threads.append(t)
        # Thread i has its place before thread i + 1 starts.
        _spin_until(lambda: lim.metrics()["waiting"] == i + 1)
    for k in range(N):
        clock.advance(step)
        _spin_until(lambda: len(order) == k + 1)
    for t in threads:
        t.join()
    assert order == list(range(N))
    m = lim.metrics()
    assert (m["allowed"], m["denied"], m["waiting"]) == (N + 1, 0, 0)


@pytest.mark.parametrize("name,make,step", KINDS, ids=[k[0] for k in KINDS])
def test_async_waiters_are_served_fifo_each_woken_once(
    name: str, make: Factory, step: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = seawall.ManualClock()
    lim = make(clock)
    assert lim.try_acquire()
    wakeups = 0
    resolve = limiters._resolve

    def counting_resolve(fut: "asyncio.Future[None]") -> None:
        nonlocal wakeups
        wakeups += 1
        resolve(fut)

    monkeypatch.setattr(limiters, "_resolve", counting_resolve)
    order: List[int] = []

    async def job(i: int) -> None:
        d = await lim.acquire_async(timeout=10_000)
        assert d.allowed
        order.append(i)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks = []
        for i in range(N):
            tasks.append(asyncio.ensure_future(job(i)))
            await asyncio.sleep(0)  # task i reserves before task i + 1 starts
        assert lim.metrics()["waiting"] == N
        # Nothing polls: no loop timers, one clock timer per waiter.
        for _ in range(20):
            await asyncio.sleep(0)
        assert wakeups == 0 and not order
        assert _live_timers(loop) == 0
        assert clock._pending_timers == N
        for k in range(N):
            clock.advance(step)
            spins = 0
            while len(order) < k + 1 and spins < 20:
                await asyncio.sleep(0)
                spins += 1
            assert len(order) == k + 1, f"waiter {k} not resumed"
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == list(range(N))
    assert wakeups == N  # each waiter woken exactly once, when due
    m = lim.metrics()
    assert (m["allowed"], m["denied"], m["waiting"]) == (N + 1, 0, 0)
    assert clock._pending_timers == 0


def _live_timers(loop: asyncio.AbstractEventLoop) -> int:
    return sum(1 for h in getattr(loop, "_scheduled", []) if not h.cancelled())


@pytest.mark.parametrize("name,make,step", KINDS, ids=[k[0] for k in KINDS])
def test_a_wait_that_cannot_end_in_time_is_refused_at_once(name: str, make: Factory, step: float) -> None:
    clock = seawall.ManualClock()
    lim = make(clock)
    assert lim.try_acquire()
    with pytest.raises(seawall.RateLimitedError) as e:
        lim.acquire(timeout=step / 2)
    assert e.value.retry_after == step

    async def main() -> None:
        with pytest.raises(seawall.RateLimitedError):
            await lim.acquire_async(timeout=step / 2)

    asyncio.run(main())
    m = lim.metrics()
    assert (m["allowed"], m["denied"], m["waiting"]) == (1, 2, 0)


@pytest.mark.parametrize("name,make,step", KINDS, ids=[k[0] for k in KINDS])
def test_a_cancelled_task_gives_its_place_back(name: str, make: Factory, step: float) -> None:
    clock = seawall.ManualClock()
    lim = make(clock)
    assert lim.try_acquire()

    async def main() -> None:
        a = asyncio.ensure_future(lim.acquire_async(timeout=100))
        await asyncio.sleep(0)
        b = asyncio.ensure_future(lim.acquire_async(timeout=100))
        await asyncio.sleep(0)
        assert lim.metrics()["waiting"] == 2
        a.cancel()
        with pytest.raises(asyncio.CancelledError):
            await a
        assert lim.metrics()["waiting"] == 1
        clock.advance(step)
        if name.endswith("token_bucket"):
            # b keeps its reserved due time; a's token went back to the
            # bucket (TAT moved back by one interval) for a later request.
            await asyncio.sleep(0)
            assert not b.done()
            clock.advance(step)
        # (the sliding window: b moved up into a's place)
        d = await asyncio.wait_for(b, 5)
        assert d.allowed
        if name.endswith("token_bucket"):
            assert lim.try_acquire()  # the token a gave back

    asyncio.run(main())
    m = lim.metrics()
    granted = 3 if name.endswith("token_bucket") else 2
    assert (m["allowed"], m["denied"], m["waiting"]) == (granted, 1, 0)
    assert clock._pending_timers == 0


def test_reserve_returns_a_decision_or_a_waiter() -> None:
    clock = seawall.ManualClock()
    tb = seawall.TokenBucket(2.0, 1, clock=clock)
    d = tb.reserve()
    assert isinstance(d, seawall.Decision) and d.allowed
    w = tb.reserve(1, 10)
    assert isinstance(w, seawall.LimiterWaiter)
    assert w.due_in_ns == 500_000_000 and w.due_in == 0.5 and not w.done
    assert w.try_claim() is None
    clock.advance(0.5)
    d = w.try_claim()
    assert d is not None and d.allowed and w.done
    assert w.try_claim() is None
    with pytest.raises(seawall.InvalidArgumentError):
        tb.reserve(2)
    with pytest.raises(seawall.InvalidArgumentError):
        tb.acquire(0)
    with pytest.raises(seawall.InvalidArgumentError):
        tb.reserve(1, -1.0)


def test_waiting_on_the_monotonic_clock_arms_one_timer_at_the_due_time() -> None:
    # The real clock: the waiter's task sleeps in one loop timer set to its
    # due time (no re-polling); cancelling it leaves nothing behind.
    tb = seawall.TokenBucket(1.0, 1)
    assert tb.try_acquire()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        t = asyncio.ensure_future(tb.acquire_async(timeout=5))
        await asyncio.sleep(0)
        timers = [h for h in getattr(loop, "_scheduled", []) if not h.cancelled()]
        assert len(timers) == 1
        assert 0.5 < timers[0].when() - loop.time() <= 1.0
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t
        assert _live_timers(loop) == 0

    asyncio.run(main())
    m = tb.metrics()
    assert (m["allowed"], m["denied"], m["waiting"]) == (1, 1, 0)
    assert tb.try_acquire() is False  # the refund does not add beyond the refill


def test_bulkhead_async_deadline_on_a_manual_clock_is_a_clock_timer() -> None:
    # Issue 10 defect 9: the queued task's deadline is a timer on the
    # manual clock, not a real-time re-check every millisecond.
    clock = seawall.ManualClock()
    bh = seawall.Bulkhead(1, max_queue=1, max_wait=5.0, clock=clock)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        p = await bh.acquire_async()
        w = asyncio.ensure_future(bh.acquire_async())
        for _ in range(5):
            await asyncio.sleep(0)
        assert _live_timers(loop) == 0 and clock._pending_timers == 1
        clock.advance(4.999)
        for _ in range(5):
            await asyncio.sleep(0)
        assert not w.done()
        clock.advance(0.001)
        with pytest.raises(seawall.BulkheadFullError):
            await asyncio.wait_for(w, 5)
        assert clock._pending_timers == 0
        p.release()

    asyncio.run(main())
    assert bh.metrics()["queued"] == 0 and bh.active == 0


def test_bulkhead_blocking_wait_times_out_when_the_manual_clock_moves() -> None:
    clock = seawall.ManualClock()
    bh = seawall.Bulkhead(1, max_queue=1, max_wait=5.0, clock=clock)
    p = bh.acquire()
    out: List[BaseException] = []

    def waiter() -> None:
        try:
            bh.acquire()
        except seawall.BulkheadFullError as e:
            out.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    _spin_until(lambda: bh.metrics()["queued"] == 1)
    clock.advance(5.0)
    t.join()
    assert len(out) == 1 and bh.metrics()["queued"] == 0
    p.release()


def test_keyed_waiters_of_one_key_leave_other_keys_alone() -> None:
    # 100 threads wait on one key; another key is served at once, and the
    # waiting key's try_acquire is denied behind them (no barging).
    clock = seawall.ManualClock()
    kl = seawall.KeyedTokenBucket(1.0, 1, max_keys=16, clock=clock)
    assert kl.try_acquire("a")
    threads = [threading.Thread(target=kl.acquire, args=("a", 1, 1000)) for _ in range(N)]
    for i, t in enumerate(threads):
        t.start()
        _spin_until(lambda: kl.metrics()["waiting"] == i + 1)
    assert kl.try_acquire("b")
    d = kl.check("a")
    assert not d.allowed and d.retry_after == N + 1
    clock.advance(N)
    for t in threads:
        t.join()
    m = kl.metrics()
    assert (m["allowed"], m["denied"], m["waiting"]) == (N + 2, 1, 0)

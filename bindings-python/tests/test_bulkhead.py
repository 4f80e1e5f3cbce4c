"""Bulkhead through the Python API: with / async with / decorator / permits."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import List

import pytest

import seawall
from seawall import Bulkhead

from helpers import same_metadata


def test_with_and_try_acquire() -> None:
    bh = Bulkhead(2)
    with bh:
        with bh:
            assert bh.active == 2
            assert bh.try_acquire() is None
            with pytest.raises(seawall.BulkheadFullError) as ei:
                with bh:
                    pass  # pragma: no cover
            assert ei.value.retry_after is None
    assert bh.active == 0
    p = bh.try_acquire()
    assert p is not None and bh.active == 1
    assert p.release() and not p.release() and p.released
    with bh.acquire() as p2:
        assert bh.active == 1 and not p2.released
    assert bh.active == 0
    m = bh.metrics()
    assert m["total"] == 4 and m["rejected"] == 2 and m["max_concurrent"] == 2


def test_exception_in_block_releases() -> None:
    bh = Bulkhead(1)
    with pytest.raises(KeyError):
        with bh:
            raise KeyError()
    assert bh.active == 0


def test_decorators_keep_metadata() -> None:
    bh = Bulkhead(1)

    def work(x: int) -> int:
        """Work."""
        assert bh.active == 1
        return x

    async def awork(x: int) -> int:
        """Async work."""
        assert bh.active == 1
        return x

    w, aw = bh(work), bh(awork)
    same_metadata(w, work)
    same_metadata(aw, awork)
    assert w(3) == 3 and asyncio.run(aw(4)) == 4 and bh.active == 0
    assert bh.call(work, 5) == 5
    assert asyncio.run(bh.call_async(awork, 6)) == 6


def test_blocking_wait_releases_the_gil_and_is_fifo() -> None:
    # Real waits are the point: threads queue (GIL released) while the slot
    # is held; each is started only once the previous one is queued, so the
    # arrival order is known.
    bh = Bulkhead(1, max_queue=4, max_wait=10.0)
    order: List[int] = []
    holder = bh.acquire()

    def waiter(i: int) -> None:
        with bh:
            order.append(i)

    ts = []
    for i in range(3):
        t = threading.Thread(target=waiter, args=(i,))
        t.start()
        ts.append(t)
        deadline = time.monotonic() + 10
        while bh.metrics()["queued"] < i + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # this thread runs: the waiters do not hold the GIL
        assert bh.metrics()["queued"] == i + 1
    holder.release()
    for t in ts:
        t.join()
    assert order == [0, 1, 2]


def test_wait_times_out() -> None:
    bh = Bulkhead(1, max_queue=1, max_wait=0.05)
    with bh:
        t0 = time.monotonic()
        with pytest.raises(seawall.BulkheadFullError):
            bh.acquire()
        assert time.monotonic() - t0 >= 0.04
        with pytest.raises(seawall.BulkheadFullError):
            bh.acquire(timeout=0)


def test_manual_clock_wait_times_out_when_advanced() -> None:
    clock = seawall.ManualClock()
    bh = Bulkhead(1, max_queue=1, max_wait=10.0, clock=clock)
    with bh:
        threading.Timer(0.02, clock.advance, args=(11.0,)).start()
        with pytest.raises(seawall.BulkheadFullError):
            bh.acquire()


def test_async_with_waits_without_blocking_the_loop() -> None:
    bh = Bulkhead(1, max_queue=10, max_wait=5.0)
    running = 0
    peak = 0
    beats = 0

    async def job() -> None:
        nonlocal running, peak
        async with bh:
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.005)
            running -= 1

    async def heartbeat() -> None:
        nonlocal beats
        for _ in range(5):
            beats += 1
            await asyncio.sleep(0.001)

    async def main() -> None:
        await asyncio.gather(heartbeat(), *(job() for _ in range(5)))

    asyncio.run(main())
    assert peak == 1 and beats == 5 and bh.active == 0
    assert bh.metrics()["total"] == 5


def test_async_queue_full_and_timeout() -> None:
    clock = seawall.ManualClock()
    bh = Bulkhead(1, max_queue=1, max_wait=1.0, clock=clock)

    async def main() -> None:
        p = await bh.acquire_async()
        w = asyncio.ensure_future(bh.acquire_async())
        await asyncio.sleep(0.005)
        with pytest.raises(seawall.BulkheadFullError):
            await bh.acquire_async()  # queue full
        clock.advance(2.0)
        with pytest.raises(seawall.BulkheadFullError):
            await w  # waited past max_wait on the manual clock
        p.release()
        p2 = await bh.acquire_async(timeout=0)
        p2.release()

    asyncio.run(main())
    assert bh.metrics()["queued"] == 0 and bh.active == 0


def test_async_handoff_and_cancellation() -> None:
    bh = Bulkhead(1, max_queue=2, max_wait=5.0)

    async def main() -> None:
        p = await bh.acquire_async()
        a = asyncio.ensure_future(bh.acquire_async())
        b = asyncio.ensure_future(bh.acquire_async())
        await asyncio.sleep(0.005)
        a.cancel()  # leaves the queue
        await asyncio.sleep(0.005)
        p.release()
        pb = await b
        assert bh.active == 1
        pb.release()

    asyncio.run(main())
    assert bh.active == 0 and bh.metrics()["queued"] == 0


@pytest.mark.parametrize("from_thread", [False, True], ids=["task", "thread"])
def test_async_waiter_is_woken_by_the_release_not_by_a_timer(from_thread: bool) -> None:
    # No real time: after the release, the waiter must resume within a few
    # event-loop iterations that take microseconds. A waiter that polled its
    # place on a timer (as before: 0.5 ms doubling to 20 ms) or waited for
    # its deadline (5 s) would not have run yet.
    bh = Bulkhead(1, max_queue=1, max_wait=5.0)

    async def main() -> int:
        p = await bh.acquire_async()
        w = asyncio.ensure_future(bh.acquire_async())
        for _ in range(3):
            await asyncio.sleep(0)
        assert bh.metrics()["queued"] == 1 and not w.done()
        if from_thread:
            t = threading.Thread(target=p.release)
            t.start()
            t.join()  # the wake-up is queued on the loop by now
        else:
            p.release()
        spins = 0
        while not w.done() and spins < 20:
            await asyncio.sleep(0)
            spins += 1
        assert w.done(), "still waiting after the release"
        w.result().release()
        return spins

    assert asyncio.run(main()) <= 20
    assert bh.active == 0 and bh.metrics()["queued"] == 0


def test_async_waiters_are_served_in_fifo_order() -> None:
    bh = Bulkhead(1, max_queue=6, max_wait=5.0)
    order: List[int] = []

    async def job(i: int) -> None:
        async with bh:
            order.append(i)
            await asyncio.sleep(0)

    async def main() -> None:
        p = await bh.acquire_async()
        tasks = []
        for i in range(6):
            tasks.append(asyncio.ensure_future(job(i)))
            await asyncio.sleep(0.001)  # each task queues before the next starts
        assert bh.metrics()["queued"] == 6
        p.release()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == list(range(6)) and bh.active == 0


def _live_timers(loop: asyncio.AbstractEventLoop) -> int:
    return sum(1 for h in getattr(loop, "_scheduled", []) if not h.cancelled())


def test_async_timeout_on_the_real_clock_leaves_nothing_behind() -> None:
    bh = Bulkhead(1, max_queue=1, max_wait=5.0)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        p = await bh.acquire_async()
        t0 = time.monotonic()
        with pytest.raises(seawall.BulkheadFullError):
            await bh.acquire_async(timeout=0.05)
        assert time.monotonic() - t0 >= 0.045
        assert bh.metrics()["queued"] == 0
        assert _live_timers(loop) == 0
        assert asyncio.all_tasks() == {asyncio.current_task()}
        # The place is free again, and the slot still goes to a new waiter.
        w = asyncio.ensure_future(bh.acquire_async(timeout=1.0))
        await asyncio.sleep(0.005)
        p.release()
        (await w).release()
        assert _live_timers(loop) == 0

    asyncio.run(main())
    assert bh.active == 0 and bh.metrics()["rejected"] == 1


def test_cancelling_a_task_just_handed_the_slot_passes_it_on() -> None:
    bh = Bulkhead(1, max_queue=2, max_wait=5.0)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        p = await bh.acquire_async()
        a = asyncio.ensure_future(bh.acquire_async())
        b = asyncio.ensure_future(bh.acquire_async())
        await asyncio.sleep(0.005)
        p.release()  # handed to a's waiter, but a has not resumed yet
        a.cancel()
        with pytest.raises(asyncio.CancelledError):
            await a
        pb = await asyncio.wait_for(b, 1.0)  # the slot went on to b
        assert bh.active == 1 and bh.metrics()["queued"] == 0
        pb.release()
        assert _live_timers(loop) == 0
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    assert bh.active == 0 and bh.metrics()["rejected"] == 1


def test_waiter_poll_notifies_once_from_the_releasing_thread() -> None:
    bh = Bulkhead(1, max_queue=1)
    p = bh.try_acquire()
    assert p is not None
    w = bh.enqueue()
    assert isinstance(w, seawall.BulkheadWaiter)
    calls: List[str] = []
    assert w.poll(lambda: calls.append(threading.current_thread().name)) is None
    t = threading.Thread(target=p.release, name="releaser")
    t.start()
    t.join()
    assert calls == ["releaser"]
    got = w.poll(lambda: calls.append("late"))
    assert got is not None and calls == ["releaser"]
    assert w.poll(lambda: calls.append("spent")) is None  # claimed already
    got.release()
    assert calls == ["releaser"] and bh.active == 0


def test_cancel_drops_the_notify_callback_uncalled() -> None:
    import gc
    import weakref

    bh = Bulkhead(1, max_queue=1)
    p = bh.try_acquire()
    w = bh.enqueue()
    assert p is not None and isinstance(w, seawall.BulkheadWaiter)
    calls: List[int] = []

    class Notify:
        def __call__(self) -> None:
            calls.append(1)

    n = Notify()
    ref = weakref.ref(n)
    assert w.poll(n) is None
    del n
    gc.collect()
    assert ref() is not None  # held by the queue entry
    w.cancel()
    assert ref() is None
    p.release()
    assert calls == [] and bh.active == 0 and bh.metrics()["queued"] == 0


def test_threads_never_exceed_max_concurrent() -> None:
    bh = Bulkhead(3)
    inside = 0
    peak = 0
    lock = threading.Lock()
    bar = threading.Barrier(8)

    def hammer() -> None:
        nonlocal inside, peak
        bar.wait()
        for _ in range(500):
            p = bh.try_acquire()
            if p is None:
                continue
            with lock:
                inside += 1
                peak = max(peak, inside)
            with lock:
                inside -= 1
            p.release()

    ts = [threading.Thread(target=hammer) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert peak <= 3 and bh.active == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_child_gets_a_copy() -> None:
    # Documented: the child gets a copy of the counters at fork time; slots
    # held by the parent stay held in the child's copy (they can never be
    # released there), so fork before taking slots. Nothing deadlocks.
    bh = Bulkhead(2)
    held = bh.acquire()
    pid = os.fork()
    if pid == 0:
        try:
            ok = bh.active == 1 and bh.try_acquire() is not None
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    held.release()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert bh.active == 0


def _wait_until_queued(bh: Bulkhead, n: int) -> None:
    while bh.metrics()["queued"] < n:
        time.sleep(0.0005)


def test_rejected_counts_each_call_that_got_no_slot_once() -> None:
    clock = seawall.ManualClock()
    bh = Bulkhead(1, max_queue=2, max_wait=10.0, clock=clock)
    got: List[str] = []

    def waiter() -> None:
        try:
            with bh:
                got.append("slot")
        except seawall.BulkheadFullError:
            got.append("full")

    with bh:
        t = threading.Thread(target=waiter)
        t.start()
        _wait_until_queued(bh, 1)
    t.join()  # waited, then got its slot: not a rejection
    assert got == ["slot"] and bh.metrics()["rejected"] == 0
    with bh:
        t = threading.Thread(target=waiter)
        t.start()
        _wait_until_queued(bh, 1)
        clock.advance(11.0)
        t.join()  # waited, then timed out: one rejection
    m = bh.metrics()
    assert got == ["slot", "full"] and (m["total"], m["rejected"]) == (3, 1)


def test_metrics_equal_the_calls_made_under_50_threads() -> None:
    # Stress: the outcome of each call is counted by the caller; the
    # bulkhead's counters must agree exactly, whatever the interleaving.
    bh = Bulkhead(3, max_queue=8, max_wait=0.002)
    lock = threading.Lock()
    counted = {"ok": 0, "full": 0}

    def worker() -> None:
        ok = full = 0
        for i in range(60):
            try:
                if i % 2:
                    with bh:
                        time.sleep(0)
                else:
                    bh.acquire().release()
                ok += 1
            except seawall.BulkheadFullError:
                full += 1
        with lock:
            counted["ok"] += ok
            counted["full"] += full

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m = bh.metrics()
    assert counted["ok"] + counted["full"] == 50 * 60
    assert (m["total"], m["rejected"]) == (counted["ok"], counted["full"])
    assert (m["active"], m["queued"]) == (0, 0)


@pytest.mark.parametrize("kwargs", [{"max_wait": 2.0}, {"max_wait": 2.0, "max_queue": 0}, {"max_wait": 1e-9}])
def test_max_wait_without_a_queue_is_rejected(kwargs: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(seawall.ConfigError) as ei:
        Bulkhead(4, **kwargs)
    assert ei.value.field == "max_wait"
    assert "max_queue" in str(ei.value) and f"got {kwargs['max_wait']!r}" in str(ei.value)


def test_max_wait_zero_or_with_a_queue_is_fine() -> None:
    assert Bulkhead(4, max_wait=0.0).max_wait == 0.0
    assert Bulkhead(4, max_queue=1, max_wait=2.0).max_wait == 2.0

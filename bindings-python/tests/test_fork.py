"""fork() from a parent whose threads are busy inside seawall.

Twenty children are forked while four threads keep calling seawall
(failing calls, limiters, breakers, unseeded backoff schedules). Each
child draws the first jitter of an unseeded backoff made before the fork,
like a pre-fork worker, and reports it through a pipe. No child may hang,
every child must exit 0, and no two may draw the same jitter (a copied
generator would make forked workers retry in lockstep).
"""

from __future__ import annotations

import os
import struct
import threading
import time
import warnings

import pytest

import seawall

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

CHILDREN = 20


def _busy(stop: threading.Event, backoff: seawall.Backoff) -> None:
    bucket = seawall.TokenBucket(1000.0, 10)
    breaker = seawall.CircuitBreaker()
    while not stop.is_set():
        try:
            seawall.TokenBucket(-1.0, 1)
        except seawall.SeawallError:
            pass
        bucket.try_acquire()
        permit = breaker.try_acquire()
        if permit is not None:
            permit.success()
        backoff.schedule().next_delay()


def _wait(pid: int, timeout: float) -> int | None:
    """The exit status, or None if the child had to be killed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return status
        time.sleep(0.001)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_children_forked_from_busy_threads_work_and_draw_their_own_jitter() -> None:
    backoff = seawall.Backoff("exponential", base=1.0, max_delay=1.0, jitter="full", max_attempts=5)
    backoff.schedule().next_delay()  # this thread's generator exists before the fork
    stop = threading.Event()
    threads = [threading.Thread(target=_busy, args=(stop, backoff)) for _ in range(4)]
    for t in threads:
        t.start()
    r, w = os.pipe()
    pids = []
    try:
        for _ in range(CHILDREN):
            time.sleep(0.002)  # let the threads get inside seawall
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
                pid = os.fork()
            if pid == 0:  # the child: no pytest machinery from here on
                code = 1
                try:
                    delay = backoff.schedule().next_delay_ns()
                    os.write(w, struct.pack("<q", -1 if delay is None else delay))
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
    finally:
        stop.set()
        for t in threads:
            t.join()
    os.close(w)
    statuses = [_wait(pid, 10.0) for pid in pids]
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    os.close(r)
    draws = [v for (v,) in struct.iter_unpack("<q", data)]
    assert statuses.count(None) == 0, "a child hung"
    assert all(s == 0 for s in statuses), statuses
    assert len(draws) == CHILDREN
    assert all(0 <= d <= 1_000_000_000 for d in draws)
    assert len(set(draws)) == CHILDREN, f"children drew the same jitter: {sorted(draws)}"



def test_a_bulkhead_slot_released_in_the_child_serves_the_child() -> None:
    # Issue 13 item 2: the parent has a slot held by this thread, one by a
    # busy thread and two threads queued in acquire(). In the child only
    # this thread exists: releasing its permit there must not hand the slot
    # to a queued thread of the parent (lost for good before), but leave it
    # to the child.
    bh = seawall.Bulkhead(2, max_queue=4, max_wait=60.0)
    mine = bh.try_acquire()
    assert mine is not None
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        p = bh.try_acquire()
        assert p is not None
        held.set()
        release.wait()
        p.release()

    def wait_for_a_slot() -> None:
        bh.acquire().release()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    waiters = [threading.Thread(target=wait_for_a_slot) for _ in range(2)]
    for t in waiters:
        t.start()
    while bh.metrics()["queued"] < 2:
        time.sleep(0.001)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: no pytest machinery from here on
        code = 1
        try:
            mine.release()
            p = bh.try_acquire()
            if p is None:
                code = 2  # the slot went to a thread that does not exist here
            elif bh.metrics()["queued"] != 0:
                code = 3
            elif bh.try_acquire() is not None:
                code = 4  # the busy thread's slot stays taken
            else:
                p.release()
                code = 0
        finally:
            os._exit(code)
    try:
        status = _wait(pid, 10.0)
    finally:
        mine.release()
        release.set()
        holder.join()
        for t in waiters:
            t.join()
    assert status is not None, "the child hung"
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    m = bh.metrics()
    assert (m["active"], m["queued"]) == (0, 0)  # the parent's waiters were served

"""Shared-memory regions (spec/shared_memory.md): one limit, one breaker,
one bulkhead for every process of a host, tested with real processes
(multiprocessing, and a pre-fork server when gunicorn is installed)."""

from __future__ import annotations

import multiprocessing as mp
import os
import stat
import time

import pytest

import seawall
from seawall import (
    Bulkhead,
    CircuitBreaker,
    ConfigError,
    SharedRegion,
    SharedRegionError,
    TokenBucket,
)


@pytest.fixture()
def region_name(tmp_path: object) -> object:
    name = "/dev/shm/seawall-py-%d-%d" % (os.getpid(), time.monotonic_ns())
    SharedRegion.remove(name)
    yield name
    SharedRegion.remove(name)


def test_two_objects_share_one_bucket_and_the_file_is_private(region_name: str) -> None:
    r = SharedRegion(region_name)
    a = TokenBucket(0.001, 3, region=r, name="api")
    b = TokenBucket(0.001, 3, region=SharedRegion(region_name), name="api")
    assert a.try_acquire(2)
    assert not b.try_acquire(2)
    assert b.try_acquire(1)
    assert stat.S_IMODE(os.stat(region_name).st_mode) == 0o600
    assert r.path == region_name


def test_another_config_is_refused_naming_the_field(region_name: str) -> None:
    r = SharedRegion(region_name)
    TokenBucket(5.0, 10, region=r, name="api")
    with pytest.raises(ConfigError) as e:
        TokenBucket(6.0, 10, region=r, name="api")
    assert e.value.field == "rate_per_sec"
    with pytest.raises(ConfigError) as e:
        TokenBucket(5.0, 10, region=r)
    assert e.value.field == "name"
    # A name alone is not silently ignored: it names the instance in the
    # default registry (spec/metrics.md), where it must be unique.
    alone = TokenBucket(5.0, 10, name="api-alone")
    with pytest.raises(seawall.SeawallError) as dup:
        TokenBucket(5.0, 10, name="api-alone")
    assert dup.value.field == "name"
    assert alone.try_acquire()
    assert CircuitBreaker(name="mine").name == "mine"


def test_a_corrupted_file_is_a_typed_error(region_name: str) -> None:
    with open(region_name, "wb") as f:
        f.write(b"not a region" * 1000)
    with pytest.raises(SharedRegionError, match="not a seawall region"):
        SharedRegion(region_name)
    assert isinstance(SharedRegionError("x"), seawall.SeawallError)


def _take(name: str, n: int, q: "mp.Queue[int]") -> None:
    tb = TokenBucket(0.001, 100, region=SharedRegion(name), name="shared")
    q.put(sum(1 for _ in range(n) if tb.try_acquire()))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_share_one_limit(region_name: str, method: str) -> None:
    ctx = mp.get_context(method)
    q: "mp.Queue[int]" = ctx.Queue()
    procs = [ctx.Process(target=_take, args=(region_name, 40, q)) for _ in range(4)]
    for p in procs:
        p.start()
    granted = sum(q.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    # 160 asked, 100 in the bucket: one bucket, not four.
    assert granted == 100


def _trip(name: str) -> None:
    cb = CircuitBreaker(
        failure_rate_threshold=0.5, minimum_number_of_calls=1, window_size=1, region=SharedRegion(name), name="dep"
    )
    p = cb.acquire()
    p.failure()


def test_a_breaker_opened_by_a_child_rejects_here_and_listeners_fire_once(region_name: str) -> None:
    cb = CircuitBreaker(
        failure_rate_threshold=0.5, minimum_number_of_calls=1, window_size=1, region=SharedRegion(region_name), name="dep"
    )
    heard: "list[tuple[str, str]]" = []
    cb.on_state_change(lambda a, b: heard.append((a, b)))
    p = mp.get_context("spawn").Process(target=_trip, args=(region_name,))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert cb.try_acquire() is None
    assert cb.state == "open"
    assert heard == [("closed", "open")]


def _hold(name: str, ready: "mp.Event") -> None:
    bh = Bulkhead(2, region=SharedRegion(name), name="bh")
    p = bh.try_acquire()
    assert p is not None
    ready.set()
    time.sleep(60)


def test_permits_of_a_killed_worker_come_back(region_name: str) -> None:
    bh = Bulkhead(2, region=SharedRegion(region_name), name="bh")
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    child = ctx.Process(target=_hold, args=(region_name, ready))
    child.start()
    assert ready.wait(60)
    mine = bh.try_acquire()
    assert mine is not None
    assert bh.try_acquire() is None
    child.kill()
    child.join(60)
    deadline = time.monotonic() + 2.0
    got = None
    while got is None and time.monotonic() < deadline:
        got = bh.try_acquire()
        if got is None:
            time.sleep(0.005)
    assert got is not None, "the dead worker's permit did not come back"
    got.release()
    mine.release()


def test_one_limit_across_gunicorn_workers(region_name: str) -> None:
    """A real pre-fork server: 4 gunicorn workers, one bucket of 20."""
    import concurrent.futures
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    pytest.importorskip("gunicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, SEAWALL_TEST_REGION=region_name)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", "127.0.0.1:%d" % port, "--chdir", here, "shared_region_app:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = "http://127.0.0.1:%d/" % port

    def get() -> "tuple[int, str]":
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    try:
        # Wait for the workers (each builds the bucket at import).
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            results = list(ex.map(lambda _: get(), range(80)))
    finally:
        server.terminate()
        server.wait(30)
    ok = [pid for status, pid in results if status == 200]
    assert len(ok) == 20, "granted %d of 80 with a limit of 20 across workers" % len(ok)
    assert sum(1 for status, _ in results if status == 429) == 60
    assert len({pid for _, pid in results}) >= 2, "one worker served everything"


def _per_user(name: str, q: "mp.Queue[int]") -> None:
    per_user = seawall.KeyedSlidingWindow(5, 60.0, max_keys=1000, region=SharedRegion(name), name="per-user")
    q.put(sum(1 for _ in range(10) if per_user.try_acquire("alice")))


def test_100_per_minute_per_user_holds_across_processes(region_name: str) -> None:
    """The issue's case: a per-user limit is one limit for all workers."""
    ctx = mp.get_context("spawn")
    q: "mp.Queue[int]" = ctx.Queue()
    procs = [ctx.Process(target=_per_user, args=(region_name, q)) for _ in range(4)]
    for p in procs:
        p.start()
    granted = sum(q.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert granted == 5
    here = seawall.KeyedSlidingWindow(5, 60.0, max_keys=1000, region=SharedRegion(region_name), name="per-user")
    assert not here.try_acquire("alice")
    assert here.try_acquire("bob")


def test_sliding_window_and_retry_budget_in_a_region(region_name: str) -> None:
    r = SharedRegion(region_name)
    a = seawall.SlidingWindowLimiter(3, 60.0, region=r, name="sw")
    b = seawall.SlidingWindowLimiter(3, 60.0, region=r, name="sw")
    assert a.try_acquire(2) and not b.try_acquire(2) and b.try_acquire(1)
    x = seawall.RetryBudget(4, 0.5, region=r, name="rb")
    y = seawall.RetryBudget(4, 0.5, region=r, name="rb")
    assert x.try_retry() and not y.try_retry()
    with pytest.raises(ConfigError) as e:
        seawall.RetryBudget(4, 0.25, region=r, name="rb")
    assert e.value.field == "token_ratio"


def _take_inherited(region: SharedRegion, go: "mp.Event", q: "mp.Queue[int]") -> None:
    go.wait(60)
    tb = TokenBucket(0.001, 100, region=region, name="inherited")
    q.put(sum(1 for _ in range(40) if tb.try_acquire()))


def test_workers_forked_after_opening_create_one_primitive(region_name: str) -> None:
    """A pre-fork master opens the region; its forked workers build the
    bucket at once from the inherited object: still one bucket."""
    region = SharedRegion(region_name)
    ctx = mp.get_context("fork")
    go = ctx.Event()
    q: "mp.Queue[int]" = ctx.Queue()
    procs = [ctx.Process(target=_take_inherited, args=(region, go, q)) for _ in range(8)]
    for p in procs:
        p.start()
    go.set()
    granted = sum(q.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert granted == 100


def test_an_idle_breaker_hears_transitions_through_a_watcher(region_name: str) -> None:
    r = SharedRegion(region_name)
    kw = dict(failure_rate_threshold=0.5, minimum_number_of_calls=1, window_size=1, region=r, name="dep")
    a = CircuitBreaker(**kw)  # type: ignore[arg-type]
    b = CircuitBreaker(**kw)  # type: ignore[arg-type]
    c = CircuitBreaker(**kw)  # type: ignore[arg-type]
    heard_b: "list[tuple[str, str]]" = []
    heard_c: "list[tuple[str, str]]" = []
    b.on_state_change(lambda x, y: heard_b.append((x, y)))
    c.on_state_change(lambda x, y: heard_c.append((x, y)))
    watcher = c.watch_transitions(0.005)
    a.acquire().failure()
    assert heard_b == []
    b.poll_transitions()
    b.poll_transitions()
    assert heard_b == [("closed", "open")]
    deadline = time.monotonic() + 5
    while not heard_c and time.monotonic() < deadline:
        time.sleep(0.01)
    watcher.stop()
    watcher.stop()
    assert heard_c == [("closed", "open")]

"""Accuracy across processes and languages (spec/redis.md, "Accuracy
bound"): Python processes (4 threads each) and Node processes (4 async
loops each) take from one key of one Redis sliding window at the same time
for a few seconds; all their grants together stay within the bound (no
interval of `window` holds more than `limit` grants, so a run of D seconds
grants at most limit * ceil(D / window)). The Node part runs when the Node
addon is built (make test builds it before the Python suite)."""

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
NODE_ADDON = ROOT / "bindings-node"
SECS = float(os.environ.get("SEAWALL_ACCURACY_SECS", "3"))
LIMIT, WINDOW = 100, 0.5

PY_WORKER = textwrap.dedent(
    """
    import sys, threading, time, seawall
    url, secs = sys.argv[1], float(sys.argv[2])
    b = seawall.RedisBackend(url, deadline=2.0, on_failure="closed")
    l = seawall.RedisSlidingWindow(%d, %r, buckets=10, backend=b, name="mixed")
    counts = [0] * 4
    def run(i):
        stop = time.monotonic() + secs
        while time.monotonic() < stop:
            if l.try_acquire("one-key"):
                counts[i] += 1
    ts = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print(sum(counts), l.metrics()["fallbacks"])
    """
    % (LIMIT, WINDOW)
)

NODE_WORKER = textwrap.dedent(
    """
    const seawall = require(process.argv[1])
    const [url, secs] = [process.argv[2], Number(process.argv[3])]
    const backend = new seawall.RedisBackend({ url, deadlineMs: 2000, onFailure: 'closed' })
    const l = new seawall.RedisSlidingWindow({ backend, name: 'mixed', limit: %d, windowMs: %d, buckets: 10 })
    let n = 0
    const stop = Date.now() + secs * 1000
    Promise.all([0, 1, 2, 3].map(async () => {
      while (Date.now() < stop) if (await l.tryAcquire('one-key')) n++
    })).then(() => console.log(n, l.metrics().backend.fallbacks))
    """
    % (LIMIT, int(WINDOW * 1000))
)


def node_ready() -> bool:
    return shutil.which("node") is not None and any(NODE_ADDON.glob("*.node"))


def test_python_and_node_processes_on_one_key_stay_within_the_bound():
    server = RedisServer()
    try:
        procs = []
        t0 = time.monotonic()
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-c", PY_WORKER, server.url, str(SECS)],
                                          stdout=subprocess.PIPE, text=True))
        if node_ready():
            for _ in range(2):
                procs.append(subprocess.Popen(["node", "-e", NODE_WORKER, str(NODE_ADDON), server.url, str(SECS)],
                                              stdout=subprocess.PIPE, text=True))
        elif os.environ.get("SEAWALL_REQUIRE_REDIS") == "1" and shutil.which("node"):
            pytest.fail("the Node addon is not built (make -C bindings-node build)")
        total = 0
        for p in procs:
            out, _ = p.communicate(timeout=SECS + 60)
            assert p.returncode == 0, out
            granted, fallbacks = map(int, out.split())
            assert fallbacks == 0, "every decision came from Redis"
            total += granted
        wall = time.monotonic() - t0
        bound = LIMIT * math.ceil(wall / WINDOW)
        print(f"{len(procs)} processes: {total} granted in {wall:.2f}s, bound {bound}")
        assert total <= bound
        assert total >= LIMIT * math.floor(SECS / WINDOW) / 2, "a limiter, not a wall"
    finally:
        server.stop()

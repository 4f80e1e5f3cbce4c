"""Redis-backed rate limiting from Python, side by side against one local
Redis: seawall (RedisSlidingWindow, RedisTokenBucket) next to `limits`
(RedisStorage, moving window and fixed window). Decisions per second at
concurrency 1 (one thread) and 64 (64 threads), and the Redis commands a
decision sends (MONITOR, script-internal commands excluded).

Run by benches/redis/run.sh (which starts the Redis); prints one JSON
object per line. Not a test.
"""

import json
import os
import socket
import statistics
import sys
import threading
import time

import limits
import seawall
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

URL = sys.argv[1]
PORT = URL.rsplit(":", 1)[1].split("/")[0]
KEYS = [f"user-{i}" for i in range(1000)]
LIMIT, WINDOW = 100, 1.0


def seawall_window():
    b = seawall.RedisBackend(URL, deadline=1.0, on_failure="closed")
    l = seawall.RedisSlidingWindow(LIMIT, WINDOW, backend=b, name="bench-sw")
    return lambda k: l.try_acquire(k)


def seawall_bucket():
    b = seawall.RedisBackend(URL, deadline=1.0, on_failure="closed")
    l = seawall.RedisTokenBucket(LIMIT / WINDOW, LIMIT, backend=b, name="bench-tb")
    return lambda k: l.try_acquire(k)


def limits_moving():
    s = RedisStorage(URL)
    rl = MovingWindowRateLimiter(s)
    item = limits.RateLimitItemPerSecond(LIMIT)
    return lambda k: rl.hit(item, k)


def limits_fixed():
    s = RedisStorage(URL)
    rl = FixedWindowRateLimiter(s)
    item = limits.RateLimitItemPerSecond(LIMIT)
    return lambda k: rl.hit(item, k)


CASES = [
    ("seawall", "sliding window (RedisSlidingWindow)", seawall_window),
    ("seawall", "token bucket (RedisTokenBucket)", seawall_bucket),
    ("limits 5.8", "moving window (RedisStorage)", limits_moving),
    ("limits 5.8", "fixed window (RedisStorage)", limits_fixed),
]


def rate(decide, threads, secs):
    stop = time.monotonic() + secs
    counts = [0] * threads

    def run(t):
        i, n = t, 0
        while time.monotonic() < stop:
            for _ in range(64):
                decide(KEYS[i % len(KEYS)])
                i += 7
                n += 1
        counts[t] = n

    ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def commands_per_decision(decide, n=200):
    """Client commands (MONITOR lines not run by a script) per decision."""
    mon = socket.create_connection(("127.0.0.1", int(PORT)))
    mon.sendall(b"MONITOR\r\n")
    buf = b""
    while b"+OK\r\n" not in buf:
        buf += mon.recv(4096)
    buf = buf.split(b"+OK\r\n", 1)[1]
    for i in range(n):
        decide(KEYS[i % len(KEYS)])
    # A marker after the last decision: everything before it is ours.
    marker = socket.create_connection(("127.0.0.1", int(PORT)))
    marker.sendall(b"ECHO bench-marker\r\n")
    marker.recv(64)
    marker.close()
    while b"bench-marker" not in buf:
        buf += mon.recv(65536)
    mon.close()
    lines = [l for l in buf.split(b"\r\n") if l.startswith(b"+") and b"lua]" not in l and b"bench-marker" not in l]
    return len(lines) / n


# Interleaved: each round gives every case one short batch in turn, so
# all cases see the same machine load; a case's figure is its median batch.
BATCH = float(os.environ.get("BENCH_BATCH_SECS", "0.5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
deciders = []
for idx, (lib, variant, make) in enumerate(CASES):
    inner = make()
    prefix = f"case{idx}:"  # the moving and fixed windows of limits would share keys

    def decide(k, inner=inner, prefix=prefix):
        return inner(prefix + k)

    for k in KEYS[:50]:
        decide(k)  # connect, load scripts
    deciders.append((lib, variant, decide, commands_per_decision(decide)))

for conc in (1, 64):
    got = {i: [] for i in range(len(deciders))}
    for _ in range(ROUNDS):
        for i, (_, _, decide, _) in enumerate(deciders):
            got[i].append(rate(decide, conc, BATCH))
    for i, (lib, variant, _, cpd) in enumerate(deciders):
        print(json.dumps({"lang": "python", "lib": lib, "variant": variant, "concurrency": conc,
                          "decisions_per_sec": round(statistics.median(got[i])),
                          "commands_per_decision": round(cpd, 2)}), flush=True)

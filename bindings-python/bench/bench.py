"""seawall next to the peers a Python user would otherwise pick, in one run.

Not a test: `make bench-python` runs it and prints a Markdown table (the one
recorded in bindings-python/BENCHMARKS.md). Each row times the same scenario
through seawall and through a peer: best of REPEATS runs of timeit's
autorange, in nanoseconds per operation, on this process's interpreter.
"""

from __future__ import annotations

import argparse
import platform
import sys
import threading
import timeit
from typing import Callable, Dict, List, Optional, Tuple

import seawall

REPEATS = 5


def per_op_ns(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    t = timeit.Timer(fn)
    number, _ = t.autorange()
    number = max(number, 1000)
    best = min(t.repeat(repeat=repeats, number=number))
    return best / number * 1e9


class Row:
    def __init__(self, name: str, peer: str, target: float, ours: Optional[Callable[[], object]], theirs: Callable[[], object]):
        self.name, self.peer, self.target, self.ours, self.theirs = name, peer, target, ours, theirs


def rows() -> List[Row]:
    out: List[Row] = []

    # --- circuit breaker: a protected trivial call -------------------------
    import circuitbreaker
    import pybreaker

    def trivial() -> int:
        return 1

    pb = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)
    pb_call = pb(trivial)

    cb_call = circuitbreaker.circuit(failure_threshold=5, recovery_timeout=30)(trivial)

    ours_cb: Optional[Callable[[], object]] = None
    if hasattr(seawall, "CircuitBreaker"):
        br = seawall.CircuitBreaker()
        ours_cb = br(trivial)
    out.append(Row("breaker-protected trivial call", "pybreaker", 10, ours_cb, pb_call))
    out.append(Row("breaker-protected trivial call", "circuitbreaker", 4, ours_cb, cb_call))

    # --- rate limiter: try_acquire on a limit never reached ----------------
    from limits import RateLimitItemPerSecond
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    lim = FixedWindowRateLimiter(MemoryStorage())
    item = RateLimitItemPerSecond(10**12)

    def limits_hit() -> object:
        return lim.hit(item, "bench")

    ours_rl: Optional[Callable[[], object]] = None
    if hasattr(seawall, "TokenBucket"):
        tb = seawall.TokenBucket(rate_per_sec=1e9, burst=10**9)
        ours_rl = tb.try_acquire
    out.append(Row("rate-limit try_acquire", "limits (fixed window, memory)", 30, ours_rl, limits_hit))

    # --- bulkhead: enter/exit ------------------------------------------------
    sem = threading.BoundedSemaphore(10)

    def sem_with() -> None:
        with sem:
            pass

    ours_bh: Optional[Callable[[], object]] = None
    if hasattr(seawall, "Bulkhead"):
        bh = seawall.Bulkhead(max_concurrent=10)

        def bh_with() -> None:
            with bh:
                pass

        ours_bh = bh_with
    out.append(Row("`with bulkhead:`", "threading.BoundedSemaphore", 5, ours_bh, sem_with))

    # --- backoff: a 10-step jittered schedule --------------------------------
    import tenacity

    wait = tenacity.wait_random_exponential(multiplier=0.1, max=10)
    states = []
    for k in range(1, 11):
        rs = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        rs.attempt_number = k
        states.append(rs)

    def tenacity_waits() -> float:
        s = 0.0
        for rs in states:
            s += wait(rs)
        return s

    ours_bo: Optional[Callable[[], object]] = None
    if hasattr(seawall, "Backoff"):
        bo = seawall.Backoff("exponential", base=0.1, max_delay=10.0, jitter="full", max_attempts=11, seed=1)

        def seawall_waits() -> object:
            return bo.delays(10)

        ours_bo = seawall_waits
    out.append(Row("10-step jittered backoff", "tenacity wait_random_exponential", 10, ours_bo, tenacity_waits))

    # --- retry: a wrapped call that succeeds first time ----------------------
    t_retry = tenacity.retry(stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_random_exponential())(trivial)
    ours_rt: Optional[Callable[[], object]] = None
    if hasattr(seawall, "Retry"):
        ours_rt = seawall.Retry(max_attempts=3)(trivial)
    out.append(Row("retry-wrapped call, succeeds first time", "tenacity @retry", 20, ours_rt, t_retry))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one repeat (smoke run)")
    args = ap.parse_args()
    reps = 1 if args.quick else REPEATS
    print(f"seawall {seawall.__version__} · Python {platform.python_version()} ({sys.implementation.name}) · {platform.machine()}")
    print()
    print("| scenario | peer | seawall ns/op | peer ns/op | speed-up | target | met |")
    print("|---|---|---:|---:|---:|---:|:-:|")
    missing = 0
    cache: Dict[int, float] = {}
    for r in rows():
        theirs = per_op_ns(r.theirs, reps)
        if r.ours is None:
            missing += 1
            print(f"| {r.name} | {r.peer} | (not wrapped yet) | {theirs:,.0f} | – | ≥{r.target:g}× | – |")
            continue
        key = id(r.ours)
        if key not in cache:
            cache[key] = per_op_ns(r.ours, reps)
        ours = cache[key]
        ratio = theirs / ours
        print(f"| {r.name} | {r.peer} | {ours:,.0f} | {theirs:,.0f} | {ratio:,.1f}× | ≥{r.target:g}× | {'yes' if ratio >= r.target else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

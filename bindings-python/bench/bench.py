"""seawall next to the peers a Python user would otherwise pick, in one run.

Not a test: `make bench-python` runs it and prints a Markdown table (the one
recorded in bindings-python/BENCHMARKS.md). Each row times the same scenario
through seawall and through a peer: best of REPEATS runs of timeit's
autorange, in nanoseconds per operation, in this process's interpreter.
Rows are measured interleaved (seawall, peer, seawall, ...) so load from
elsewhere on the machine hits both sides alike.
"""

from __future__ import annotations

import argparse
import platform
import sys
import threading
import timeit
from typing import Any, Callable, Dict, List, Tuple, Union

import seawall

REPEATS = 7

Op = Union[Callable[[], object], Tuple[str, Dict[str, Any]]]


def timer(op: Op) -> timeit.Timer:
    """A timer for a callable, or for a statement `(stmt, globals)` (used
    where the scenario is a statement, like a `with` block)."""
    return timeit.Timer(op) if callable(op) else timeit.Timer(op[0], globals=op[1])


def measure(ours: Op, theirs: Op, repeats: int) -> Tuple[float, float]:
    """Best ns/op of each side, measured in alternation."""
    to, tt = timer(ours), timer(theirs)
    no = max(to.autorange()[0], 1000)
    nt = max(tt.autorange()[0], 1000)
    best_o = best_t = float("inf")
    for _ in range(repeats):
        best_o = min(best_o, to.timeit(no) / no * 1e9)
        best_t = min(best_t, tt.timeit(nt) / nt * 1e9)
    return best_o, best_t


class Row:
    def __init__(self, name: str, peer: str, target: float, ours: Op, theirs: Op) -> None:
        self.name, self.peer, self.target, self.ours, self.theirs = name, peer, target, ours, theirs


def trivial() -> int:
    return 1


def rows() -> List[Row]:
    import circuitbreaker
    import pybreaker
    import tenacity
    from limits import RateLimitItemPerSecond
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    out: List[Row] = []

    # -- circuit breaker: a protected trivial call (closed breaker) ----------
    ours_cb = seawall.CircuitBreaker()(trivial)
    pb_call = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)(trivial)
    cb_call = circuitbreaker.circuit(failure_threshold=5, recovery_timeout=30)(trivial)
    out.append(Row("breaker-protected trivial call", "pybreaker 1.4", 10, ours_cb, pb_call))
    out.append(Row("breaker-protected trivial call", "circuitbreaker 2.1", 4, ours_cb, cb_call))

    # -- rate limiter: try_acquire on a limit that is never reached ----------
    tb = seawall.TokenBucket(rate_per_sec=1e9, burst=10**9)
    lim = FixedWindowRateLimiter(MemoryStorage())
    item = RateLimitItemPerSecond(10**12)
    out.append(Row("rate-limit try_acquire (allowed)", "limits 5.8 (fixed window, memory)", 30,
                   tb.try_acquire, lambda: lim.hit(item, "bench")))

    # -- bulkhead: the `with` statement itself ---------------------------------
    bh = seawall.Bulkhead(max_concurrent=10)
    sem = threading.BoundedSemaphore(10)
    out.append(Row("`with bulkhead:` (enter + exit)", "threading.BoundedSemaphore", 5,
                   ("with bh: pass", {"bh": bh}), ("with sem: pass", {"sem": sem})))

    # -- backoff: the delays of a 10-step jittered schedule --------------------
    bo = seawall.Backoff("exponential", base=0.1, max_delay=10.0, jitter="full", max_attempts=11, seed=1)
    wait = tenacity.wait_random_exponential(multiplier=0.1, max=10)
    states = []
    for k in range(1, 11):
        rs = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        rs.attempt_number = k
        states.append(rs)

    def tenacity_waits() -> List[float]:
        return [wait(rs) for rs in states]

    out.append(Row("10-step jittered backoff (all 10 delays)", "tenacity 9.2 wait_random_exponential", 10,
                   lambda: bo.delays(10), tenacity_waits))

    # -- issue 17: the forms users write -----------------------------------------
    # `with breaker:` around a call (circuitbreaker's `with` records the
    # outcome; it checks no state on entry).
    cb_with = seawall.CircuitBreaker()
    cbk_with = circuitbreaker.CircuitBreaker(failure_threshold=5, recovery_timeout=30)
    out.append(Row("`with breaker:` around a call", "circuitbreaker 2.1", 1,
                   ("with cb: f()", {"cb": cb_with, "f": trivial}),
                   ("with cb: f()", {"cb": cbk_with, "f": trivial})))

    # A rejected call on an open breaker, the exception caught.
    cb_open = seawall.CircuitBreaker()
    cb_open.force_open()
    ours_rej = cb_open(trivial)
    cbk_open = circuitbreaker.CircuitBreaker(failure_threshold=1, recovery_timeout=3600)

    def boom() -> None:
        raise RuntimeError("boom")

    theirs_rej = cbk_open(trivial)
    try:
        cbk_open(boom)()
    except RuntimeError:
        pass
    out.append(Row("rejected call on an open breaker, exception caught", "circuitbreaker 2.1", 1,
                   ("try:\n    f()\nexcept E:\n    pass", {"f": ours_rej, "E": seawall.CircuitOpenError}),
                   ("try:\n    f()\nexcept E:\n    pass", {"f": theirs_rej, "E": circuitbreaker.CircuitBreakerError})))

    # `with bulkhead:` when full, the exception caught, vs a non-blocking
    # acquire that fails (returns False: no exception at all).
    bh_full = seawall.Bulkhead(max_concurrent=1)
    held = bh_full.acquire()
    sem_full = threading.BoundedSemaphore(1)
    sem_full.acquire()
    out.append(Row("`with bulkhead:` when full, exception caught", "BoundedSemaphore.acquire(False)", 1,
                   ("try:\n    with bh:\n        pass\nexcept E:\n    pass",
                    {"bh": bh_full, "E": seawall.BulkheadFullError, "held": held}),
                   ("sem.acquire(False)", {"sem": sem_full})))

    # The same rejection from a bare raise of a builtin exception: the floor
    # a raised-and-caught rejection can reach.
    out.append(Row("floor: raise + catch a builtin exception", "(reference: seawall rejection above)", 0,
                   ("try:\n    raise E\nexcept E:\n    pass", {"E": ValueError}),
                   ("try:\n    f()\nexcept E:\n    pass", {"f": ours_rej, "E": seawall.CircuitOpenError})))

    # -- retry: a wrapped call that succeeds the first time ---------------------
    ours_rt = seawall.Retry(max_attempts=3)(trivial)
    t_retry = tenacity.retry(stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_random_exponential())(trivial)
    out.append(Row("retry-wrapped call, succeeds first time", "tenacity 9.2 @retry", 20, ours_rt, t_retry))
    return out


def async_rows(reps: int) -> None:
    """The async decorator next to a bare awaited call (the baseline loop)
    and circuitbreaker's async decorator, in one event loop, interleaved."""
    import asyncio

    import circuitbreaker

    async def f() -> int:
        return 1

    ours = seawall.CircuitBreaker()(f)
    theirs = circuitbreaker.CircuitBreaker(failure_threshold=5, recovery_timeout=30)(f)
    n = 20_000

    async def loop(fn: Callable[[], Any]) -> float:
        t = timeit.default_timer()
        for _ in range(n):
            await fn()
        return (timeit.default_timer() - t) / n * 1e9

    async def run() -> Tuple[float, float, float]:
        best = [float("inf")] * 3
        for _ in range(reps):
            for i, fn in enumerate((f, ours, theirs)):
                best[i] = min(best[i], await loop(fn))
        return best[0], best[1], best[2]

    base, o, t = asyncio.run(run())
    print("| async scenario | seawall ns/op | baseline (bare `await f()`) | seawall ÷ baseline | goal | "
          "circuitbreaker 2.1 | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| `@breaker` on an `async def`, awaited | {o:,.0f} | {base:,.0f} | {o / base:.2f}× | ≤1.5× | "
          f"{t:,.0f} | {t / o:.1f}× |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="two repeats (smoke run)")
    args = ap.parse_args()
    reps = 2 if args.quick else REPEATS
    print(f"seawall {seawall.__version__} · CPython {platform.python_version()} · {platform.machine()} · "
          f"best of {reps} × timeit autorange, interleaved")
    print()
    print("| scenario | peer | seawall ns/op | peer ns/op | speed-up | target | met |")
    print("|---|---|---:|---:|---:|---:|:-:|")
    missed = 0
    for r in rows():
        ours, theirs = measure(r.ours, r.theirs, reps)
        ratio = theirs / ours
        ok = ratio >= r.target
        missed += not ok
        print(f"| {r.name} | {r.peer} | {ours:,.0f} | {theirs:,.0f} | {ratio:,.1f}× | ≥{r.target:g}× | "
              f"{'yes' if ok else 'NO'} |", flush=True)
    print()
    print("all targets met" if not missed else f"{missed} target(s) missed")
    print()
    async_rows(reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())

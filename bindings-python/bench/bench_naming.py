"""Naming costs nothing per call: the hot paths of an unnamed and a named
(registered, labelled) instance, timed in alternating batches in one
process (A B B A ...), median ns/op of each and their ratio.

    .venv/bin/python bench/bench_naming.py
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Dict, List

import seawall

BATCH = 20_000
ROUNDS = 40


def ok() -> int:
    return 1


def ops(make: Callable[[Dict[str, Any]], Any]) -> Dict[str, Callable[[int], None]]:
    out = {}
    for label, kw in (("unnamed", {}), ("named", {"name": "bench", "labels": {"dependency": "bench"}, "registry": seawall.metrics.Registry()})):
        out[label] = make(kw)
    return out


def breaker(kw: Dict[str, Any]) -> Callable[[int], None]:
    cb = seawall.CircuitBreaker(**kw)
    call = cb.call

    def run(n: int) -> None:
        for _ in range(n):
            call(ok)

    run.keep = cb  # type: ignore[attr-defined]
    return run


def limiter(kw: Dict[str, Any]) -> Callable[[int], None]:
    tb = seawall.TokenBucket(1e9, 1_000_000, **kw)
    acq = tb.try_acquire

    def run(n: int) -> None:
        for _ in range(n):
            acq()

    run.keep = tb  # type: ignore[attr-defined]
    return run


def bulkhead(kw: Dict[str, Any]) -> Callable[[int], None]:
    bh = seawall.Bulkhead(64, **kw)
    acq = bh.try_acquire

    def run(n: int) -> None:
        for _ in range(n):
            p = acq()
            if p is not None:
                p.release()

    run.keep = bh  # type: ignore[attr-defined]
    return run


def main() -> None:
    print(f"{'op':<34} {'unnamed ns':>10} {'named ns':>10} {'ratio':>6}")
    for name, make in (("breaker.call(fn)", breaker), ("token_bucket.try_acquire()", limiter), ("bulkhead.try_acquire()+release()", bulkhead)):
        fns = ops(make)
        times: Dict[str, List[float]] = {"unnamed": [], "named": []}
        order = ["unnamed", "named"]
        for r in range(ROUNDS):
            for label in order if r % 2 == 0 else order[::-1]:
                t0 = time.perf_counter_ns()
                fns[label](BATCH)
                times[label].append((time.perf_counter_ns() - t0) / BATCH)
        a, b = statistics.median(times["unnamed"]), statistics.median(times["named"])
        print(f"{name:<34} {a:>10.1f} {b:>10.1f} {b / a:>6.2f}")


if __name__ == "__main__":
    main()

"""Two (or more) builds of seawall side by side: the breaker refusal and
the forms next to it, timed in each venv in turn.

    python3 bench/ab_wheels.py ROUNDS VENV [VENV ...]

Each round runs every venv's python once (the order flipped every other
round, so both see the same machine load); a run times each form with
timeit, best of 7 x 200 000 calls. Prints every round, then per form and
venv the median and range of the rounds. Only the standard library and
seawall are needed in the venvs (install a wheel with `pip install
--no-deps`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import timeit

N = 200_000


def forms() -> dict:
    import seawall

    def trivial() -> int:
        return 1

    cb_open = seawall.CircuitBreaker()
    cb_open.force_open()
    cb_ok = seawall.CircuitBreaker()
    tb = seawall.TokenBucket(1.0, 1)
    tb.try_acquire()
    return {
        "decorator on an open breaker, caught": (
            "try:\n    f()\nexcept E:\n    pass",
            {"f": cb_open(trivial), "E": seawall.CircuitOpenError},
        ),
        "`with breaker:` on an open breaker, caught": (
            "try:\n    with cb:\n        f()\nexcept E:\n    pass",
            {"cb": cb_open, "f": trivial, "E": seawall.CircuitOpenError},
        ),
        "`with breaker:` around a call, admitted": ("with cb:\n    f()", {"cb": cb_ok, "f": trivial}),
        "token bucket try_acquire, denied": ("tb.try_acquire()", {"tb": tb}),
    }


def child() -> None:
    out = {}
    for name, (stmt, g) in forms().items():
        t = timeit.Timer(stmt, globals=g)
        out[name] = min(t.repeat(repeat=7, number=N)) / N * 1e9
    print(json.dumps(out))


def main(rounds: int, venvs: list) -> None:
    res: dict = {v: [] for v in venvs}
    for r in range(rounds):
        for v in venvs if r % 2 == 0 else list(reversed(venvs)):
            out = subprocess.run(
                [f"{v}/bin/python", os.path.abspath(__file__), "--child"], capture_output=True, text=True, check=True, cwd="/"
            ).stdout
            res[v].append(json.loads(out))
            print(r, v, {k: round(x, 1) for k, x in res[v][-1].items()}, flush=True)
    for form in res[venvs[0]][0]:
        print(form)
        for v in venvs:
            xs = [d[form] for d in res[v]]
            print(f"   {v:40s} median {statistics.median(xs):6.1f}  range {min(xs):6.1f}-{max(xs):6.1f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        main(int(sys.argv[1]), sys.argv[2:])

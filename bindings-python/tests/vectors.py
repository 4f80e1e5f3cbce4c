"""Runs spec/vectors/**.json through the Python API.

Mirrors tests/src/lib.rs: the same matcher (expect keys are a subset; ints
exact, floats within a relative 1e-9), the same clock ops (advance,
set_time), the same error output object. One runner per primitive lives in
runners.py and mirrors tests/src/runners/<primitive>.rs. A primitive without
a runner here FAILS its vectors (it is a gap, not a skip).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Tuple

import seawall

HERE = Path(__file__).resolve().parent
VECTORS = Path(os.environ.get("SEAWALL_VECTORS", HERE.parent.parent / "spec" / "vectors"))


def vector_files() -> List[Path]:
    if not VECTORS.is_dir():
        return []
    return sorted(p for p in VECTORS.rglob("*.json"))


def scenarios() -> List[Tuple[str, str, Dict[str, Any]]]:
    """(test id, primitive, scenario) for every scenario of every file."""
    out = []
    for f in vector_files():
        doc = json.loads(f.read_text())
        prim = doc.get("primitive", "<none>")
        scs = doc.get("scenarios") or []
        if not scs:
            out.append((f"{f.relative_to(VECTORS)}::<no scenarios>", prim, {"name": "<no scenarios>", "_bad": True}))
        for i, sc in enumerate(scs):
            out.append((f"{f.relative_to(VECTORS)}::{i}:{sc.get('name', '')}", prim, sc))
    return out


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    x, y = float(a), float(b)
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0)


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(matches(x, y) for x, y in zip(expected, actual))
    if _is_num(expected) and _is_num(actual):
        return numbers_equal(expected, actual)
    if type(expected) is not type(actual) and not (_is_num(expected) and _is_num(actual)):
        return False
    return bool(expected == actual)


def ns(seconds: float | None) -> int | None:
    """Float seconds from the Python API → integer ns for comparison.

    The Python API reports durations in float seconds; the runners read the
    exact integer ns where the API offers it (``*_ns`` attributes) and fall
    back to rounding seconds only where it does not.
    """
    if seconds is None:
        return None
    return round(seconds * 1e9)


def error_value(e: BaseException) -> Dict[str, Any]:
    """The error output object, as tests/src/lib.rs::error_value builds it."""
    if isinstance(e, seawall.SeawallError):
        out: Dict[str, Any] = {"error": e.kind}
        if e.field is not None:
            out["field"] = e.field
        ra_ns = getattr(e, "retry_after_ns", None)
        if ra_ns is not None:
            out["retry_after_ns"] = ra_ns
        elif e.retry_after is not None:
            out["retry_after_ns"] = ns(e.retry_after)
        return out
    raise e


class RunnerError(Exception):
    pass


def check_scenario(primitive: str, sc: Dict[str, Any]) -> None:
    from runners import RUNNERS

    name = sc.get("name", "<unnamed>")
    if sc.get("_bad"):
        raise AssertionError(f"{name}: vector file has no scenarios")
    build = RUNNERS.get(primitive)
    if build is None:
        raise AssertionError(f"primitive {primitive!r} has no Python runner yet (binding gap)")
    clock = seawall.ManualClock(start_ns=sc.get("start_ns", 0))
    config = sc.get("config") or {}
    try:
        subject = build(config, clock)
        built_err = None
    except seawall.SeawallError as e:
        subject, built_err = None, error_value(e)
    want_err = sc.get("expect_error")
    if want_err is not None:
        assert built_err is not None, f"{name}: expected construction error {want_err}, got success"
        assert matches(want_err, built_err), f"{name}: construction error {built_err} does not match {want_err}"
        return
    assert built_err is None, f"{name}: construction failed: {built_err}"
    for i, step in enumerate(sc.get("steps") or []):
        op = step.get("op")
        assert op, f"{name}: step {i} has no op"
        if op == "advance":
            clock.advance_ns(step["ns"])
            out: Dict[str, Any] = {}
        elif op == "set_time":
            clock.set_ns(step["ns"])
            out = {}
        else:
            try:
                out = subject.step(op, step, clock)
            except RunnerError as e:
                raise AssertionError(f"{name}: step {i} ({op}): {e}") from None
        want = step.get("expect")
        if want is not None:
            assert matches(want, out), f"{name}: step {i} ({op}): expected {want}, got {out}"

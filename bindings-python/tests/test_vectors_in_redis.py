"""The token-bucket and sliding-window vectors against a real redis-server
through the Python API (mirrors tests/tests/redis_vectors.rs): the scripts
run with the test-only time override (``_test_only_decide_at``,
spec/redis.md), so the scenario's clock is theirs. The scenarios the Redis
limiters do not take are skipped, and listed: ``initial_tokens`` (a Redis
key starts full) and the waiting ops (in-memory only)."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest

import seawall
from redis_server import RedisServer
from runners import _decision, _ns_to_secs
from vectors import VECTORS, error_value, matches

OPS = {"try_acquire", "peek", "refund", "metrics", "advance", "set_time"}
FILES = {"token_bucket": "token_bucket/token_bucket.json", "sliding_window": "sliding_window/sliding_window.json"}


@pytest.fixture(scope="module")
def backend() -> Iterator[seawall.RedisBackend]:
    s = RedisServer()
    try:
        yield seawall.RedisBackend(s.url, deadline=5.0, on_failure="closed")
    finally:
        s.stop()


def _params() -> List[Any]:
    out = []
    for prim, f in FILES.items():
        doc = json.loads((VECTORS / f).read_text())
        for i, sc in enumerate(doc["scenarios"]):
            takes = "initial_tokens" not in sc.get("config", {}) and all(
                st.get("op") in OPS for st in sc.get("steps", [])
            )
            marks = [] if takes else [pytest.mark.skip(reason="not a Redis op/config")]
            out.append(pytest.param(prim, i, sc, id=f"{f}::{i}:{sc.get('name', '')}", marks=marks))
    return out


def _build(backend: seawall.RedisBackend, prim: str, idx: int, cfg: Dict[str, Any]) -> Any:
    name = f"py-{prim}-v{idx}"
    if prim == "token_bucket":
        return seawall.RedisTokenBucket(cfg.get("rate_per_sec", 10.0), cfg.get("burst", 10), backend=backend, name=name)
    return seawall.RedisSlidingWindow(
        cfg.get("limit", 100), _ns_to_secs(cfg.get("window_ns", 60_000_000_000)), buckets=cfg.get("buckets"), backend=backend, name=name
    )


@pytest.mark.parametrize("prim,idx,scenario", _params())
def test_vector_in_redis(backend: seawall.RedisBackend, prim: str, idx: int, scenario: Dict[str, Any]) -> None:
    name = scenario.get("name", "?")
    want_err = scenario.get("expect_error")
    try:
        lim = _build(backend, prim, idx, scenario.get("config", {}))
    except seawall.SeawallError as e:
        assert want_err is not None, f"{name}: construction: {e}"
        assert matches(want_err, error_value(e)), f"{name}: expected {want_err}, got {error_value(e)}"
        return
    assert want_err is None, f"{name}: expected {want_err}, built fine"
    key = f"scenario-{idx}"
    now = scenario.get("start_ns", 0)
    for i, st in enumerate(scenario.get("steps", [])):
        op, n = st["op"], st.get("n", 1)
        out: Dict[str, Any]
        if op == "advance":
            now += st.get("ns", 0)
            out = {}
        elif op == "set_time":
            now = st.get("ns", 0)
            out = {}
        elif op == "try_acquire":
            out = _decision(lambda: lim._test_only_decide_at(key, n, "acquire", now))
        elif op == "peek":
            out = _decision(lambda: lim._test_only_decide_at(key, n, "peek", now))
        elif op == "refund":
            lim._test_only_decide_at(key, n, "refund", now)
            out = {}
        else:  # metrics
            d = lim._test_only_decide_at(key, 1, "peek", now)
            m = lim.metrics()
            available = d.remaining + 1 if d.allowed else d.remaining
            out = {"allowed": m["allowed"], "denied": m["denied"], "available": available, "count": lim.limit - available}
        if "expect" in st:
            assert matches(st["expect"], out), f"{name}: step {i} ({op}): expected {st['expect']}, got {out}"


def test_some_vectors_run_in_redis() -> None:
    assert any(not p.marks for p in _params())

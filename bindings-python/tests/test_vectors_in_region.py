"""The vectors of every primitive that can live in a shared region, run
against region-backed instances through the Python API: the same answers,
unchanged (spec/shared_memory.md)."""

from __future__ import annotations

import os
from typing import Any, Iterator, List

import pytest

import runners
import seawall
from vectors import check_scenario, scenarios

IN_REGION = {"token_bucket", "sliding_window", "keyed_limiter", "bulkhead", "circuit_breaker", "retry_budget"}


@pytest.fixture(scope="module")
def region() -> Iterator[seawall.SharedRegion]:
    path = "/dev/shm/seawall-pyvectors-%d" % os.getpid()
    seawall.SharedRegion.remove(path)
    r = seawall.SharedRegion(path, size=256 << 20, slots=8192)
    runners.REGION = r
    try:
        yield r
    finally:
        runners.REGION = None
        seawall.SharedRegion.remove(path)


def _params() -> List[Any]:
    return [pytest.param(prim, sc, id=test_id) for test_id, prim, sc in scenarios() if prim in IN_REGION]


@pytest.mark.parametrize("primitive,scenario", _params())
def test_vector_in_region(region: seawall.SharedRegion, primitive: str, scenario: dict) -> None:
    check_scenario(primitive, scenario)


def test_the_region_runs_really_build_in_the_region(region: seawall.SharedRegion) -> None:
    before = next(runners._SLOT_NAMES)
    check_scenario("token_bucket", {"name": "probe", "config": {"rate_per_sec": 1.0, "burst": 1}, "steps": []})
    assert next(runners._SLOT_NAMES) == before + 2

"""Decorated module-level functions go to worker processes (multiprocessing,
ProcessPoolExecutor), which pickle them by reference like plain functions."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, List

import pytest

import pickled_targets as t

FUNCS: List[Callable[[int], int]] = [t.with_breaker, t.with_bulkhead, t.with_injector, t.with_retry, t.with_fallback]


@pytest.mark.parametrize("fn", FUNCS, ids=lambda f: f.__name__)
def test_pickles_by_reference(fn: Callable[[int], int]) -> None:
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(fn, proto)) is fn


def test_decorated_method_pickles_by_reference() -> None:
    assert pickle.loads(pickle.dumps(t.Service.method)) is t.Service.method
    assert pickle.loads(pickle.dumps(t.Service().method))(1) == 2


def test_a_local_decorated_function_says_why_it_cannot_pickle() -> None:
    @t.breaker
    def local(x: int) -> int:
        return x  # pragma: no cover

    with pytest.raises((pickle.PicklingError, AttributeError)) as ei:
        pickle.dumps(local)
    assert "local" in str(ei.value)


def test_through_a_real_process_pool() -> None:
    # "spawn": the worker imports the module afresh, as on macOS / Windows.
    ctx: Any = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        for fn, factor in zip(FUNCS, (2, 3, 5, 7, 11)):
            assert list(pool.map(fn, [1, 2, 3])) == [factor, 2 * factor, 3 * factor]
        t.breaker.force_open()
        try:
            # The worker's breaker is its own: forcing this one open does not reach it.
            assert list(pool.map(t.breaker_state_here, [0])) == ["closed"]
        finally:
            t.breaker.reset()
    with ctx.Pool(1) as p:
        assert p.map(t.with_breaker, [4, 5]) == [8, 10]

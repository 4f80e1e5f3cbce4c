"""Every scenario of every spec/vectors file, through the Python API."""

from __future__ import annotations

import pytest

from vectors import check_scenario, matches, scenarios, vector_files

ALL = scenarios()


@pytest.mark.parametrize("primitive,scenario", [(p, s) for _, p, s in ALL], ids=[i for i, _, _ in ALL])
def test_vector(primitive: str, scenario: dict) -> None:
    check_scenario(primitive, scenario)


def test_vectors_dir_is_found() -> None:
    # spec/vectors exists in the repo; an empty list here would silently test nothing
    # once primitives land.
    from vectors import VECTORS

    assert VECTORS.parent.is_dir(), VECTORS
    assert isinstance(vector_files(), list)


def test_matcher_mirrors_rust() -> None:
    assert matches({"a": 1}, {"a": 1, "b": 2})
    assert not matches({"a": 1}, {"a": 2})
    assert not matches({"c": 1}, {"a": 1})
    assert matches({"x": 0.5}, {"x": 0.5000000000001})
    assert not matches([1, 2], [1, 2, 3])
    assert not matches({"a": True}, {"a": 1})
    assert matches({"a": 3}, {"a": 3.0})
    assert not matches({"a": 3}, {"a": 4})
    assert matches({"e": "circuit_open"}, {"e": "circuit_open", "x": None})

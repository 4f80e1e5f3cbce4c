"""Exceptions, the error mapping, ManualClock, VERSION, the installed wheel."""

from __future__ import annotations

import builtins
import pickle
from pathlib import Path

import pytest

import seawall
from seawall import _native


def test_version_is_core_version() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "Cargo.toml").read_text()
    assert f'version = "{seawall.__version__}"' in text


def test_one_class_per_core_error_kind() -> None:
    kinds = dict(_native.error_kinds())
    assert list(kinds) == list(range(1, len(kinds) + 1))
    by_kind = {
        c.kind: c
        for c in vars(seawall.errors).values()
        if isinstance(c, type) and issubclass(c, seawall.SeawallError)
    }
    for wire in kinds.values():
        assert wire in by_kind, f"no exception class for core kind {wire}"


def test_hierarchy() -> None:
    assert issubclass(seawall.ConfigError, ValueError)
    assert issubclass(seawall.InvalidArgumentError, ValueError)
    assert issubclass(seawall.ConfigTypeError, TypeError) and seawall.ConfigTypeError.kind == "invalid_config"
    assert issubclass(seawall.ArgumentTypeError, TypeError) and seawall.ArgumentTypeError.kind == "invalid_argument"
    assert issubclass(seawall.TimeoutError, builtins.TimeoutError)
    for c in (
        seawall.ConfigError,
        seawall.CircuitOpenError,
        seawall.RateLimitedError,
        seawall.BulkheadFullError,
        seawall.TimeoutError,
        seawall.RetryError,
        seawall.RetryBudgetExhaustedError,
        seawall.InjectedFaultError,
    ):
        assert issubclass(c, seawall.SeawallError)
    assert "TimeoutError" not in seawall.__all__  # never shadows the builtin via import *


def test_exceptions_pickle() -> None:
    e = seawall.CircuitOpenError("open", retry_after=1.5)
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is seawall.CircuitOpenError and e2.retry_after == 1.5 and str(e2) == "open"
    c = seawall.ConfigError("x bad", field="x")
    assert pickle.loads(pickle.dumps(c)).field == "x"
    r = pickle.loads(pickle.dumps(seawall.RetryError("gave up", attempts=3)))
    assert r.attempts == 3


def test_native_errors_name_field_and_value() -> None:
    with pytest.raises(seawall.ConfigError) as ei:
        _native.check_seconds("open_duration", float("nan"))
    assert ei.value.field == "open_duration"
    assert "open_duration" in str(ei.value) and "NaN" in str(ei.value)
    with pytest.raises(TypeError, match="open_duration must be a number"):
        _native.check_seconds("open_duration", "3")
    with pytest.raises(seawall.InvalidArgumentError) as ai:
        _native.check_count("n", -1, argument=True)
    assert ai.value.field == "n" and "-1" in str(ai.value)


def test_manual_clock() -> None:
    c = seawall.ManualClock()
    assert c.now() == 0.0 and c.now_ns() == 0
    c.advance(1.5)
    assert c.now_ns() == 1_500_000_000
    c.advance_ns(7)
    assert c.now_ns() == 1_500_000_007
    c.set(0.25)
    assert c.now() == 0.25
    c.set_ns(10)
    assert c.now_ns() == 10
    c.sleep(1)
    assert c.now_ns() == 1_000_000_010
    assert seawall.ManualClock(2.0).now() == 2.0
    assert seawall.ManualClock(start_ns=5).now_ns() == 5
    assert "ManualClock" in repr(c)


BAD_SECONDS = [float("nan"), float("inf"), float("-inf"), -1, -0.5, 1e308, 10**30, -(10**30), 2**64]
BAD_TYPES = ["1", b"1", [1], True, False, None, object(), complex(1, 1)]


@pytest.mark.parametrize("v", BAD_SECONDS + BAD_TYPES, ids=repr)
def test_manual_clock_rejects_bad_advance(v: object) -> None:
    c = seawall.ManualClock()
    with pytest.raises((ValueError, TypeError)) as ei:
        c.advance(v)  # type: ignore[arg-type]
    assert "seconds" in str(ei.value)
    assert c.now_ns() == 0


@pytest.mark.parametrize("v", [-1, 2**64, 10**30, 1.5, float("nan"), "1", True, [0]], ids=repr)
def test_manual_clock_rejects_bad_ns(v: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        seawall.ManualClock(start_ns=v)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError)):
        seawall.ManualClock().set_ns(v)  # type: ignore[arg-type]


def test_monotonic_native_matches_time_monotonic() -> None:
    import time

    a = time.monotonic_ns()
    b = _native.monotonic_ns()
    c = time.monotonic_ns()
    assert a <= b <= c

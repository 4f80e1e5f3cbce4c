"""Bad values for the numeric parameters of every constructor.

Each kind lists at least 12 values that must be rejected with ValueError
(ConfigError) or TypeError naming the parameter; none may crash or be
accepted silently.
"""

from __future__ import annotations

from typing import Any, List

NAN = float("nan")
INF = float("inf")

WRONG_TYPES: List[Any] = ["1", b"1", [1], {"v": 1}, object(), complex(1, 1), True, False]
HUGE_INTS: List[Any] = [2**64, 10**30, -(10**30), 10**400]


def seconds(zero_ok: bool, required: bool = False) -> List[Any]:
    """A duration in float seconds (at most 100 years)."""
    v = [NAN, INF, -INF, -1, -0.5, -1e-9, 1e308, 1e12, *HUGE_INTS, *WRONG_TYPES]
    if not zero_ok:
        v += [0, 0.0, -0.0]
    if required:
        v.append(None)
    return v


def count(minimum: int = 1, required: bool = False, maximum: Any = None) -> List[Any]:
    """An int parameter (floats are a TypeError, bools too)."""
    v = [NAN, INF, -INF, -1, 1.5, 1.0, 1e308, 2**64, 10**30, -(10**30), 10**400, *WRONG_TYPES]
    v += list(range(0, minimum))
    if maximum is not None:
        v.append(maximum + 1)
    if required:
        v.append(None)
    return v


def positive_real(required: bool = False, huge_ok: bool = False) -> List[Any]:
    """A finite float > 0."""
    v = [NAN, INF, -INF, -1, -1e-300, 0, 0.0, -0.0, 10**400, -(10**30), *WRONG_TYPES]
    if not huge_ok:
        v += [1e308]
    if required:
        v.append(None)
    return v


def ratio(required: bool = False) -> List[Any]:
    """A float in (0, 1]."""
    return [NAN, INF, -INF, -1, 0, 0.0, -0.0, 1.0000001, 2, 1e308, 10**400, *WRONG_TYPES] + ([None] if required else [])


def ids(values: List[Any]) -> List[str]:
    out = []
    for v in values:
        r = repr(v)
        out.append(r if len(r) < 30 else r[:27] + "...")
    return out

"""One runner per primitive, mirroring tests/src/runners/<primitive>.rs.

Each ``build(config, clock)`` constructs the primitive through the public
Python API from a vector's config (core field names, durations in integer
ns → float seconds) and returns an object whose ``step(op, args, clock)``
returns the output dict. Errors raised by the API become error objects with
vectors.error_value.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import seawall

from vectors import RunnerError, error_value, ns

Build = Callable[[Dict[str, Any], seawall.ManualClock], Any]


def secs(v: int) -> float:
    """Vector ns → the float seconds the Python API takes."""
    return v / 1e9


RUNNERS: Dict[str, Build] = {}

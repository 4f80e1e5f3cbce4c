"""Time for the Python layer: the real monotonic clock or a ManualClock.

Every primitive reads CLOCK_MONOTONIC (core) or the ManualClock it was given;
the Python layer (retry sleeps, deadlines, degradation) goes through these
helpers so a ManualClock drives it too.
"""

from __future__ import annotations

import asyncio
import time
from typing import Optional

from ._native import ManualClock

__all__ = ["now", "sleep", "sleep_async", "check_clock"]


def check_clock(clock: object, name: str = "clock") -> Optional[ManualClock]:
    if clock is None or isinstance(clock, ManualClock):
        return clock
    from .errors import ConfigTypeError

    raise ConfigTypeError(f"{name} must be a seawall.ManualClock or None, got {type(clock).__name__} {clock!r}", field=name)


def now(clock: Optional[ManualClock]) -> float:
    """Monotonic seconds (CLOCK_MONOTONIC, as core reads it) or the manual time."""
    if clock is None:
        return time.monotonic()
    return clock.now()


def sleep(clock: Optional[ManualClock], seconds: float) -> None:
    if seconds <= 0:
        return
    if clock is None:
        time.sleep(seconds)
    else:
        clock.advance(seconds)


async def sleep_async(clock: Optional[ManualClock], seconds: float) -> None:
    if clock is None:
        await asyncio.sleep(max(seconds, 0.0))
    else:
        if seconds > 0:
            clock.advance(seconds)
        await asyncio.sleep(0)

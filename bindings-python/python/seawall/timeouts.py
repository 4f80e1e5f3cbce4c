"""timeout() for async callables and deadlines for cascading timeouts.

A ``Deadline`` is an absolute point on the monotonic clock (or a
ManualClock). ``with deadline(2.0):`` makes it the current deadline of the
context (contextvars, so it follows asyncio tasks); a nested deadline never
extends its parent, and ``timeout()`` never waits past the current deadline.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
from typing import Any, Awaitable, Callable, Optional, Tuple, TypeVar, cast

from . import _clock
from . import events as _events
from ._aio import async_only, is_async_callable
from ._native import ManualClock, check_seconds
from .errors import TimeoutError as SeawallTimeoutError

__all__ = ["Timeout", "timeout", "Deadline", "deadline", "current_deadline"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_CURRENT: contextvars.ContextVar[Optional["Deadline"]] = contextvars.ContextVar(
    "seawall_deadline", default=None
)
# The tokens of the `with deadline(...)` blocks open in this context, so one
# Deadline object can be entered from several threads or tasks at once.
_TOKENS: contextvars.ContextVar[Tuple["contextvars.Token[Optional[Deadline]]", ...]] = contextvars.ContextVar(
    "seawall_deadline_tokens", default=()
)


class Deadline:
    """A point in time by which work must be done.

    ``Deadline(5.0)`` expires five seconds from now. ``remaining()`` is the
    time left (never negative); ``timeout(cap)`` is what to pass to a
    downstream call; ``child(seconds)`` is a tighter deadline that never
    outlives this one; ``check()`` raises ``seawall.TimeoutError`` once expired.
    Used as a context manager it becomes the current deadline (see
    ``current_deadline()``), capped by any enclosing one.
    """

    __slots__ = ("_clock", "_expires_at", "seconds")

    def __init__(self, seconds: float, *, clock: Optional[ManualClock] = None) -> None:
        self.seconds = check_seconds("seconds", seconds, allow_zero=True)
        self._clock = _clock.check_clock(clock)
        self._expires_at = _clock.now(self._clock) + self.seconds

    @classmethod
    def _at(cls, expires_at: float, clock: Optional[ManualClock]) -> "Deadline":
        d = cls.__new__(cls)
        d._clock = clock
        d._expires_at = expires_at
        d.seconds = max(0.0, expires_at - _clock.now(clock))
        return d

    @property
    def expires_at(self) -> float:
        """The deadline on its clock, in seconds (time.monotonic() scale by default)."""
        return self._expires_at

    def remaining(self) -> float:
        """Seconds left, 0.0 once expired."""
        return max(0.0, self._expires_at - _clock.now(self._clock))

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def check(self) -> None:
        """Raises seawall.TimeoutError if the deadline has passed."""
        if self.expired:
            raise SeawallTimeoutError("deadline exceeded")

    def timeout(self, cap: Optional[float] = None) -> float:
        """The timeout to give a downstream call: remaining(), at most ``cap``."""
        r = self.remaining()
        if cap is None:
            return r
        return min(r, check_seconds("cap", cap, allow_zero=True, argument=True))

    def child(self, seconds: float) -> "Deadline":
        """A deadline ``seconds`` from now, but never later than this one."""
        s = check_seconds("seconds", seconds, allow_zero=True, argument=True)
        return Deadline._at(min(self._expires_at, _clock.now(self._clock) + s), self._clock)

    def __enter__(self) -> "Deadline":
        parent = _CURRENT.get()
        effective = self
        if parent is not None and parent._expires_at < self._expires_at and parent._clock is self._clock:
            effective = parent
        _TOKENS.set(_TOKENS.get() + (_CURRENT.set(effective),))
        return effective

    def __exit__(self, *exc: object) -> None:
        tokens = _TOKENS.get()
        if tokens:
            _TOKENS.set(tokens[:-1])
            _CURRENT.reset(tokens[-1])

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining():.6f})"


def deadline(seconds: float, *, clock: Optional[ManualClock] = None) -> Deadline:
    """``with deadline(2.0): ...`` — see Deadline."""
    return Deadline(seconds, clock=clock)


def current_deadline() -> Optional[Deadline]:
    """The innermost active deadline of this context, or None."""
    return _CURRENT.get()


async def _run_with_timeout(awaitable: Awaitable[T], limit: float) -> T:
    """Awaits ``awaitable`` for at most ``limit`` seconds.

    Raises seawall.TimeoutError only when *our* limit fired; a TimeoutError
    raised by the awaited code itself passes through unchanged.
    """
    if sys.version_info >= (3, 11):
        cm = asyncio.timeout(limit)
        try:
            async with cm:
                return await awaitable
        except builtins_TimeoutError as e:
            if cm.expired() and not isinstance(e, SeawallTimeoutError):
                raise _cut_off(limit) from None
            raise
    return await _run_with_timeout_task(awaitable, limit)


builtins_TimeoutError = TimeoutError  # the builtin, before any shadowing


async def _run_with_timeout_task(awaitable: Awaitable[T], limit: float) -> T:
    """Python < 3.11: run in a task, cancel it when the limit passes."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=limit)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except BaseException:  # noqa: BLE001 - the task failed while being cancelled
        pass
    raise _cut_off(limit)


def _cut_off(limit: float) -> SeawallTimeoutError:
    """The error of an attempt our limit cut off (marked, so a Policy tells
    it from a seawall.TimeoutError the function raised itself)."""
    e = SeawallTimeoutError(f"timed out after {limit:g}s")
    e._seawall_cut_off = True  # type: ignore[attr-defined]
    if _events.wanted("timeout"):
        _events.emit("timeout", None, limit=limit)
    return e


class Timeout:
    """Bounds how long an async call may take. See ``timeout()``."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = check_seconds("seconds", seconds)

    def _limit(self) -> float:
        d = _CURRENT.get()
        if d is None:
            return self.seconds
        return min(self.seconds, d.remaining())

    async def call_async(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Awaits ``fn(*args, **kwargs)``; seawall.TimeoutError past the limit."""
        limit = self._limit()
        if limit <= 0:
            raise SeawallTimeoutError("deadline exceeded before the call")
        return await _run_with_timeout(fn(*args, **kwargs), limit)

    def __call__(self, fn: F) -> F:
        if not is_async_callable(fn):
            raise async_only("timeout()", "timeout(seconds).call_async", fn)

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await self.call_async(fn, *args, **kwargs)

        return cast(F, wrapper)

    def __repr__(self) -> str:
        return f"Timeout({self.seconds!r})"


def timeout(seconds: float) -> Timeout:
    """``@timeout(2.0)`` on an ``async def``, or ``await timeout(2.0).call_async(fn, ...)``.

    Raises seawall.TimeoutError (a builtin TimeoutError) when the call takes
    longer than ``seconds`` or than the current deadline allows; the call is
    cancelled.
    """
    return Timeout(seconds)

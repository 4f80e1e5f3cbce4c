"""Events for decisions a user may alert on or log, beyond breaker
transitions (``CircuitBreaker.on_state_change``):

- ``retry_scheduled`` {attempt, delay, error}: a retry run will try again;
- ``gave_up`` {attempts, reason, error}: a retry run stopped;
- ``fallback_used`` {error}: a Fallback answered instead of the call;
- ``timeout`` {limit}: a timeout (or deadline) cut a call off;
- ``fault_injected`` {fault, delay}: a FaultInjector injected an error or a
  delay.

``subscribe(fn)`` calls ``fn(event)`` for each, on the thread (or task)
that made the decision; it returns a function that unsubscribes. Nothing
is built unless a subscriber exists or the ``seawall`` logger is enabled
for the event's level (retry and fallback INFO, give-up WARNING, timeout
INFO, fault DEBUG). A subscriber that raises is reported through
``sys.unraisablehook`` (once per raise) and never breaks the call.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any, Callable, Dict, List, NamedTuple

from ._log import logger

__all__ = ["Event", "subscribe"]


class Event(NamedTuple):
    kind: str
    source: Any
    details: Dict[str, Any]


_lock = threading.Lock()
_subscribers: List[Callable[[Event], Any]] = []

_LEVELS = {
    "retry_scheduled": logging.INFO,
    "gave_up": logging.WARNING,
    "fallback_used": logging.INFO,
    "timeout": logging.INFO,
    "fault_injected": logging.DEBUG,
}


def subscribe(fn: Callable[[Event], Any]) -> Callable[[], None]:
    if not callable(fn):
        from .errors import ArgumentTypeError

        raise ArgumentTypeError(f"fn must be callable, got {type(fn).__name__} {fn!r}", field="fn")
    global _subscribers
    with _lock:
        _subscribers = [*_subscribers, fn]

    def unsubscribe() -> None:
        global _subscribers
        with _lock:
            _subscribers = [f for f in _subscribers if f is not fn]

    return unsubscribe


class _Unraisable(NamedTuple):
    exc_type: Any
    exc_value: Any
    exc_traceback: Any
    err_msg: str
    object: Any


def wanted(kind: str) -> bool:
    """Whether emitting ``kind`` would reach anyone (cheap)."""
    return bool(_subscribers) or logger.isEnabledFor(_LEVELS.get(kind, logging.INFO))


def emit(kind: str, source: Any, **details: Any) -> None:
    subs = _subscribers
    level = _LEVELS.get(kind, logging.INFO)
    if logger.isEnabledFor(level):
        logger.log(level, "%s: %s", kind, details, extra={"seawall_event": kind, **details})
    if not subs:
        return
    ev = Event(kind, source, details)
    for fn in subs:
        try:
            fn(ev)
        except Exception as e:  # noqa: BLE001 - reported, never propagated
            sys.unraisablehook(_Unraisable(type(e), e, e.__traceback__, "Exception in seawall event subscriber", fn))  # type: ignore[arg-type]


def emit_quiet(kind: str, source: Any, **details: Any) -> None:
    """Like ``emit`` without the log record (the caller logs its own)."""
    subs = _subscribers
    if not subs:
        return
    ev = Event(kind, source, details)
    for fn in subs:
        try:
            fn(ev)
        except Exception as e:  # noqa: BLE001 - reported, never propagated
            sys.unraisablehook(_Unraisable(type(e), e, e.__traceback__, "Exception in seawall event subscriber", fn))  # type: ignore[arg-type]

"""Events for decisions a user may alert on or log, beyond breaker
transitions (``CircuitBreaker.on_state_change``):

- ``retry_scheduled`` {attempt, delay, error}: a retry run will try again;
- ``gave_up`` {attempts, reason, error}: a retry run stopped;
- ``fallback_used`` {error}: a Fallback answered instead of the call;
- ``timeout`` {limit}: a timeout (or deadline) cut a call off;
- ``fault_injected`` {fault, delay}: a FaultInjector injected an error or a
  delay;
- ``rejected`` {by, name, retry_after[, key]}: a breaker
  (``by="circuit_breaker"``), a rate limiter (``"rate_limiter"``, keyed
  ones add the ``key``) or a bulkhead (``"bulkhead"``) refused a call;
  ``name`` is the instance's registered name (or None), ``retry_after``
  seconds (None when not known).

``subscribe(fn)`` calls ``fn(event)`` for each, on the thread (or task)
that made the decision; it returns a function that unsubscribes. Nothing
is built unless a subscriber exists or the ``seawall`` logger is enabled
for the event's level (retry and fallback INFO, give-up WARNING, timeout
INFO, fault and rejection DEBUG). A subscriber that raises is reported through
``sys.unraisablehook`` (once per raise) and never breaks the call.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from . import _native
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
    "rejected": logging.DEBUG,
}


def subscribe(fn: Callable[[Event], Any]) -> Callable[[], None]:
    if not callable(fn):
        from .errors import ArgumentTypeError

        raise ArgumentTypeError(f"fn must be callable, got {type(fn).__name__} {fn!r}", field="fn")
    global _subscribers
    with _lock:
        _subscribers = [*_subscribers, fn]
    _refresh()

    def unsubscribe() -> None:
        global _subscribers
        with _lock:
            _subscribers = [f for f in _subscribers if f is not fn]
        _refresh()

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


# -- rejections ----------------------------------------------------------------
#
# Refusals are decided natively; the native side calls ``_on_rejected`` only
# while ``_set_rejected_wanted(True)``: a subscriber exists or the logger is
# enabled for DEBUG. The logger's enablement can change at any time
# (``setLevel``, ``logging.disable``, ``basicConfig``); every such change
# clears each logger's ``_cache``, so the seawall logger's cache is a dict
# that refreshes the flag when cleared. Where a Python has no such cache the
# flag stays on (correct, one call per refusal).

#: Registered names by instance (set by ``seawall.metrics.register``).
_names: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()


def _refresh() -> None:
    # The logger is asked outside ``_lock`` (logging takes its own lock,
    # which is held when ``_RefreshingCache.clear`` runs: one lock order);
    # the list is read under it, so the last refresh sees the last change.
    enabled = logger.isEnabledFor(logging.DEBUG)
    with _lock:
        _native._set_rejected_wanted(bool(_subscribers) or enabled)


class _RefreshingCache(dict):  # type: ignore[type-arg]
    __slots__ = ()

    def clear(self) -> None:
        super().clear()
        try:
            _refresh()
        except Exception:  # noqa: BLE001 - never break logging configuration
            _native._set_rejected_wanted(True)


def _name_of(source: Any) -> Optional[str]:
    try:
        name = _names.get(source)
    except TypeError:
        name = None
    if name is None:
        name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def _on_rejected(by: str, source: Any, retry_after: Optional[float], key: Any) -> None:
    name = _name_of(source)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "rejected by %s %r (retry after %s)",
            by,
            name,
            "unknown" if retry_after is None else f"{retry_after:.3f}s",
            extra={"seawall_event": "rejected", "by": by, "seawall_name": name, "retry_after": retry_after},
        )
    if not _subscribers:
        return
    if key is None:
        emit_quiet("rejected", source, by=by, name=name, retry_after=retry_after)
    else:
        emit_quiet("rejected", source, by=by, name=name, retry_after=retry_after, key=key)


_native._set_rejected_hook(_on_rejected)
if isinstance(getattr(logger, "_cache", None), dict):
    logger._cache = _RefreshingCache(logger._cache)  # type: ignore[attr-defined]
    _refresh()
else:
    _native._set_rejected_wanted(True)

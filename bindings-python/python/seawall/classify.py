"""The default answer to "is this failure worth retrying?".

The lists come from core (``seawall::classify``), shared with every binding:

- an exception whose class, or a base class, has a name in core's Python
  table (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
  ConnectionRefusedError, TimeoutError — matched by name along the MRO, so
  socket, asyncio and concurrent.futures timeouts count on every version);
- an ``OSError`` whose errno (or a ``socket.gaierror`` EAI_AGAIN) is in
  core's error-code table (ECONNRESET, ETIMEDOUT, ENETUNREACH, ...);
- an exception with a string ``code`` (or ``code.name``, as gRPC reports
  it) in that table (UNAVAILABLE, DEADLINE_EXCEEDED, ...);
- an exception with an integer HTTP ``status`` or ``status_code`` — or a
  ``response`` carrying one — in core's statuses (408, 429, 500, 502, 503,
  504).

Whether a call is safe to repeat (idempotent) is the caller's choice: the
classification only says whether the failure looks transient.
"""

from __future__ import annotations

import errno as _errno
import email.utils
import socket
import time
from typing import Any, Dict, FrozenSet, Optional, Tuple

from . import _native

__all__ = [
    "RETRYABLE_STATUSES",
    "RETRYABLE_KINDS",
    "retryable_kind",
    "is_retryable",
    "is_retryable_status",
    "is_retryable_kind",
    "kind_for_code",
    "http_status",
    "retry_after_hint",
]

#: HTTP statuses retried by default (from core), ascending.
RETRYABLE_STATUSES: Tuple[int, ...] = tuple(_native.retryable_statuses())
#: The retryable failure kinds, by wire name (from core), in core's order.
RETRYABLE_KINDS: Tuple[str, ...] = tuple(_native.retryable_kinds())
_STATUSES: FrozenSet[int] = frozenset(RETRYABLE_STATUSES)
_EXC_NAME_KINDS: Dict[str, str] = dict(_native.exception_name_kinds())
_CODE_KINDS: Dict[str, str] = dict(_native.error_code_kinds())


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP status is retried by default."""
    return status in _STATUSES


def is_retryable_kind(kind: str) -> bool:
    """Whether a wire name (``"timed_out"``, ...) is a retryable kind."""
    return _native.is_retryable_kind_name(kind)


def kind_for_code(code: str) -> Optional[str]:
    """The kind an error code means (``"ECONNRESET"`` → ``"connection_reset"``,
    gRPC ``"UNAVAILABLE"`` → ``"service_unavailable"``), or None."""
    return _CODE_KINDS.get(code)


def _int_status(v: Any) -> Optional[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    # http.HTTPStatus is an int; other enums may carry .value
    val = getattr(v, "value", None)
    if isinstance(val, int) and not isinstance(val, bool):
        return val
    return None


def http_status(exc: BaseException) -> Optional[int]:
    """The HTTP status an exception carries (``status_code``, ``status``, or
    those of its ``response``), or None."""
    for obj in (exc, getattr(exc, "response", None)):
        if obj is None:
            continue
        for attr in ("status_code", "status"):
            s = _int_status(getattr(obj, attr, None))
            if s is not None:
                return s
    return None


def _code_name(exc: BaseException) -> Optional[str]:
    if isinstance(exc, socket.gaierror) and exc.errno == getattr(socket, "EAI_AGAIN", None):
        return "EAI_AGAIN"
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        name = _errno.errorcode.get(exc.errno)
        if name is not None:
            return name
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    name = getattr(code, "name", None)
    if isinstance(name, str):
        return name
    return None


def retryable_kind(exc: BaseException) -> Optional[str]:
    """The core kind (``"connection_reset"``, ``"timed_out"``, ...) of a
    transport failure, or None."""
    for cls in type(exc).__mro__:
        k = _EXC_NAME_KINDS.get(cls.__name__)
        if k is not None:
            return k
    if isinstance(exc, socket.timeout):
        # Python 3.9: socket.timeout is its own class; from 3.10 on it is
        # an alias of the builtin TimeoutError, which core's table names.
        return _EXC_NAME_KINDS.get("TimeoutError")
    code = _code_name(exc)
    if code is not None:
        return _CODE_KINDS.get(code)
    return None


def is_retryable(exc: BaseException) -> bool:
    """The default classification (see the module docstring)."""
    if retryable_kind(exc) is not None:
        return True
    s = http_status(exc)
    return s is not None and s in _STATUSES


def retry_after_hint(exc: BaseException) -> Optional[float]:
    """Seconds the server asked us to wait, or None.

    Reads ``exc.retry_after`` (seawall's own rejections carry it), then a
    ``Retry-After`` header of ``exc.response.headers`` or ``exc.headers``
    (delta-seconds, or an HTTP-date compared with the wall clock, which is
    what the header is written in).
    """
    ra = getattr(exc, "retry_after", None)
    if isinstance(ra, (int, float)) and not isinstance(ra, bool) and ra >= 0 and ra == ra:
        return float(ra)
    for holder in (getattr(exc, "response", None), exc):
        headers = getattr(holder, "headers", None) if holder is not None else None
        if headers is None:
            continue
        try:
            value = headers.get("Retry-After")
        except Exception:  # noqa: BLE001 - foreign header objects
            continue
        if value is None:
            continue
        return _parse_retry_after(str(value))
    return None


def _parse_retry_after(value: str) -> Optional[float]:
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())

"""The default answer to "is this failure worth retrying?".

Every rule is core's (``seawall::classify``, ``spec/classify.md``), shared
with every binding; this module only reads a Python exception into core's
terms. An exception is a chain: the exception itself, then its
``__cause__`` (else its ``__context__`` unless ``__suppress_context__``),
up to 32 links. For each link it fills in what it knows:

- a seawall error of some kind (``RateLimitedError`` → ``rate_limited``…);
- a transport failure kind: the class, or a base class, by qualified name
  in core's table of HTTP-client exceptions (requests, urllib3, httpx,
  aiohttp: connection errors and timeouts, matched without importing
  them), else by name in core's Python table (ConnectionResetError,
  BrokenPipeError, ConnectionAbortedError, ConnectionRefusedError,
  TimeoutError), else an ``OSError`` errno / a string ``code`` (or
  ``code.name``, as gRPC reports it) in core's error-code table;
- an integer HTTP ``status`` / ``status_code`` (or its ``response``'s);
- a hint: a seawall rejection's ``retry_after``, or a ``Retry-After``
  header of ``response.headers`` / ``headers``, parsed by core.

Core then decides: the first link with a verdict wins (a seawall kind by
core's table: rate_limited, timeout and injected_fault are retried, the
rest not; a transport kind is retried; a status is retried if it is one of
408, 429, 500, 502, 503, 504); a chain where no link says anything is not
retried.

Whether a call is safe to repeat (idempotent) is the caller's choice: the
classification only says whether the failure looks transient.
"""

from __future__ import annotations

import errno as _errno
import socket
import time
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from . import _native
from .errors import SeawallError

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
    "classify",
    "parse_retry_after",
    "is_retryable_error_kind",
    "outcome_for_error",
]

#: HTTP statuses retried by default (from core), ascending.
RETRYABLE_STATUSES: Tuple[int, ...] = tuple(_native.retryable_statuses())
#: The retryable failure kinds, by wire name (from core), in core's order.
RETRYABLE_KINDS: Tuple[str, ...] = tuple(_native.retryable_kinds())
_STATUSES: FrozenSet[int] = frozenset(RETRYABLE_STATUSES)
_EXC_NAME_KINDS: Dict[str, str] = dict(_native.exception_name_kinds())
_CODE_KINDS: Dict[str, str] = dict(_native.error_code_kinds())
_LIB_KINDS: Dict[str, str] = dict(_native.python_library_exception_kinds())
_SEAWALL_KINDS: FrozenSet[str] = frozenset(name for _, name in _native.error_kinds())
_MAX_CHAIN = 32


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
    transport failure, or None. Looks at ``exc`` only, not its causes."""
    mro = type(exc).__mro__
    for cls in mro:
        k = _LIB_KINDS.get(f"{cls.__module__}.{cls.__qualname__}")
        if k is not None:
            return k
    for cls in mro:
        # by name, so asyncio's and concurrent.futures' own TimeoutError
        # classes (3.9, 3.10) count as the builtin does
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


def _causes(exc: BaseException) -> List[BaseException]:
    """The cause chain (core's rule): the error, its ``__cause__``, else its
    ``__context__`` unless suppressed; stops at a cycle or 32 links."""
    out: List[BaseException] = []
    seen = set()
    e: Optional[BaseException] = exc
    while e is not None and len(out) < _MAX_CHAIN and id(e) not in seen:
        seen.add(id(e))
        out.append(e)
        c = e.__cause__
        if c is None and not e.__suppress_context__:
            c = e.__context__
        e = c
    return out


def _seawall_kind(exc: BaseException) -> Optional[str]:
    if isinstance(exc, SeawallError):
        k = type(exc).kind
        if k in _SEAWALL_KINDS:
            return k
    return None


def _wall_ms() -> int:
    # the wall clock, only for a Retry-After HTTP-date (it is wall time)
    return int(time.time() * 1000)


def _hint_ns(exc: BaseException) -> Optional[int]:
    ra = getattr(exc, "retry_after", None)
    if isinstance(ra, (int, float)) and not isinstance(ra, bool) and ra >= 0 and ra == ra and ra != float("inf"):
        return int(round(ra * 1e9))
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
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        return _native.parse_retry_after_ns(str(value), _wall_ms())
    return None


def _link(exc: BaseException) -> Tuple[Optional[str], Optional[str], Optional[int], Optional[int]]:
    sw = _seawall_kind(exc)
    return (sw, None if sw is not None else retryable_kind(exc), http_status(exc), _hint_ns(exc))


def _verdict(exc: BaseException) -> Tuple[bool, Optional[int], Optional[int]]:
    """Core's verdict on ``exc``'s chain: (retryable, hint ns, deciding link)."""
    return _native.classify_chain([_link(e) for e in _causes(exc)])


def classify(exc: BaseException) -> Tuple[bool, Optional[float]]:
    """Core's default classification of ``exc`` and its causes:
    ``(retryable, retry_after seconds or None)``."""
    if not isinstance(exc, Exception):
        return (False, None)  # KeyboardInterrupt, SystemExit, CancelledError
    ok, hint, _ = _verdict(exc)
    return (ok, None if hint is None else hint / 1e9)


def is_retryable(exc: BaseException) -> bool:
    """The default classification (see the module docstring)."""
    return classify(exc)[0]


def retry_after_hint(exc: BaseException) -> Optional[float]:
    """Seconds the failure asks to wait, or None: the first hint on the
    cause chain (a seawall rejection's ``retry_after``, or a
    ``Retry-After`` header of ``response.headers`` / ``headers``, read by
    core: delay-seconds, fractional too, or an HTTP-date)."""
    for e in _causes(exc):
        ns = _hint_ns(e)
        if ns is not None:
            return ns / 1e9
    return None


def parse_retry_after(value: str, now_unix_ms: Optional[int] = None) -> Optional[float]:
    """A ``Retry-After`` header value as seconds to wait, or None (core's
    parser: ``"120"``, ``"1.5"``, an HTTP-date against the wall clock)."""
    ns = _native.parse_retry_after_ns(value, _wall_ms() if now_unix_ms is None else now_unix_ms)
    return None if ns is None else ns / 1e9


def is_retryable_error_kind(kind: str) -> bool:
    """Whether one of seawall's own error kinds (wire name) is retried by
    default."""
    return _native.is_retryable_error_kind(kind)


def seawall_kind_on_chain(exc: BaseException) -> Optional[str]:
    """The kind of the first seawall error on ``exc``'s cause chain."""
    for e in _causes(exc):
        k = _seawall_kind(e)
        if k is not None:
            return k
    return None


def outcome_for_error(exc: BaseException, *, ignored: bool = False, recorded: Optional[bool] = None) -> str:
    """What a failed call records on a circuit breaker (core's rule):
    ``"ignored"``, ``"failure"`` or ``"success"``."""
    return _native.outcome_for_error(ignored, recorded, seawall_kind_on_chain(exc))

"""Rate-limit response headers, written by core (``seawall::headers``,
``spec/headers.md``) so every binding sends the same bytes.

``Decision.headers(name="default")`` gives them for a limiter's decision;
``rate_limit_headers(...)`` for any quota policy (``limit`` requests per
``window`` seconds). Both answer, in order: ``RateLimit-Policy``,
``RateLimit`` (draft-ietf-httpapi-ratelimit-headers-09),
``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
(seconds, not a timestamp) and, when denied, ``Retry-After`` (at least 1).
"""

from __future__ import annotations

from typing import Dict

from . import _native
from ._native import check_count, check_seconds

__all__ = ["rate_limit_headers"]


def _ns(name: str, seconds: float) -> int:
    return round(check_seconds(name, seconds, allow_zero=True, argument=True) * 1e9)


def rate_limit_headers(
    *,
    allowed: bool,
    remaining: int,
    retry_after: float,
    reset_after: float,
    limit: int,
    window: float,
    name: str = "default",
) -> Dict[str, str]:
    """The headers of a decision (``allowed``, ``remaining``, ``retry_after``
    and ``reset_after`` in seconds) under the quota policy ``name``:
    ``limit`` requests per ``window`` seconds."""
    if not isinstance(allowed, bool):
        raise TypeError(f"allowed must be a bool, got {type(allowed).__name__} {allowed!r}")
    h: Dict[str, str] = _native.rate_limit_headers(
        allowed,
        check_count("remaining", remaining, argument=True),
        _ns("retry_after", retry_after),
        _ns("reset_after", reset_after),
        name=name,
        limit=check_count("limit", limit, argument=True),
        window_ns=_ns("window", window),
    )
    return h

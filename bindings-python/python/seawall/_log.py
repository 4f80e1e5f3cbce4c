"""The ``seawall`` logger. It has a NullHandler, so nothing is printed
unless the application configures logging (``logging.basicConfig()`` or a
handler on ``"seawall"``).

Levels: breaker transitions of named breakers at WARNING (to ``open``,
``forced_open``) or INFO (any other); a retry scheduled at INFO; a retry
run that gave up at WARNING; the other events of ``seawall.events`` at
their levels (a rejection by a breaker, limiter or bulkhead at DEBUG).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

logger = logging.getLogger("seawall")
logger.addHandler(logging.NullHandler())


def log_transition(name: str, from_state: str, to_state: str) -> None:
    level = logging.WARNING if to_state in ("open", "forced_open") else logging.INFO
    if logger.isEnabledFor(level):
        logger.log(
            level,
            "circuit breaker %r: %s -> %s",
            name,
            from_state,
            to_state,
            extra={"seawall_event": "state_change", "seawall_name": name, "from_state": from_state, "to_state": to_state},
        )


def log_retry(attempts: int, exc: Optional[BaseException], result: Any, step: Any) -> None:
    """A retry run's decision after a failed attempt: a delay (retry
    scheduled, INFO), a give-up error (WARNING) or None (not retryable,
    DEBUG)."""
    what: Any = exc if exc is not None else _Rejected(result)
    if step.__class__ is float:
        logger.info(
            "retry %d scheduled in %.3fs after %r",
            attempts,
            step,
            what,
            extra={"seawall_event": "retry", "attempt": attempts, "delay": step},
        )
    elif step is None:
        logger.debug("not retried after %r: not retryable", what, extra={"seawall_event": "not_retried"})
    else:
        reason = getattr(step, "reason", None)
        logger.warning(
            "retry gave up after %d attempt(s) (%s): %r",
            attempts,
            reason,
            what,
            extra={"seawall_event": "gave_up", "attempts": attempts, "reason": reason},
        )


class _Rejected:
    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"rejected result {self.result!r}"

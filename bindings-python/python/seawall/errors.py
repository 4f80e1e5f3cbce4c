"""seawall's exceptions: one class per core error kind, all under SeawallError.

The native module raises these (errors.rs is the one place core errors are
mapped), and so does the Python layer.

- Bad configuration raises ``ConfigError`` (a ``ValueError``) naming the
  parameter and the value; a value of the wrong type raises
  ``ConfigTypeError`` (a ``TypeError``). Call arguments likewise raise
  ``InvalidArgumentError`` / ``ArgumentTypeError``. All carry ``field``.
- Guards raise ``CircuitOpenError``, ``RateLimitedError`` and
  ``BulkheadFullError``, each with ``retry_after`` (float seconds, or None
  when unknown); fast checks (``try_acquire``) return values instead.
- ``seawall.TimeoutError`` subclasses the builtin ``TimeoutError``, like
  ``asyncio.TimeoutError``, so ``except TimeoutError`` catches it.
"""

from __future__ import annotations

import builtins
from typing import Any, Optional

__all__ = [
    "SeawallError",
    "ConfigError",
    "InvalidArgumentError",
    "ConfigTypeError",
    "ArgumentTypeError",
    "CircuitOpenError",
    "RateLimitedError",
    "BulkheadFullError",
    "TimeoutError",
    "RetryBudgetExhaustedError",
    "InjectedFaultError",
    "RetryError",
    "RetryExhaustedError",
    "SharedRegionError",
]


class SeawallError(Exception):
    """Base class of every seawall exception."""

    #: The core's wire name of this error kind (as in spec/vectors).
    kind: str = "seawall"
    #: For a Policy rejection: the refusing stage ("rate_limiter",
    #: "circuit_breaker" or "bulkhead"); None otherwise.
    stage: Optional[str] = None
    #: The parameter a ConfigError / InvalidArgumentError names.
    field: Optional[str] = None
    #: Seconds until the call may succeed, when known.
    retry_after: Optional[float] = None

    # Rejections raised by the native module are made without running
    # __init__ (as cheap as a builtin exception): no args, only
    # retry_after set; their message is built here, when asked for.
    def __str__(self) -> str:
        if self.args:
            return super().__str__()
        from . import _native

        return _native.error_message(self.kind, self.retry_after)

    def __repr__(self) -> str:
        if self.args:
            return super().__repr__()
        return f"{type(self).__name__}({str(self)!r})"

    def __init__(
        self,
        message: str = "",
        *,
        field: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        #: The parameter a ConfigError / InvalidArgumentError names.
        self.field = field
        #: Seconds until the call may succeed, when known.
        self.retry_after = retry_after

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), str(self), self.field, self.retry_after))


def _rebuild(cls: type, message: str, field: Optional[str], retry_after: Optional[float]) -> Any:
    return cls(message, field=field, retry_after=retry_after)


class ConfigError(SeawallError, ValueError):
    """A configuration value is out of range; ``field`` names the parameter."""

    kind = "invalid_config"


class InvalidArgumentError(SeawallError, ValueError):
    """A call argument is out of range (e.g. ``n`` above a limiter's burst)."""

    kind = "invalid_argument"


class ConfigTypeError(SeawallError, TypeError):
    """A configuration value has the wrong type; ``field`` names the parameter.

    A ``TypeError`` (not a ``ValueError``): ``except TypeError`` catches it.
    """

    kind = "invalid_config"


class ArgumentTypeError(SeawallError, TypeError):
    """A call argument has the wrong type (e.g. ``n=1.5``); a ``TypeError``."""

    kind = "invalid_argument"


class CircuitOpenError(SeawallError):
    """The circuit breaker rejected the call; see ``retry_after``."""

    kind = "circuit_open"


class RateLimitedError(SeawallError):
    """The rate limiter rejected the call; see ``retry_after``."""

    kind = "rate_limited"


class BulkheadFullError(SeawallError):
    """No concurrency slot, no queue room, or the wait for one ran out."""

    kind = "bulkhead_full"


class TimeoutError(SeawallError, builtins.TimeoutError):  # noqa: A001 - like asyncio.TimeoutError
    """A call or a wait ran out of time. Subclasses the builtin TimeoutError."""

    kind = "timeout"




class InjectedFaultError(SeawallError):
    """A FaultInjector injected this error on purpose."""

    kind = "injected_fault"


class _GaveUp(SeawallError):
    """A retry run that gave up: ``attempts`` (calls made, the first
    included), ``reason`` (core's give-up reason: ``"attempts"``,
    ``"elapsed"``, ``"deadline"`` or ``"budget"``); the last exception is
    ``__cause__`` (and ``last_exception``)."""

    #: The last value a ``retry_if_result`` predicate rejected, when the run
    #: gave up on a returned value rather than an exception.
    last_result: Any = None

    def __init__(
        self,
        message: str = "",
        *,
        attempts: int = 0,
        reason: Optional[str] = None,
        last_exception: Optional[BaseException] = None,
        field: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message, field=field, retry_after=retry_after)
        self.attempts = attempts
        self.reason = reason
        self.last_exception = last_exception

    def __reduce__(self) -> Any:
        return (_rebuild_gave_up, (type(self), str(self), self.attempts, self.reason))


def _rebuild_gave_up(cls: type, message: str, attempts: int, reason: Optional[str]) -> Any:
    return cls(message, attempts=attempts, reason=reason)


class RetryBudgetExhaustedError(_GaveUp):
    """The retry budget denied a retry (``reason == "budget"``); see
    ``attempts`` and ``__cause__``."""

    kind = "retry_budget_exhausted"


class RetryError(_GaveUp):
    """Retrying stopped: attempts or time ran out, or the deadline left no
    room for another attempt (``reason``). ``attempts`` is how many calls
    were made; the last exception is ``__cause__`` (and ``last_exception``).
    A budget denial raises ``RetryBudgetExhaustedError`` instead.
    """

    kind = "retry_exhausted"


#: The Node binding's name for RetryError.
RetryExhaustedError = RetryError


class SharedRegionError(SeawallError):
    """A shared-memory region could not be opened or used: an OS error
    (permissions, no such directory), a truncated, corrupted or
    other-version file, or a full region. The message says which and
    names the file."""

    kind = "shared_region"

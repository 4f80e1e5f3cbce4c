"""seawall: fault tolerance at native speed.

One Rust core (circuit breaker, rate limiters, bulkhead, retry schedule,
adaptive timeout, fault injection) shared with the C and Node bindings, plus
the Python parts that run your code: decorators, context managers, asyncio,
timeouts, fallbacks and the combined Policy.

Durations are float seconds everywhere, like ``time.sleep``.
"""

from __future__ import annotations

import os as _os

from ._native import VERSION as __version__
from ._native import after_fork_in_child as _after_fork_in_child
from ._native import Backoff, ManualClock, RetryBudget, Schedule, SharedRegion
from . import classify, events, headers, metrics
from ._log import logger as _logger  # noqa: F401 - the "seawall" logger gets its NullHandler
from .adaptive import AdaptiveTimeout
from .fault import FaultInjector
from .bulkhead import Bulkhead, BulkheadPermit, BulkheadWaiter
from .circuit_breaker import BreakerPermit, CircuitBreaker, Permit
from .classify import is_retryable
from .limiters import (
    Decision,
    KeyedSlidingWindow,
    KeyedTokenBucket,
    LimiterWaiter,
    SlidingWindowLimiter,
    TokenBucket,
    rate_limit_headers,
)
from .policy import Policy
from .redis_backend import (
    RedisBackend,
    RedisConcurrencyLimit,
    RedisFeatureFlags,
    RedisLease,
    RedisSlidingWindow,
    RedisTokenBucket,
)
from .retry import Retry, retry
from .errors import (
    BulkheadFullError,
    CircuitOpenError,
    ArgumentTypeError,
    ConfigError,
    ConfigTypeError,
    InjectedFaultError,
    InvalidArgumentError,
    RateLimitedError,
    RetryBudgetExhaustedError,
    RetryError,
    RetryExhaustedError,
    SharedRegionError,
    SeawallError,
)
# The explicit `X as X` form re-exports it for type checkers (`mypy --strict`
# accepts `except seawall.TimeoutError`) while __all__ leaves it out.
from .errors import TimeoutError as TimeoutError
from .fallback import (
    MISS,
    MissType,
    ChainResult,
    Degraded,
    Fallback,
    FallbackChain,
    Part,
    degrade,
    degrade_async,
    fallback,
)
from .timeouts import Deadline, Timeout, current_deadline, deadline, timeout

# `TimeoutError` is deliberately left out of __all__ so that
# `from seawall import *` cannot shadow the builtin; use seawall.TimeoutError.
__all__ = [
    "__version__",
    "ManualClock",
    "SharedRegion",
    "Bulkhead",
    "BulkheadPermit",
    "BulkheadWaiter",
    "LimiterWaiter",
    "CircuitBreaker",
    "BreakerPermit",
    "Permit",
    "Decision",
    "TokenBucket",
    "SlidingWindowLimiter",
    "KeyedTokenBucket",
    "KeyedSlidingWindow",
    "RedisBackend",
    "RedisTokenBucket",
    "RedisSlidingWindow",
    "RedisConcurrencyLimit",
    "RedisFeatureFlags",
    "RedisLease",
    "rate_limit_headers",
    "Backoff",
    "Schedule",
    "RetryBudget",
    "Policy",
    "Retry",
    "retry",
    "classify",
    "headers",
    "metrics",
    "events",
    "is_retryable",
    "SeawallError",
    "ConfigError",
    "InvalidArgumentError",
    "ConfigTypeError",
    "ArgumentTypeError",
    "CircuitOpenError",
    "RateLimitedError",
    "BulkheadFullError",
    "RetryBudgetExhaustedError",
    "InjectedFaultError",
    "RetryError",
    "RetryExhaustedError",
    "SharedRegionError",
    "AdaptiveTimeout",
    "FaultInjector",
    "Timeout",
    "timeout",
    "Deadline",
    "deadline",
    "current_deadline",
    "MISS",
    "MissType",
    "Fallback",
    "fallback",
    "FallbackChain",
    "ChainResult",
    "Part",
    "Degraded",
    "degrade",
    "degrade_async",
]

# A child made by os.fork() must not repeat the parent's random draws
# (forked workers would retry in lockstep): reseed unseeded generators.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)

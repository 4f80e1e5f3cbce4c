"""seawall: fault tolerance at native speed.

One Rust core (circuit breaker, rate limiters, bulkhead, retry schedule,
adaptive timeout, fault injection) shared with the C and Node bindings, plus
the Python parts that run your code: decorators, context managers, asyncio,
timeouts, fallbacks and the combined Policy.

Durations are float seconds everywhere, like ``time.sleep``.
"""

from __future__ import annotations

from ._native import VERSION as __version__
from ._native import Backoff, ManualClock, RetryBudget, Schedule
from . import classify, headers
from .adaptive import AdaptiveTimeout
from .fault import FaultInjector
from .bulkhead import Bulkhead, BulkheadPermit, BulkheadWaiter
from .circuit_breaker import BreakerPermit, CircuitBreaker, Permit
from .classify import is_retryable
from .limiters import (
    Decision,
    KeyedSlidingWindow,
    KeyedTokenBucket,
    SlidingWindowLimiter,
    TokenBucket,
    rate_limit_headers,
)
from .policy import Policy
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
    SeawallError,
    TimeoutError,
)
from .fallback import (
    MISS,
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
    "Bulkhead",
    "BulkheadPermit",
    "BulkheadWaiter",
    "CircuitBreaker",
    "BreakerPermit",
    "Permit",
    "Decision",
    "TokenBucket",
    "SlidingWindowLimiter",
    "KeyedTokenBucket",
    "KeyedSlidingWindow",
    "rate_limit_headers",
    "Backoff",
    "Schedule",
    "RetryBudget",
    "Policy",
    "Retry",
    "retry",
    "classify",
    "headers",
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
    "AdaptiveTimeout",
    "FaultInjector",
    "Timeout",
    "timeout",
    "Deadline",
    "deadline",
    "current_deadline",
    "MISS",
    "Fallback",
    "fallback",
    "FallbackChain",
    "ChainResult",
    "Part",
    "Degraded",
    "degrade",
    "degrade_async",
]

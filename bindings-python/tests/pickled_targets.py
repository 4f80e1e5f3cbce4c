"""Module-level decorated functions that test_pickle.py sends to worker
processes (a function pickles by reference: module and qualified name)."""

from __future__ import annotations

import seawall

breaker = seawall.CircuitBreaker(failure_count_threshold=2)
bulkhead = seawall.Bulkhead(4)
injector = seawall.FaultInjector(seed=1)
retrying = seawall.Retry(max_attempts=2, base=0.0)


@breaker
def with_breaker(x: int) -> int:
    return x * 2


@bulkhead
def with_bulkhead(x: int) -> int:
    return x * 3


@injector
def with_injector(x: int) -> int:
    return x * 5


@retrying
def with_retry(x: int) -> int:
    return x * 7


@seawall.fallback(-1)
def with_fallback(x: int) -> int:
    return x * 11


class Service:
    @breaker
    def method(self, x: int) -> int:
        return x + 1


def breaker_state_here(_: int) -> str:
    """The worker's breaker state (its own, not the parent's)."""
    return breaker.state

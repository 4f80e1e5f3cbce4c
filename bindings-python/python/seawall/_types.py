"""Typed shapes of the dicts seawall returns (metrics snapshots)."""

from __future__ import annotations

from typing import Literal, Optional, TypedDict

__all__ = [
    "BackoffKind",
    "JitterKind",
    "TokenBucketMetrics",
    "BackoffMetrics",
    "RetryBudgetMetrics",
    "SlidingWindowMetrics",
    "KeyedMetrics",
    "BreakerState",
    "WindowKind",
    "OnFull",
    "BreakerMetrics",
    "BulkheadMetrics",
    "AdaptiveTimeoutMetrics",
    "FaultInjectorMetrics",
]

BackoffKind = Literal["constant", "linear", "exponential"]
JitterKind = Literal["none", "full", "equal", "proportional", "decorrelated"]
BreakerState = Literal["closed", "open", "half_open", "disabled", "forced_open", "metrics_only"]
WindowKind = Literal["count_based", "time_based"]
OnFull = Literal["deny", "allow"]


class TokenBucketMetrics(TypedDict):
    burst: int
    available: int
    emission_interval: float
    emission_interval_ns: int
    allowed: int
    denied: int
    waiting: int


class BackoffMetrics(TypedDict):
    schedules: int
    retries: int
    exhausted_attempts: int
    exhausted_elapsed: int


class RetryBudgetMetrics(TypedDict):
    tokens: float
    tokens_milli: int
    max_tokens_milli: int
    threshold_milli: int
    retries_allowed: int
    retries_denied: int
    successes: int
    failures: int


class SlidingWindowMetrics(TypedDict):
    limit: int
    count: int
    allowed: int
    denied: int
    waiting: int


class KeyedMetrics(TypedDict):
    keys_tracked: int
    capacity: int
    evictions: int
    table_full: int
    allowed: int
    denied: int
    waiting: int


class BreakerMetrics(TypedDict):
    state: BreakerState
    calls: int
    successes: int
    failures: int
    slow: int
    ignored: int
    rejected: int
    transitions: int
    buffered_calls: int
    buffered_failures: int
    buffered_slow: int
    failure_rate: Optional[float]
    slow_call_rate: Optional[float]
    failure_count: int
    half_open_in_flight: int
    half_open_successes: int
    open_duration: float
    open_duration_ns: int


class BulkheadMetrics(TypedDict):
    active: int
    queued: int
    total: int
    rejected: int
    max_concurrent: int
    max_queue: int


class AdaptiveTimeoutMetrics(TypedDict):
    samples: int
    total: int
    p50: float
    p95: float
    p99: float
    timeout: float
    p50_ns: int
    p95_ns: int
    p99_ns: int
    timeout_ns: int


class FaultInjectorMetrics(TypedDict):
    decisions: int
    errors: int
    delays: int
    enabled: bool

"""The demo's fault script and the policy every client uses, in one place.

The clients read their settings from `policy.json` (written next to the
other run files by run.py) so the Python, Node and C clients are configured
from the same numbers.
"""

# (name, start fraction of the run, FaultInjector settings for that phase)
PHASES = [
    ("healthy", 0.00, dict(error_rate=0.0, delay_rate=0.0)),
    ("down", 0.17, dict(error_rate=1.0, delay_rate=0.0)),
    ("slow", 0.37, dict(error_rate=0.0, delay_rate=1.0, delay_min=1.5, delay_max=2.5)),
    ("recovering", 0.57, dict(error_rate=0.25, delay_rate=0.0)),
    ("healthy", 0.80, dict(error_rate=0.0, delay_rate=0.0)),
]

# Every upstream answer also takes 5–15 ms of ordinary latency.
BASE_LATENCY = dict(delay_rate=1.0, delay_min=0.005, delay_max=0.015)

# Requests per second each client sends (one new call every 1/RATE s,
# without waiting for earlier ones).
RATE = 20

# The one policy: rate limiter -> breaker -> bulkhead -> adaptive timeout
# -> retry with budget -> fallback. Durations in seconds.
POLICY = {
    "rate_limiter": {"burst": 10, "rate_per_sec": 30.0},
    "circuit_breaker": {
        "failure_rate_threshold": 0.5,
        "slow_call_rate_threshold": 0.8,
        "slow_call_duration_threshold": 0.25,
        "window_size": 20,
        "minimum_number_of_calls": 10,
        "open_duration": 2.0,
        "open_duration_multiplier": 1.5,
        "max_open_duration": 6.0,
        "half_open_max_calls": 3,
        "success_threshold": 3,
    },
    "bulkhead": {"max_concurrent": 8},
    "adaptive_timeout": {
        "percentile": 0.95,
        "multiplier": 1.5,
        "min_timeout": 0.05,
        "max_timeout": 0.5,
        "initial_timeout": 0.3,
        "min_samples": 10,
        "window": 10.0,
    },
    "retry": {"max_attempts": 3, "base": 0.05, "factor": 2.0, "max_delay": 0.4, "jitter": "full"},
    "retry_budget": {"max_tokens": 10, "token_ratio": 0.1},
    "unprotected_timeout": 10.0,
}


def phase_index(elapsed: float, duration: float) -> int:
    """Index into PHASES of the phase in force `elapsed` s into the run."""
    current = 0
    for i, p in enumerate(PHASES):
        if elapsed >= p[1] * duration:
            current = i
    return current


def phase_spans(duration: float):
    """[(name, start_s, end_s)] for the chart and the summary."""
    out = []
    for i, (name, start, _) in enumerate(PHASES):
        end = PHASES[i + 1][1] if i + 1 < len(PHASES) else 1.0
        out.append((name, start * duration, end * duration))
    return out

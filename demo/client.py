"""The Python client: calls the payment service through one seawall policy.

rate limiter -> circuit breaker -> bulkhead -> adaptive timeout -> retry
with budget -> fallback ("payment queued"). Writes one JSON line per event
to stdout (see run.py). Usage: client.py PORT T0_NS DURATION POLICY_JSON
"""

import asyncio
import json
import sys
import time

import seawall

PORT, T0_NS, DURATION = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
P = json.load(open(sys.argv[4]))
RATE = P["rate"]


def now_s():
    return (time.monotonic_ns() - T0_NS) / 1e9


def emit(**ev):
    ev.setdefault("t", round(now_s(), 4))
    sys.stdout.write(json.dumps(ev) + "\n")
    sys.stdout.flush()


class UpstreamError(Exception):
    """The payment service answered with an error status."""

    def __init__(self, status):
        super().__init__(f"upstream answered {status}")
        self.status = status  # 503: retryable by seawall's default classification


async def http_get(path):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        status = int(status_line.split()[1])
        await reader.read()
    finally:
        writer.close()
    if status != 200:
        raise UpstreamError(status)
    return status


cb = P["circuit_breaker"]
if P.get("shared_region"):
    # The shared-state act: one breaker for the three clients, in a region.
    breaker = seawall.CircuitBreaker(**cb, region=seawall.SharedRegion(P["shared_region"]), name="payments")
else:
    breaker = seawall.CircuitBreaker(**cb)
limiter = seawall.TokenBucket(**P["rate_limiter"])
bulkhead = seawall.Bulkhead(**P["bulkhead"])
adaptive = seawall.AdaptiveTimeout(**P["adaptive_timeout"])
budget = seawall.RetryBudget(**P["retry_budget"])
r = P["retry"]
retry = seawall.Retry(
    r["max_attempts"], base=r["base"], factor=r["factor"], max_delay=r["max_delay"], jitter=r["jitter"],
    budget=budget, retry_on=(UpstreamError, seawall.TimeoutError),
)


def reason_of(e):
    if isinstance(e, seawall.RetryError) and e.__cause__ is not None:
        e = e.__cause__
    return {
        seawall.CircuitOpenError: "circuit_open",
        seawall.RateLimitedError: "rate_limited",
        seawall.BulkheadFullError: "bulkhead_full",
        seawall.TimeoutError: "timeout",
        seawall.RetryBudgetExhaustedError: "retry_budget",
        UpstreamError: "upstream_error",
    }.get(type(e), type(e).__name__)


policy = seawall.Policy(
    rate_limiter=limiter,
    circuit_breaker=breaker,
    bulkhead=bulkhead,
    retry=retry,
    fallback=seawall.Fallback(handler=lambda e: ("queued", reason_of(e))),
)
breaker.on_state_change(lambda old, new: emit(ev="transition", **{"from": old, "to": new}))
in_flight = 0


async def attempt():
    # The adaptive timeout wraps each attempt and learns from its latency.
    return await adaptive.call_async(http_get, "/pay?client=python")


async def one_call():
    global in_flight
    in_flight += 1
    start = time.monotonic()
    attempts = 0

    async def counted():
        nonlocal attempts
        attempts += 1
        return await attempt()

    try:
        result = await policy.call_async(counted)
    finally:
        in_flight -= 1
    if isinstance(result, tuple):
        emit(ev="call", outcome="fallback", reason=result[1], attempts=attempts, latency=round(time.monotonic() - start, 4))
    else:
        emit(ev="call", outcome="ok", reason=None, attempts=attempts, latency=round(time.monotonic() - start, 4))


async def main():
    emit(ev="ready")
    while now_s() < 0:  # run.py gives every process the same start time
        await asyncio.sleep(0.005)
    tasks = set()
    next_at = 0.0
    last_state = 0.0
    while now_s() < DURATION:
        t = now_s()
        if t >= next_at:
            task = asyncio.ensure_future(one_call())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += 1.0 / RATE
        if t - last_state >= 0.25:
            emit(ev="state", state=breaker.state, in_flight=in_flight, timeout=round(adaptive.timeout(), 4))
            last_state = t
        await asyncio.sleep(min(0.01, max(0.0, next_at - now_s())))
    if tasks:
        await asyncio.wait(tasks, timeout=5)
    emit(ev="done", metrics=str(breaker.metrics()))


asyncio.run(main())

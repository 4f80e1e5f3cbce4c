"""The Python client: calls the payment service through one seawall policy.

rate limiter -> circuit breaker -> bulkhead -> adaptive timeout -> retry
with budget -> fallback ("payment queued"). Writes one JSON line per event
to stdout (see run.py), and serves seawall's Prometheus export on
http://127.0.0.1:METRICS_PORT/metrics (and /health) until stdin closes.
Usage: client.py PORT T0_NS DURATION POLICY_JSON METRICS_PORT
"""

import asyncio
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import seawall
import seawall.metrics

PORT, T0_NS, DURATION = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
P = json.load(open(sys.argv[4]))
RATE = P["rate"]
METRICS_PORT = int(sys.argv[5])
# Every primitive is named; the labels say whose it is. They join seawall's
# default registry, which /metrics exports.
LABELS = {"dependency": "payments", "client": "python"}


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
    # The shared-state act: one breaker for the three clients, in a region
    # (its name is the region slot's; labels make this process export it).
    breaker = seawall.CircuitBreaker(**cb, region=seawall.SharedRegion(P["shared_region"]), name="payments", labels=LABELS)
else:
    breaker = seawall.CircuitBreaker(**cb, name="payments", labels=LABELS)
limiter = seawall.TokenBucket(**P["rate_limiter"], name="payments-limiter", labels=LABELS)
bulkhead = seawall.Bulkhead(**P["bulkhead"], name="payments-bulkhead", labels=LABELS)
adaptive = seawall.AdaptiveTimeout(**P["adaptive_timeout"], name="payments-timeout", labels=LABELS)
budget = seawall.RetryBudget(**P["retry_budget"])
seawall.metrics.register(budget, "payments-retry-budget", labels=LABELS)
r = P["retry"]
retry = seawall.Retry(
    r["max_attempts"], base=r["base"], factor=r["factor"], max_delay=r["max_delay"], jitter=r["jitter"],
    budget=budget, retry_on=(UpstreamError, seawall.TimeoutError),
)
seawall.metrics.register(retry, "payments-retry", labels=LABELS)


class MetricsHandler(BaseHTTPRequestHandler):
    """GET /metrics: seawall's Prometheus text; GET /health: its health JSON."""

    def do_GET(self):
        if self.path == "/metrics":
            body, ctype = seawall.metrics.prometheus_text().encode(), seawall.metrics.CONTENT_TYPE
        elif self.path == "/health":
            body, ctype = json.dumps(seawall.metrics.health()).encode(), "application/json"
        else:
            body, ctype = b"not found\n", "text/plain"
        self.send_response(200 if ctype != "text/plain" else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


metrics_server = ThreadingHTTPServer(("127.0.0.1", METRICS_PORT), MetricsHandler)
metrics_server.daemon_threads = True
threading.Thread(target=metrics_server.serve_forever, daemon=True).start()


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
    emit(ev="ready", metrics_port=METRICS_PORT)
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
            # Calls the user has in flight: only the client knows (seawall's
            # state comes from /metrics).
            emit(ev="state", in_flight=in_flight)
            last_state = t
        await asyncio.sleep(min(0.01, max(0.0, next_at - now_s())))
    if tasks:
        await asyncio.wait(tasks, timeout=5)
    emit(ev="done")


asyncio.run(main())
# Keep /metrics up until run.py has taken its last scrape (it closes stdin).
sys.stdin.read()
metrics_server.shutdown()

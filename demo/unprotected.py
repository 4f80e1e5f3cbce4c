"""The contrast: the same load with no protection at all.

Plain calls with a long timeout, one thread per call, no breaker, no limit,
no retry budget, no fallback. Same JSON-lines protocol as the protected
clients. Usage: unprotected.py PORT T0_NS DURATION POLICY_JSON
"""

import http.client
import json
import sys
import threading
import time

PORT, T0_NS, DURATION = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
P = json.load(open(sys.argv[4]))
TIMEOUT = P["unprotected_timeout"]
lock = threading.Lock()
in_flight = 0


def now_s():
    return (time.monotonic_ns() - T0_NS) / 1e9


def emit(**ev):
    ev.setdefault("t", round(now_s(), 4))
    with lock:
        sys.stdout.write(json.dumps(ev) + "\n")
        sys.stdout.flush()


def one_call():
    global in_flight
    with lock:
        in_flight += 1
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT)
        conn.request("GET", "/pay?client=unprotected")
        status = conn.getresponse().status
        conn.close()
        outcome, reason = ("ok", None) if status == 200 else ("failure", "upstream_error")
    except OSError as e:
        outcome, reason = "failure", type(e).__name__
    finally:
        with lock:
            in_flight -= 1
    emit(ev="call", outcome=outcome, reason=reason, attempts=1, latency=round(time.monotonic() - start, 4))


def main():
    emit(ev="ready")
    while now_s() < 0:  # run.py gives every process the same start time
        time.sleep(0.005)
    threads = []
    next_at, last_state = 0.0, 0.0
    while now_s() < DURATION:
        t = now_s()
        if t >= next_at:
            th = threading.Thread(target=one_call, daemon=True)
            th.start()
            threads.append(th)
            next_at += 1.0 / P["rate"]
        if t - last_state >= 0.25:
            emit(ev="state", state="none", in_flight=in_flight)
            last_state = t
        time.sleep(min(0.01, max(0.0, next_at - now_s())))
    deadline = time.monotonic() + 5
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    emit(ev="done")


main()

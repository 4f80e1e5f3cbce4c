"""The demo's "payment service": HTTP on 127.0.0.1, an ephemeral port.

Its behaviour follows the fault script in scenario.py, and each request's
fault is decided by seawall's FaultInjector (one per phase, seeded, so runs
are repeatable). Prints its port on the first line of stdout, then serves
until stdin closes or it is sent SIGTERM.

GET /pay?client=NAME   200 {"status":"paid"} or 503, per the script
GET /stats             per-client hits, errors and peak concurrent requests
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import seawall
from scenario import BASE_LATENCY, PHASES, phase_index

T0_NS = int(sys.argv[1])
DURATION = float(sys.argv[2])

INJECTORS = [seawall.FaultInjector(seed=100 + i, **settings) for i, (_, _, settings) in enumerate(PHASES)]
LATENCY = seawall.FaultInjector(seed=7, **BASE_LATENCY)
lock = threading.Lock()
stats = {}


def now_s():
    return (time.monotonic_ns() - T0_NS) / 1e9


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that's the point

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/stats":
            with lock:
                return self._send(200, stats)
        if url.path != "/pay":
            return self._send(404, {"error": "not found"})
        client = parse_qs(url.query).get("client", ["?"])[0]
        with lock:
            s = stats.setdefault(client, {"hits": 0, "errors": 0, "in_flight": 0, "peak_in_flight": 0})
            s["hits"] += 1
            s["in_flight"] += 1
            s["peak_in_flight"] = max(s["peak_in_flight"], s["in_flight"])
        try:
            index = phase_index(now_s(), DURATION)
            name = PHASES[index][0]
            kind, delay = INJECTORS[index].decide()
            _, base = LATENCY.decide()
            time.sleep(base + (delay if kind == "delay" else 0.0))
            if kind == "error":
                with lock:
                    s["errors"] += 1
                self._send(503, {"error": "payment service unavailable", "phase": name})
            else:
                self._send(200, {"status": "paid", "phase": name})
        finally:
            with lock:
                s["in_flight"] -= 1


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()  # run.py closes our stdin to stop us
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()

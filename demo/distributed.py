"""`make demo-distributed`: one limit shared by several client processes
through Redis, then Redis killed and restarted while traffic continues.

Starts its own redis-server on a free port of 127.0.0.1 (temp dir), and
clients on one key of one Redis sliding window ("60 per second from
all of you"): two Python processes, one Node process (when the Node
addon is built) and one Go process (when target/demo/go-client is built:
`make demo-distributed` builds it from demo/go), each offering up to ~100 requests per second. Timeline: healthy
(the three share 60/s), Redis killed (the failure mode answers: `local`
gives each process its own 60/s, `closed` denies all, `open` allows all),
Redis restarted (service resumes by itself, back to 60/s in total). Prints
one line per second. Loopback only; ends by itself.

Usage: distributed.py [--mode local|closed|open] [--seconds 20]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NODE_ADDON = os.path.join(ROOT, "bindings-node")
GO_CLIENT = os.path.join(ROOT, "target", "demo", "go-client")

PY_CLIENT = """
import json, math, sys, time, seawall
url, mode, secs, name, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
b = seawall.RedisBackend(url, deadline=0.05, on_failure=mode)
l = seawall.RedisSlidingWindow(60, 1.0, buckets=10, backend=b, name="partner-api")
start = t0  # the parent's CLOCK_MONOTONIC reading: one time origin for all
sec, ok, no = math.floor(time.monotonic() - start), 0, 0
while time.monotonic() - start < secs:
    if l.try_acquire("all-of-us"):
        ok += 1
    else:
        no += 1
    now = math.floor(time.monotonic() - start)
    if now != sec:
        m = b.metrics()
        print(json.dumps({"t": sec, "client": name, "ok": ok, "denied": no, "fallbacks": m["fallbacks"], "breaker": m["breaker_state"]}), flush=True)
        sec, ok, no = now, 0, 0
    time.sleep(0.01)
"""

NODE_CLIENT = """
const seawall = require(process.argv[1])
const [url, mode, secs, name, t0] = [process.argv[2], process.argv[3], Number(process.argv[4]), process.argv[5], Number(process.argv[6])]
const mono = () => Number(process.hrtime.bigint()) / 1e9 // CLOCK_MONOTONIC, as the parent's
const backend = new seawall.RedisBackend({ url, deadlineMs: 50, onFailure: mode })
const l = new seawall.RedisSlidingWindow({ backend, name: 'partner-api', limit: 60, windowMs: 1000, buckets: 10 })
let sec = Math.floor(mono() - t0), ok = 0, no = 0
async function main () {
  while (mono() - t0 < secs) {
    if (await l.tryAcquire('all-of-us')) ok++; else no++
    const now = Math.floor(mono() - t0)
    if (now !== sec) {
      const m = backend.metrics()
      console.log(JSON.stringify({ t: sec, client: name, ok, denied: no, fallbacks: m.fallbacks, breaker: m.breakerState }))
      sec = now; ok = 0; no = 0
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
main()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="local", choices=["local", "closed", "open"])
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("no redis-server: run `bash scripts/deps-debian.sh redis-server` (make demo-distributed does)")
    port, d = free_port(), tempfile.mkdtemp(prefix="seawall-demo-redis-")
    url = f"redis://127.0.0.1:{port}/0"

    def start_redis():
        p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return p
            except OSError:
                time.sleep(0.01)
        sys.exit("redis-server did not start")

    redis = start_redis()
    secs = a.seconds
    kill_at, restart_at = round(secs / 4), round(secs / 2)
    t0 = time.monotonic() + 1.0  # clients start counting in one second
    clients = [[sys.executable, "-c", PY_CLIENT, url, a.mode, str(secs), "python-1", str(t0)],
               [sys.executable, "-c", PY_CLIENT, url, a.mode, str(secs), "python-2", str(t0)]]
    if shutil.which("node") and any(f.endswith(".node") for f in os.listdir(NODE_ADDON)):
        clients.append(["node", "-e", NODE_CLIENT, NODE_ADDON, url, a.mode, str(secs), "node-1", str(t0)])
    if os.access(GO_CLIENT, os.X_OK):
        clients.append([GO_CLIENT, url, a.mode, str(secs), "go-1", str(t0)])
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in clients]
    names = [c[-2] for c in clients]
    rows = {}
    lock = threading.Lock()

    def read(p):
        for line in p.stdout:
            r = json.loads(line)
            with lock:
                rows.setdefault(r["t"], {})[r["client"]] = r

    readers = [threading.Thread(target=read, args=(p,)) for p in procs]
    for t in readers:
        t.start()
    print(f"{len(procs)} clients ({', '.join(names)}), one key, limit 60/s across all; on_failure={a.mode!r}")
    print(f"Redis killed at {kill_at}s, restarted at {restart_at}s\n")
    print(f"{'t':>3}  {'redis':<7}" + "".join(f"{n:>12}" for n in names) + f"{'total ok':>10}  breaker (per client)")
    while time.monotonic() < t0:
        time.sleep(0.01)
    state, phase = "up", 0  # phase 0: before the kill, 1: killed, 2: restarted
    printed = 0
    states = {}
    while any(p.poll() is None for p in procs) or printed < int(secs):
        el = time.monotonic() - t0
        if phase == 0 and el >= kill_at:
            redis.kill()
            redis.wait()
            state, phase = "killed", 1
        elif phase == 1 and el >= restart_at:
            redis = start_redis()
            state, phase = "up", 2
        states.setdefault(int(el), state)
        with lock:
            ready = rows.get(printed)
            complete = ready is not None and len(ready) == len(procs)
        if complete or (ready is not None and all(p.poll() is not None for p in procs)):
            total = sum(r["ok"] for r in ready.values())
            cells = "".join(f"{str(ready[n]['ok']) + ' ok' if n in ready else '-':>12}" for n in names)
            br = ",".join(ready[n]["breaker"] for n in names if n in ready)
            print(f"{printed:>3}  {states.get(printed, state):<7}{cells}{total:>10}  {br}")
            printed += 1
        elif all(p.poll() is not None for p in procs) and ready is None:
            break
        time.sleep(0.05)
    for t in readers:
        t.join()
    redis.kill()
    redis.wait()
    shutil.rmtree(d, ignore_errors=True)
    print("\nWhile Redis was up the clients shared 60/s in total; while it was down the mode answered "
          f"({a.mode}: " + {"local": "each process limited itself to 60/s", "closed": "every request denied",
                            "open": "every request allowed"}[a.mode] + "); after the restart they shared 60/s again, "
          "with no restart of the clients.")


if __name__ == "__main__":
    main()

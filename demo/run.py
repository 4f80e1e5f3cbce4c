"""`make demo`: one upstream, three protected clients (Python, Node, C) and
one unprotected client, a live view, then a summary and a chart.

Everything runs on 127.0.0.1 and ends by itself. All processes share one
time origin: CLOCK_MONOTONIC, which Python, Node and C read alike.

Usage: run.py [--duration 60] [--out DIR] [--smoke]
"""

import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from scenario import PHASES, POLICY, RATE, phase_index, phase_spans  # noqa: E402

STATE_COLORS = {"closed": "#3a9d23", "half_open": "#f0a202", "open": "#d1342f",
                "forced_open": "#8b0000", "disabled": "#999999", "metrics_only": "#3a9d23"}
PHASE_COLORS = {"healthy": "#dff0d8", "down": "#f2dede", "slow": "#fcf8e3", "recovering": "#d9edf7"}


class Client:
    def __init__(self, name, argv):
        self.name, self.argv = name, argv
        self.proc = None
        self.calls, self.states, self.transitions = [], [], []
        self.state, self.in_flight, self.done = "closed", 0, False
        self.stderr = []

    @property
    def protected(self):
        return self.name != "unprotected"

    def counts(self):
        c = {"ok": 0, "failures": 0, "rejected": 0, "fallbacks": 0, "calls": len(self.calls)}
        for ev in self.calls:
            if ev["outcome"] == "ok":
                c["ok"] += 1
            else:
                if ev["outcome"] == "fallback":
                    c["fallbacks"] += 1
                if ev["reason"] in ("circuit_open", "rate_limited", "bulkhead_full"):
                    c["rejected"] += 1
                else:
                    c["failures"] += 1
        return c


def start(client, events, env):
    client.proc = subprocess.Popen(client.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True, env=env, start_new_session=True)

    def read_out():
        for line in client.proc.stdout:
            try:
                events.put((client, json.loads(line)))
            except json.JSONDecodeError:
                client.stderr.append("bad line: " + line.strip())
        events.put((client, {"ev": "eof"}))

    def read_err():
        for line in client.proc.stderr:
            client.stderr.append(line.rstrip())

    threading.Thread(target=read_out, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()


def apply(client, ev):
    kind = ev.get("ev")
    if kind == "call":
        client.calls.append(ev)
    elif kind == "state":
        client.state = ev.get("state", client.state)
        client.in_flight = ev.get("in_flight", 0)
        client.states.append(ev)
    elif kind == "transition":
        client.transitions.append(ev)
        client.state = ev["to"]
    elif kind in ("done", "eof"):
        client.done = True


def render(clients, elapsed, duration, tty):
    phase = PHASES[phase_index(max(elapsed, 0.0), duration)][0]
    head = f"seawall demo  t={max(elapsed, 0):5.1f}s / {duration:.0f}s   upstream phase: {phase}"
    rows = [f"{'client':<12} {'breaker':<10} {'ok':>6} {'failed':>7} {'rejected':>9} {'fallbacks':>10} {'in flight':>10}"]
    for c in clients:
        k = c.counts()
        state = c.state if c.protected else "-"
        rows.append(f"{c.name:<12} {state:<10} {k['ok']:>6} {k['failures']:>7} {k['rejected']:>9} {k['fallbacks']:>10} {c.in_flight:>10}")
    text = "\n".join([head] + rows)
    if tty:
        sys.stdout.write("\x1b[H\x1b[2J" + text + "\n")
    else:
        sys.stdout.write(text + "\n\n")
    sys.stdout.flush()


def transition_lines(transitions, duration):
    """One line per transition, except that a run of failed probe rounds
    (open -> half_open -> open, again and again) is folded into one line."""
    def phase(t):
        return PHASES[phase_index(max(t, 0), duration)][0]

    lines, i = [], 0
    while i < len(transitions):
        j = i
        while (j + 1 < len(transitions) and transitions[j]["from"] == "open" and transitions[j]["to"] == "half_open"
               and transitions[j + 1]["to"] == "open"):
            j += 2
        if j - i >= 4:
            a, b = transitions[i]["t"], transitions[j - 1]["t"]
            lines.append(f"{a:6.2f}s … {b:6.2f}s  {(j - i) // 2} probe rounds failed: open -> half_open -> open "
                         f"({phase(a)} .. {phase(b)})")
            i = j
            continue
        t = transitions[i]
        lines.append(f"{t['t']:6.2f}s  {t['from']} -> {t['to']} ({phase(t['t'])})")
        i += 1
    return lines


def summary(clients, stats, duration):
    print("\nSummary")
    print(f"{'client':<12} {'calls':>6} {'ok':>6} {'failed':>7} {'rejected':>9} {'fallbacks':>10} {'upstream hits':>14} "
          f"{'peak upstream conc.':>20} {'time waiting (s)':>17} {'p99 latency (s)':>16}")
    for c in clients:
        k = c.counts()
        lat = sorted(ev["latency"] for ev in c.calls) or [0.0]
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        s = stats.get(c.name, {})
        print(f"{c.name:<12} {k['calls']:>6} {k['ok']:>6} {k['failures']:>7} {k['rejected']:>9} {k['fallbacks']:>10} "
              f"{s.get('hits', 0):>14} {s.get('peak_in_flight', 0):>20} {sum(lat):>17.1f} {p99:>16.3f}")
    print("\nBreaker transitions (time: from -> to, during upstream phase)")
    for c in clients:
        if not c.protected:
            continue
        print(f"  {c.name:<8} " + ("\n           ".join(transition_lines(c.transitions, duration)) or "(none)"))


def chart(clients, duration, path, shared=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(clients) + 1
    fig, axes = plt.subplots(rows, 1, figsize=(13, 2.1 * rows), sharex=True,
                             gridspec_kw={"height_ratios": [0.6] + [1] * len(clients)})
    spans = phase_spans(duration)
    ax = axes[0]
    for name, a, b in spans:
        ax.axvspan(a, b, color=PHASE_COLORS.get(name, "#eeeeee"))
        ax.text((a + b) / 2, 0.5, name, ha="center", va="center", fontsize=10)
    ax.set_yticks([])
    ax.set_title("upstream payment service: fault script (seawall FaultInjector)", loc="left", fontsize=10)
    bins = [i * 0.5 for i in range(int(duration / 0.5) + 1)]
    for ax, c in zip(axes[1:], clients):
        for _, a, _b in spans[1:]:
            ax.axvline(a, color="#888888", lw=0.6, ls="--")
        ok = [ev["t"] for ev in c.calls if ev["outcome"] == "ok"]
        bad = [ev["t"] for ev in c.calls if ev["outcome"] != "ok"]
        label_bad = "fallback (payment queued)" if c.protected else "failed"
        ax.hist([ok, bad], bins=bins, stacked=True, color=["#3a9d23", "#d1342f" if not c.protected else "#7f7fbf"],
                label=["ok", label_bad])
        ax.set_ylabel("calls / 0.5 s", fontsize=8)
        if c.protected:
            # breaker state as a band along the top of the panel
            t_prev, s_prev = 0.0, "closed"
            for tr in c.transitions + [{"t": duration, "to": None}]:
                ax.axvspan(t_prev, tr["t"], ymin=0.92, ymax=1.0, color=STATE_COLORS.get(s_prev, "#cccccc"))
                t_prev, s_prev = tr["t"], tr["to"]
            ax.set_title(f"{c.name} client through seawall — band: "
                         f"{'the ONE shared breaker as this client heard it' if shared else 'breaker state'} "
                         "(green closed, orange half-open, red open)", loc="left", fontsize=10)
        else:
            ax2 = ax.twinx()
            xs = [s["t"] for s in c.states]
            ax2.plot(xs, [s["in_flight"] for s in c.states], color="black", lw=1.2, label="calls in flight")
            ax2.set_ylabel("in flight", fontsize=8)
            ax2.legend(loc="upper right", fontsize=8)
            ax.set_title("unprotected client (plain calls, 10 s timeout)", loc="left", fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
    axes[-1].set_xlabel("seconds since start")
    axes[-1].set_xlim(0, duration)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "demo"))
    ap.add_argument("--smoke", action="store_true", help="a few seconds, checks instead of a show")
    ap.add_argument("--node-client", default=os.path.join(HERE, "client.js"))
    ap.add_argument("--c-client", default=os.path.join(ROOT, "target", "demo", "client_c"))
    ap.add_argument("--shared", action="store_true",
                    help="the shared-state act: the three clients share one breaker through a SharedRegion")
    args = ap.parse_args()
    duration = 10.0 if args.smoke else args.duration
    os.makedirs(args.out, exist_ok=True)
    act = "-shared" if args.shared else ""
    policy_path = os.path.join(args.out, f"policy{act}.json")
    region = f"/dev/shm/seawall-demo-{os.getpid()}" if args.shared else None
    if region and os.path.exists(region):
        os.remove(region)
    with open(policy_path, "w") as f:
        json.dump({**POLICY, "rate": RATE, **({"shared_region": region} if region else {})}, f, indent=2)
    if args.shared:
        print("shared-state act: the python, node and c clients share ONE breaker through a shared-memory "
              f"region ({region}); each hears its transitions at its next call")

    t0 = time.monotonic_ns() + 3_000_000_000  # everyone starts together in 3 s
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    up = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream.py"), str(t0), str(duration)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, start_new_session=True)
    port = int(up.stdout.readline())
    common = [str(port), str(t0), str(duration), policy_path]
    clients = [
        Client("python", [sys.executable, os.path.join(HERE, "client.py")] + common),
        Client("node", ["node", args.node_client] + common),
        Client("c", [args.c_client] + common),
        Client("unprotected", [sys.executable, os.path.join(HERE, "unprotected.py")] + common),
    ]
    events = queue.Queue()
    tty = sys.stdout.isatty() and not args.smoke
    print(f"upstream payment service on 127.0.0.1:{port}; {len(clients)} clients at {RATE} calls/s for {duration:.0f} s")
    try:
        for c in clients:
            start(c, events, env)
        hard_stop = time.monotonic() + duration + 3 + 20
        next_view = 0.0
        while not all(c.done for c in clients) and time.monotonic() < hard_stop:
            try:
                client, ev = events.get(timeout=0.1)
                apply(client, ev)
            except queue.Empty:
                pass
            elapsed = (time.monotonic_ns() - t0) / 1e9
            if time.monotonic() >= next_view:
                render(clients, elapsed, duration, tty)
                next_view = time.monotonic() + (0.5 if tty else 5.0)
        while not events.empty():
            apply(*events.get())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
            stats = json.load(r)
    finally:
        # Clients exit by themselves after "done"; stop any that do not.
        for c in clients:
            if c.proc is None:
                continue
            try:
                c.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(c.proc.pid, signal.SIGTERM)
        up.stdin.close()
        try:
            up.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
        for c in clients:
            if c.proc:
                try:
                    c.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(c.proc.pid, signal.SIGKILL)

    if region and os.path.exists(region):
        os.remove(region)
    render(clients, duration, duration, False)
    summary(clients, stats, duration)
    png = os.path.join(args.out, f"seawall-demo{act}.png")
    chart(clients, duration, png, shared=args.shared)
    print(f"\nchart: {png}")

    problems = []
    down = next(s for s in phase_spans(duration) if s[0] == "down")
    for c in clients:
        if c.proc.returncode not in (0, None):
            problems.append(f"{c.name} exited with {c.proc.returncode}: {' | '.join(c.stderr[-5:])}")
        if not c.calls:
            problems.append(f"{c.name} made no calls: {' | '.join(c.stderr[-5:])}")
        if c.protected and not any(t["to"] == "open" and down[1] <= t["t"] <= down[2] + 1 for t in c.transitions):
            problems.append(f"{c.name}: breaker did not open during the down phase")
    if args.shared:
        # One breaker: every client hears it open at the same moment (within
        # the time to its next call), not each on its own schedule.
        firsts = [min((t["t"] for t in c.transitions if t["to"] == "open"), default=None)
                  for c in clients if c.protected]
        if None not in firsts and max(firsts) - min(firsts) > 0.5:
            problems.append(f"shared breaker: clients heard it open at {firsts} (more than 0.5 s apart)")
        elif None not in firsts:
            print(f"shared breaker: first 'open' heard at {', '.join(f'{t:.2f} s' for t in firsts)} by python, node, c")
    for p in problems:
        print("PROBLEM:", p)
    if problems:
        sys.exit(1)
    print("demo: all clients finished; every breaker opened while the upstream was down")


if __name__ == "__main__":
    main()

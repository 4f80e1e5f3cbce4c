"""`make demo`: one upstream, three protected clients (Python, Node, C) and
one unprotected client, a live view, then a summary and a chart.

Everything runs on 127.0.0.1 and ends by itself. All processes share one
time origin: CLOCK_MONOTONIC, which Python, Node and C read alike.

Where the numbers come from: every protected client serves seawall's
Prometheus export on http://127.0.0.1:PORT/metrics; run.py scrapes it every
0.25 s and parses it with the official parser (prometheus_client). Breaker
state, calls by outcome, rejections, limiter and bulkhead counts, retries,
the retry budget and the adaptive timeout in the live view, the summary and
the chart are read from there. Only what seawall cannot know comes from the
clients' own JSON lines: what the user's call ended as (ok / payment queued),
its end-to-end latency, the calls the user has in flight, and the whole
unprotected client (it has no seawall). The list of breaker transitions in
the summary comes from each breaker's transition listener (an event, exact
to the call); the chart's state band is the scraped gauge, so a half-open
probe round shorter than a scrape interval shows only in that list.

Usage: run.py [--duration 60] [--out DIR] [--smoke]
"""

import argparse
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from scenario import PHASES, POLICY, RATE, phase_index, phase_spans  # noqa: E402

NS = "seawall_"
# Families every protected client's /metrics must carry (it names a breaker,
# a token bucket, a bulkhead, an adaptive timeout, a retry and its budget).
REQUIRED_FAMILIES = [
    "circuit_breaker_state", "circuit_breaker_calls", "circuit_breaker_slow_calls",
    "circuit_breaker_rejected_calls", "circuit_breaker_transitions", "rate_limiter_calls",
    "rate_limiter_available_permits", "bulkhead_active_calls", "bulkhead_calls", "retry_budget_tokens",
    "retry_budget_retries", "adaptive_timeout_seconds", "adaptive_timeout_latency_seconds",
    "retry_schedules", "retry_retries", "retry_give_ups",
]
SCRAPE_EVERY = 0.25

STATE_COLORS = {"closed": "#3a9d23", "half_open": "#f0a202", "open": "#d1342f",
                "forced_open": "#8b0000", "disabled": "#999999", "metrics_only": "#3a9d23"}
PHASE_COLORS = {"healthy": "#dff0d8", "down": "#f2dede", "slow": "#fcf8e3", "recovering": "#d9edf7"}


class Scrape:
    """One parsed /metrics answer: {(sample name, labels): value} and the
    type of each family."""

    def __init__(self, t, text):
        self.t, self.samples, self.types = t, {}, {}
        for fam in text_string_to_metric_families(text):
            self.types[fam.name] = fam.type
            for smp in fam.samples:
                self.samples[(smp.name, tuple(sorted(smp.labels.items())))] = smp.value

    def get(self, sample, **labels):
        """The sum of `sample`'s values whose labels include `labels`."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == NS + sample and want <= set(ls))

    def state(self):
        for (n, ls), v in self.samples.items():
            if n == NS + "circuit_breaker_state" and v == 1:
                return dict(ls)["state"]
        return "?"

    def rejected(self):
        """Calls seawall refused before they reached the upstream."""
        return (self.get("circuit_breaker_rejected_calls_total") + self.get("rate_limiter_calls_total", outcome="denied")
                + self.get("bulkhead_calls_total", outcome="rejected"))


class Client:
    def __init__(self, name, argv, metrics_port=None):
        self.name, self.argv = name, argv
        self.proc, self.ready = None, False
        self.calls, self.states, self.transitions = [], [], []
        self.in_flight, self.done = 0, False
        self.stderr = []
        self.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics" if metrics_port else None
        self.scrapes, self.scrape_errors, self.final_scraped = [], [], False
        self.lock = threading.Lock()

    @property
    def protected(self):
        return self.name != "unprotected"

    def last(self):
        with self.lock:
            return self.scrapes[-1] if self.scrapes else None

    def counts(self):
        """What the user's calls ended as (the client's own lines)."""
        ok = sum(1 for ev in self.calls if ev["outcome"] == "ok")
        return {"calls": len(self.calls), "ok": ok, "not_ok": len(self.calls) - ok}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(client, t0):
    """GET the client's /metrics and parse it; errors are kept for the checks."""
    try:
        with urllib.request.urlopen(client.metrics_url, timeout=2) as r:
            text = r.read().decode()
        sc = Scrape((time.monotonic_ns() - t0) / 1e9, text)
    except Exception as e:  # noqa: BLE001 - reported by the checks
        with client.lock:
            client.scrape_errors.append(f"{type(e).__name__}: {e}")
        return False
    with client.lock:
        client.scrapes.append(sc)
    return True


def scraper(clients, t0, stop):
    """Scrapes every protected client until it is done (run.py takes the last
    scrape itself when the client says "done")."""
    while not stop.wait(SCRAPE_EVERY):
        for c in clients:
            if c.metrics_url and c.ready and not c.done:
                scrape(c, t0)


def scrape_problems(c):
    """The smoke checks on one client's /metrics: scraped and parsed, every
    family present with this client's labels, counters never going down."""
    out = []
    if len(c.scrapes) < 3 or not c.final_scraped:
        out.append(f"{c.name}: /metrics scraped {len(c.scrapes)} times (final scrape: {c.final_scraped}); "
                   f"errors: {c.scrape_errors[-3:]}")
        return out
    for fam in REQUIRED_FAMILIES:
        missing = [sc.t for sc in c.scrapes if NS + fam not in sc.types]
        if missing:
            out.append(f"{c.name}: family {NS + fam} missing from {len(missing)} scrapes")
    clients_seen = {dict(ls).get("client") for sc in c.scrapes for (_, ls) in sc.samples}
    if clients_seen != {c.name}:
        out.append(f"{c.name}: /metrics samples carry client labels {clients_seen}")
    for prev, cur in zip(c.scrapes, c.scrapes[1:]):
        for key, v in cur.samples.items():
            if cur.types.get(key[0][: -len("_total")]) == "counter" and v < prev.samples.get(key, 0):
                out.append(f"{c.name}: counter {key[0]}{dict(key[1])} went down from {prev.samples[key]} to {v} "
                           f"between the scrapes at {prev.t:.2f} s and {cur.t:.2f} s")
    last = c.scrapes[-1]
    if last.get("circuit_breaker_calls_total") + last.get("circuit_breaker_rejected_calls_total") == 0:
        out.append(f"{c.name}: /metrics counted no breaker calls")
    return out


def start(client, events, env):
    # stdin: a protected client serves /metrics until run.py closes it.
    client.proc = subprocess.Popen(client.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.PIPE, text=True, env=env, start_new_session=True)

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


def close_stdin(client):
    try:
        client.proc.stdin.close()
    except (OSError, ValueError):
        pass


def apply(client, ev, t0):
    kind = ev.get("ev")
    if kind == "ready":
        client.ready = True
    elif kind == "call":
        client.calls.append(ev)
    elif kind == "state":
        client.in_flight = ev.get("in_flight", 0)
        client.states.append(ev)
    elif kind == "transition":
        client.transitions.append(ev)
    elif kind in ("done", "eof"):
        if client.metrics_url and not client.done and kind == "done":
            client.final_scraped = scrape(client, t0)  # the last numbers, then let it exit
        client.done = True
        close_stdin(client)


def render(clients, elapsed, duration, tty, shared=False):
    phase = PHASES[phase_index(max(elapsed, 0.0), duration)][0]
    head = f"seawall demo  t={max(elapsed, 0):5.1f}s / {duration:.0f}s   upstream phase: {phase}"
    rows = [f"{'':<12} {'the user saw (client lines)':<30}| seawall's /metrics (scraped every {SCRAPE_EVERY} s)",
            f"{'client':<12} {'ok':>6} {'queued/failed':>13} {'in flight':>9} | {'breaker':<10} {'succeeded':>9} "
            f"{'failed':>7} {'rejected':>9} {'retries':>8} {'budget':>7} {'timeout':>8}"]
    for c in clients:
        k = c.counts()
        user = f"{c.name:<12} {k['ok']:>6} {k['not_ok']:>13} {c.in_flight:>9} | "
        sc = c.last()
        if sc is None:
            rows.append(user + ("-" if not c.protected else "(not scraped yet)"))
            continue
        rows.append(user + f"{sc.state():<10} {sc.get('circuit_breaker_calls_total', outcome='success'):>9.0f} "
                    f"{sc.get('circuit_breaker_calls_total', outcome='failure'):>7.0f} {sc.rejected():>9.0f} "
                    f"{sc.get('retry_retries_total'):>8.0f} {sc.get('retry_budget_tokens'):>7.1f} "
                    f"{sc.get('adaptive_timeout_seconds'):>7.3f}s")
    rows.append("rejected = breaker open + rate limiter denied + bulkhead full; retries, budget tokens and the "
                "adaptive timeout as seawall counts them")
    if shared:
        rows.append("shared act: the breaker columns are the ONE shared breaker's counters (all three clients' calls)")
    rows.append("try: " + "   ".join(f"curl -s {c.metrics_url}" for c in clients if c.metrics_url))
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
    print("\nSummary: the user's calls (client lines) and the upstream's count")
    print(f"{'client':<12} {'calls':>6} {'ok':>6} {'queued/failed':>14} {'upstream hits':>14} "
          f"{'peak upstream conc.':>20} {'time waiting (s)':>17} {'p99 latency (s)':>16}")
    for c in clients:
        k = c.counts()
        lat = sorted(ev["latency"] for ev in c.calls) or [0.0]
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        s = stats.get(c.name, {})
        print(f"{c.name:<12} {k['calls']:>6} {k['ok']:>6} {k['not_ok']:>14} "
              f"{s.get('hits', 0):>14} {s.get('peak_in_flight', 0):>20} {sum(lat):>17.1f} {p99:>16.3f}")
    print("\nSummary: seawall's /metrics at the end (last scrape)")
    print(f"{'client':<12} {'breaker ok':>10} {'failed':>7} {'slow':>6} {'open rej.':>9} {'transitions':>11} "
          f"{'limiter ok':>10} {'denied':>7} {'bulkhead ok':>11} {'full':>5} {'retries':>8} {'give-ups':>9}")
    for c in clients:
        sc = c.last()
        if sc is None:
            continue
        g = sc.get
        print(f"{c.name:<12} {g('circuit_breaker_calls_total', outcome='success'):>10.0f} "
              f"{g('circuit_breaker_calls_total', outcome='failure'):>7.0f} {g('circuit_breaker_slow_calls_total'):>6.0f} "
              f"{g('circuit_breaker_rejected_calls_total'):>9.0f} {g('circuit_breaker_transitions_total'):>11.0f} "
              f"{g('rate_limiter_calls_total', outcome='allowed'):>10.0f} {g('rate_limiter_calls_total', outcome='denied'):>7.0f} "
              f"{g('bulkhead_calls_total', outcome='permitted'):>11.0f} {g('bulkhead_calls_total', outcome='rejected'):>5.0f} "
              f"{g('retry_retries_total'):>8.0f} {g('retry_give_ups_total'):>9.0f}")
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
            # From /metrics: the breaker state as a band along the top of the
            # panel (one stripe per scrape), and what seawall refused per second.
            scrapes = [sc for sc in c.scrapes if sc.t >= 0]
            for a, b in zip(scrapes, scrapes[1:] + [None]):
                ax.axvspan(a.t, b.t if b else duration, ymin=0.92, ymax=1.0, color=STATE_COLORS.get(a.state(), "#cccccc"))
            ax2 = ax.twinx()
            pts = [(b.t, (b.rejected() - a.rejected()) / (b.t - a.t)) for a, b in zip(scrapes, scrapes[1:]) if b.t > a.t]
            ax2.plot([p[0] for p in pts], [p[1] for p in pts], color="black", lw=1.0, label="rejected by seawall / s")
            ax2.set_ylabel("rejected / s", fontsize=8)
            ax2.legend(loc="upper right", fontsize=8)
            ax.set_title(f"{c.name} client through seawall — from its /metrics: band = "
                         f"{'the ONE shared breaker' if shared else 'breaker state'} "
                         "(green closed, orange half-open, red open), line = rejected/s; bars: the user's calls",
                         loc="left", fontsize=9)
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
    ports = {name: free_port() for name in ("python", "node", "c")}
    clients = [
        Client("python", [sys.executable, os.path.join(HERE, "client.py")] + common + [str(ports["python"])], ports["python"]),
        Client("node", ["node", args.node_client] + common + [str(ports["node"])], ports["node"]),
        Client("c", [args.c_client] + common + [str(ports["c"])], ports["c"]),
        Client("unprotected", [sys.executable, os.path.join(HERE, "unprotected.py")] + common),
    ]
    events = queue.Queue()
    tty = sys.stdout.isatty() and not args.smoke
    print(f"upstream payment service on 127.0.0.1:{port}; {len(clients)} clients at {RATE} calls/s for {duration:.0f} s")
    print("each protected client serves seawall's Prometheus export while the demo runs (also /health):")
    for c in clients:
        if c.metrics_url:
            print(f"  {c.name:<7} curl -s {c.metrics_url}")
    stop = threading.Event()
    try:
        for c in clients:
            start(c, events, env)
        threading.Thread(target=scraper, args=(clients, t0, stop), daemon=True).start()
        hard_stop = time.monotonic() + duration + 3 + 20
        next_view = 0.0
        while not all(c.done for c in clients) and time.monotonic() < hard_stop:
            try:
                client, ev = events.get(timeout=0.1)
                apply(client, ev, t0)
            except queue.Empty:
                pass
            elapsed = (time.monotonic_ns() - t0) / 1e9
            if time.monotonic() >= next_view:
                render(clients, elapsed, duration, tty, args.shared)
                next_view = time.monotonic() + (0.5 if tty else 5.0)
        while not events.empty():
            apply(*events.get(), t0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
            stats = json.load(r)
    finally:
        stop.set()
        # Clients exit by themselves after "done" (and stdin closed); stop any that do not.
        for c in clients:
            if c.proc is None:
                continue
            close_stdin(c)
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
    render(clients, duration, duration, False, args.shared)
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
        if c.protected:
            problems += scrape_problems(c)
            if not any(sc.state() == "open" and down[1] <= sc.t for sc in c.scrapes):
                problems.append(f"{c.name}: no /metrics scrape showed the breaker open after the upstream went down")
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
    print("demo: all clients finished; every breaker opened while the upstream was down; "
          + ", ".join(f"{c.name} /metrics scraped {len(c.scrapes)} times" for c in clients if c.protected)
          + " (parsed, every family present, counters monotonic)")


if __name__ == "__main__":
    main()

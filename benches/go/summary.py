"""Median ns/op per benchmark of `go test -bench` output (stdin), and each
seawall row next to its peer rows (same name before the `_`): ratio = peer
ns / seawall ns (> 1: seawall is faster)."""
import re
import statistics
import sys

runs = {}
for line in sys.stdin:
    m = re.match(r"Benchmark(\w+?)_(\w+)-\d+\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        runs.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(float(m.group(3)))
print("| operation | library | ns/op (median) | runs | peer ÷ seawall |")
print("|---|---|---:|---:|---|")
for op, libs in runs.items():
    peers = {k: statistics.median(v) for k, v in libs.items() if not k.startswith("Seawall")}
    for lib, v in libs.items():
        med = statistics.median(v)
        ratio = ", ".join(f"{p / med:.2f}x {name}" for name, p in peers.items()) if lib.startswith("Seawall") else ""
        print(f"| {op} | {lib} | {med:.1f} | {len(v)} | {ratio} |")

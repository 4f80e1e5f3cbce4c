"""The median of each (language, library, variant, concurrency) over the
rounds of run.sh, as the markdown table of BENCHMARKS.md."""

import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
cmds = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    k = (r["lang"], r["lib"], r["variant"], r["concurrency"])
    rows[k].append(r["decisions_per_sec"])
    cmds[k] = r["commands_per_decision"]

print("| language | library | limiter | concurrency | decisions/s (median) | rounds | Redis commands per decision |")
print("|---|---|---|---:|---:|---|---:|")
for k, v in rows.items():
    lang, lib, variant, conc = k
    print(f"| {lang} | {lib} | {variant} | {conc} | {statistics.median(v):,.0f} | {', '.join(f'{x:,}' for x in v)} | {cmds[k]:g} |")

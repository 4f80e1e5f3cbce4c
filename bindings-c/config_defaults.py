#!/usr/bin/env python3
"""Writes the header-only `seawall_<x>_config_default()` functions into a
header cbindgen made (`make header`, `make check-header`): one for every
`seawall_<x>_config_init` the header declares, in the header's order and
under the same `#if` as that declaration. They replace the marker line
the trailer of bindings-c/cbindgen.toml leaves for them.

Usage: config_defaults.py include/seawall.h   (rewrites the file in place)
"""
import re
import sys

MARKER = "/* @seawall_config_defaults@ */"

path = sys.argv[1]
text = open(path).read()
if text.count(MARKER) != 1:
    sys.exit("%s: expected the marker %s once (cbindgen.toml's trailer)" % (path, MARKER))

inits, conds = [], []
for line in text[: text.index(MARKER)].splitlines():
    s = line.strip()
    if s.startswith("#if"):
        conds.append(s)
    elif s.startswith("#endif"):
        conds.pop()
    elif s.startswith(("#else", "#elif")):
        sys.exit("%s: %s: only #if / #endif are understood" % (path, s))
    m = re.search(r"\bseawall_status (seawall_(\w+)_config)_init\(", line)
    if m:
        # The declaration's own #if (the include guard is not one).
        inits.append((m.group(1), [c for c in conds if c != "#ifndef SEAWALL_H"]))

if not inits:
    sys.exit("%s: no seawall_*_config_init declared" % path)

blocks = []
for config, cs in inits:
    body = """/**
 * A `{c}` holding the defaults, made with this program's
 * `sizeof`: `{c}_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline {c} {c}_default(void) {{
  {c} c;
  (void){c}_init(&c, sizeof c);
  return c;
}}""".format(c=config)
    blocks.append("\n".join(cs + [body] + ["#endif"] * len(cs)))

text = text.replace(MARKER, "\n\n".join(blocks))
with open(path, "w") as f:
    f.write(text)

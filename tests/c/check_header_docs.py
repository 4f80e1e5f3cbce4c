#!/usr/bin/env python3
"""Checks that every function in include/seawall.h documents what the C
conventions promise: thread-safety, the statuses it returns, and who owns
what it hands out. Fails listing the functions that do not.

Usage: check_header_docs.py include/seawall.h
"""
import re
import sys

text = open(sys.argv[1]).read()
text = re.sub(r"\b(?:struct|enum)\s+(seawall_\w+)\b(?!\s*\{)", r"\1", text)
proto_re = re.compile(
    r"(/\*\*(?:(?!\*/).)*\*/)\s*\n([A-Za-z_][\w \*]*?[\s\*])(seawall_\w+)\(([^;{}]*?)\);", re.S
)
problems, n = [], 0
for m in proto_re.finditer(text):
    doc = re.sub(r"\s*\n\s*\*\s*", " ", m.group(1))
    ret, name, params = m.group(2).strip(), m.group(3), " ".join(m.group(4).split())
    n += 1
    if not re.search(r"thread", doc, re.I):
        problems.append("%s: says nothing about threads" % name)
    if ret == "seawall_status" and not re.search(r"SEAWALL_[A-Z_]+", doc):
        problems.append("%s: does not list the statuses it returns" % name)
    hands_out = "**" in params or (ret.endswith("*"))
    if hands_out and not re.search(r"owns|free|static", doc):
        problems.append("%s: does not say who owns what it hands out" % name)
    if ret == "void" and not re.search(r"no-op|NULL", doc):
        problems.append("%s: does not say what NULL does" % name)
for p in problems:
    print("FAIL", p, file=sys.stderr)
print("header docs: %d passed, %d failed" % (n - len({p.split(':')[0] for p in problems}), len({p.split(':')[0] for p in problems})))
sys.exit(1 if problems or n == 0 else 0)

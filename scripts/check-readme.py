#!/usr/bin/env python3
"""Checks that every README code block marked `<!-- example: PATH -->` is
exactly the content of PATH, so README snippets are the examples CI runs."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
bad = 0
count = 0
for readme in [root / "README.md", *root.glob("bindings-*/README.md")]:
    text = readme.read_text()
    for m in re.finditer(r"<!-- example: (\S+) -->\n```[a-z]*\n(.*?)```", text, re.S):
        count += 1
        path = root / m.group(1)
        if not path.exists():
            print(f"{readme.name}: example {m.group(1)} does not exist")
            bad += 1
        elif path.read_text() != m.group(2):
            print(f"{readme.relative_to(root)}: block differs from {m.group(1)}")
            bad += 1
print(f"readme examples: {count} checked, {bad} stale")
sys.exit(1 if bad else 0)

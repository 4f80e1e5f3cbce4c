#!/usr/bin/env python3
"""Rewrites every README block marked `<!-- example: PATH -->` with PATH's
content (the inverse of check-readme.py)."""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
for readme in [root / "README.md", *root.glob("bindings-*/README.md")]:
    text = readme.read_text()

    def repl(m):
        return f"<!-- example: {m.group(1)} -->\n```{m.group(2)}\n{(root / m.group(1)).read_text()}```"

    new = re.sub(r"<!-- example: (\S+) -->\n```([a-z]*)\n(.*?)```", repl, text, flags=re.S)
    if new != text:
        readme.write_text(new)
        print(f"updated {readme.relative_to(root)}")

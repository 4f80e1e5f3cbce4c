#!/usr/bin/env bash
# Installs libseawall into a temporary prefix and builds examples/c/quickstart.c
# with `cc $(pkg-config --cflags --libs seawall)` (shared) and with
# `pkg-config --static` (static), then runs both.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PREFIX="$(mktemp -d)"
trap 'rm -rf "$PREFIX"' EXIT
make -s -C "$ROOT" install-c PREFIX="$PREFIX" >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
echo "pkg-config: $(pkg-config --modversion seawall): $(pkg-config --cflags --libs seawall)"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$PREFIX/quickstart" \
  "$ROOT/examples/c/quickstart.c" $(pkg-config --cflags --libs seawall)
LD_LIBRARY_PATH="$PREFIX/lib" "$PREFIX/quickstart" >/dev/null
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -static-libgcc -o "$PREFIX/quickstart-static" \
  "$ROOT/examples/c/quickstart.c" $(pkg-config --cflags seawall) \
  "$PREFIX/lib/libseawall.a" $(pkg-config --static --libs-only-other --libs-only-l seawall | sed 's/-lseawall//')
"$PREFIX/quickstart-static" >/dev/null
echo "pkgconfig_test: 2 passed, 0 failed"

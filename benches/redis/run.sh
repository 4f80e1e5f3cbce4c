#!/usr/bin/env bash
# Redis-backed limiters side by side in one run against one local Redis
# (BENCHMARKS.md, "Redis backend"): starts redis-server on a free port in
# a temp dir, runs the Python and Node benches, stops it. Needs the Python
# venv (make -C bindings-python install) and the Node addon built.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
PY=$ROOT/bindings-python/.venv/bin/python
$PY -m pip install -q --disable-pip-version-check -r requirements.txt
npm install --no-audit --no-fund --silent
DIR=$(mktemp -d)
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" >/dev/null &
RPID=$!
trap 'kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
URL="redis://127.0.0.1:$PORT/0"
OUT=$ROOT/target/redis-bench.jsonl
: > "$OUT"
# ROUNDS runs, Python and Node alternating; the table is the median of the runs
# (each run already interleaves its libraries in short batches).
# LANGS=node (or python) runs one side only; bench.js also reads
# SEAWALL_BASELINE (other builds in the same run) and BENCH_FLOOR.
for round in $(seq "${ROUNDS:-3}"); do
  case " ${LANGS:-python node} " in *" python "*) $PY bench.py "$URL" >> "$OUT" ;; esac
  case " ${LANGS:-python node} " in *" node "*) node bench.js "$URL" >> "$OUT" ;; esac
  redis-cli -p "$PORT" flushall >/dev/null
done
$PY table.py "$OUT"

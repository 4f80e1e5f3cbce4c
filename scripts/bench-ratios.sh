#!/usr/bin/env bash
# Interleaved wall-clock ratios seawall / peer for every speed target, on 1
# and 2 threads (see benches/benches/ops.rs). Usage: scripts/bench-ratios.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-40}
cargo bench -q -p seawall-benches --bench ops --no-run 2>/dev/null
BIN=$(ls -t target/release/deps/ops-* | grep -v '\.d$' | head -1)
echo "op_a             op_b             threads  median ns/op (a b) ratio   min ns/op (a b) ratio"
for t in 1 2; do
  R=$ROUNDS; [ "$t" -gt 1 ] && R=$(( (ROUNDS + 1) / 2 ))
  "$BIN" ab tb_denied gov_denied "$t" "$R"
  "$BIN" ab cb_success recloser "$t" "$R"
  "$BIN" ab cb_success failsafe "$t" "$R"
  "$BIN" ab bh tokio_sem "$t" "$R"
  # issue 17: the documented forms (breaker `call` with the slow-call rule
  # on by default; limiters on the default fast clock) and a full bulkhead.
  "$BIN" ab cb_call failsafe "$t" "$R"
  "$BIN" ab tb_allowed gov_allowed "$t" "$R"
  "$BIN" ab tb_denied_rc gov_denied_rc "$t" "$R"
  "$BIN" ab ktb_hot gov_keyed "$t" "$R"
  "$BIN" ab sw gov_allowed "$t" "$R"
  "$BIN" ab bh_full tokio_full "$t" "$R"
done
# Floors: one clock read (fast = ordered TSC; CLOCK_MONOTONIC; quanta's
# unordered TSC read, governor's clock).
"$BIN" ab clk_fast clk_mono 1 "$ROUNDS"
"$BIN" ab clk_fast clk_quanta 1 "$ROUNDS"
"$BIN" ab tb_allowed_fake gov_allowed_fake 1 "$ROUNDS"
"$BIN" ab backoff backon 1 "$ROUNDS"
"$BIN" ab backoff backon 2 "$(( (ROUNDS + 1) / 2 ))"
"$BIN" ab backoff_seeded backon 1 "$ROUNDS"

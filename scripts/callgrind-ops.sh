#!/usr/bin/env bash
# Instructions per operation of each op in benches/benches/ops.rs, counted by
# callgrind (repeatable on a loaded machine). Usage: scripts/callgrind-ops.sh [op...]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200000}
cargo bench -q -p seawall-benches --bench ops --no-run 2>/dev/null
BIN=$(ls -t target/release/deps/ops-* | grep -v '\.d$' | head -1)
OPS=("$@")
if [ ${#OPS[@]} -eq 0 ]; then
  OPS=(tb_allowed gov_allowed tb_denied gov_denied tb_allowed_fake gov_allowed_fake
       cb_success recloser failsafe bh tokio_sem backoff backon)
fi
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-18s %10s\n' op instr/op
for op in "${OPS[@]}"; do
  a=$(ir "$op" 0)
  b=$(ir "$op" "$N")
  awk -v a="$a" -v b="$b" -v n="$N" -v op="$op" 'BEGIN { printf "%-18s %10.1f\n", op, (b - a) / n }'
done

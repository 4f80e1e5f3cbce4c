#!/usr/bin/env bash
# Instructions per operation through the C ABI (tests/c/ops_ffi.c, linked
# against target/release/libseawall.so) next to the same operation on the
# core (benches/benches/ops.rs), counted by callgrind. The C loops mirror
# benches/benches/c_abi.rs. Usage: scripts/callgrind-c-abi.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
cargo build -q --release -p seawall-c
cargo bench -q -p seawall-benches --bench ops --no-run 2>/dev/null
OPS_BIN=$(ls -t target/release/deps/ops-* | grep -v '\.d$' | head -1)
mkdir -p target/c
cc -std=c11 -O2 -Iinclude tests/c/ops_ffi.c -o target/c/ops_ffi \
  -Ltarget/release -lseawall -Wl,-rpath,"$PWD/target/release"
ir() { # binary op n -> total instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per() { # binary op -> instructions per op
  local a b
  a=$(ir "$1" "$2" 0); b=$(ir "$1" "$2" "$N")
  awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }'
}
printf '%-12s %10s %10s\n' op core C
for pair in "version:-" "clock_now:-" "tb_denied:tb_denied" "cb:cb_success" "bh:bh" "backoff:backoff"; do
  c=${pair%%:*}; r=${pair##*:}
  core=-; [ "$r" != - ] && core=$(per "$OPS_BIN" "$r")
  printf '%-12s %10s %10s\n' "$c" "$core" "$(per target/c/ops_ffi "$c")"
done

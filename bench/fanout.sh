#!/usr/bin/env bash
# npm run bench:fanout: raises the open-file limit (10,000 sockets on each side), then runs bench/fanout.ts.
set -euo pipefail
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -n 65536 2>/dev/null || true
echo "open-file limit: $(ulimit -n)" >&2
exec npx tsx "$(dirname "$0")/fanout.ts"

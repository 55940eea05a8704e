#!/usr/bin/env bash
# Where an idle gateway's memory goes: starts it (NODE_ENV=production, the benchmark database, no
# client), waits 8 s after it answers, prints one JSON line (RSS split from /proc/<pid>/status, V8
# heap and its spaces and external memory from prom-client's /metrics, threads, and the largest
# resident mappings from /proc/<pid>/smaps), then stops it.
#   bash bench/idle-memory.sh <label> <node arguments...>
#   e.g. bash bench/idle-memory.sh tsx --import tsx server/main.ts
# SNAP=1 also writes a V8 heap snapshot (add --heapsnapshot-signal=SIGUSR2 to the node arguments).
# Uses the stack of STACK_PORT_OFFSET and BENCH_GATEWAY_PORT (default 4900); run bench:api once
# first so that the catalog_bench database exists.
set -euo pipefail
label=$1; shift
offset=${STACK_PORT_OFFSET:-0}
port=${BENCH_GATEWAY_PORT:-4900}
export NODE_ENV=production PORT=$port HOST=127.0.0.1 LOG_LEVEL=warn API_RATE_LIMIT=0 \
  API_KEYS="bench:bench_$(head -c 18 /dev/urandom | base64 | tr '+/' '-_'):*" \
  DATABASE_URL=${BENCH_DATABASE_URL:-postgresql://catalog:catalog@localhost:$((5432 + offset))/catalog_bench} \
  KAFKA_BROKERS=localhost:$((9092 + offset)) TOPIC_CATALOG_CHANGES=idle-memory.changes \
  TOPIC_SYNC_EVENTS=idle-memory.sync-events KAFKA_GROUP_PREFIX=idle-memory-
log=$(mktemp)
node "$@" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.5; done
sleep 8
if [ -n "${SNAP:-}" ]; then kill -USR2 $pid; sleep 12; fi
metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
python3 - "$pid" "$label" "$metrics" <<'PY'
import collections, json, os, re, sys
pid, label, metrics = sys.argv[1:4]
status = {line.split(':')[0]: int(line.split()[1]) // 1024 for line in open(f'/proc/{pid}/status') if line.startswith(('VmRSS', 'RssAnon', 'RssFile'))}
def mb(name):
    match = re.search(r'^catalog_' + name + r'(?:\{[^}]*\})? (\S+)', metrics, re.M)
    return round(float(match.group(1)) / 2**20) if match else None
spaces = {re.search(r'space="(\w+)"', line).group(1): round(float(line.split()[-1]) / 2**20, 1)
          for line in metrics.splitlines() if line.startswith('catalog_nodejs_heap_space_size_used_bytes')}
mappings = collections.Counter(); current = None
for line in open(f'/proc/{pid}/smaps'):
    fields = line.split()
    if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
        current = os.path.basename(fields[5]) if len(fields) > 5 and fields[5].startswith('/') else (fields[5] if len(fields) > 5 else '[anon]')
    elif fields[0] == 'Rss:':
        mappings[current] += int(fields[1])
print(json.dumps({'label': label, 'rss_mb': status, 'heap_used_mb': mb('nodejs_heap_size_used_bytes'), 'heap_total_mb': mb('nodejs_heap_size_total_bytes'),
                  'external_mb': mb('nodejs_external_memory_bytes'), 'heap_spaces_used_mb': spaces, 'threads': len(os.listdir(f'/proc/{pid}/task')),
                  'largest_mappings_mb': {name: round(kb / 1024) for name, kb in mappings.most_common(5)}, 'load_average': [round(x, 2) for x in os.getloadavg()]}))
PY

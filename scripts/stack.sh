#!/usr/bin/env bash
# Native local stack for machines without a Docker engine: Apache Kafka (KRaft, from Maven Central
# jars), the Debian Postgres server, localstripe (PyPI) and stripe-mock (Go module).
# docker-compose.yaml brings up the same four services on the same ports for Docker users.
#
#   scripts/stack.sh up       install what is missing, start what is down, wait until ready
#   scripts/stack.sh down     stop what this script started (nothing else)
#   scripts/stack.sh status   one line per service
#   scripts/stack.sh stop S   stop one service this script started (tests use it to simulate outages)
#
# Everything it downloads, its data and its logs live in $STACK_DIR (default .stack/, git-ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run

# STACK_PORT_OFFSET runs a second, independent stack beside the first (e.g. 100: Kafka on 9192,
# Postgres on 5532 in its own cluster, localstripe on 8520, stripe-mock on 12211); use it with its
# own STACK_DIR. The tests read the same variable (test/support/stack.ts).
OFFSET=${STACK_PORT_OFFSET:-0}
KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
KAFKA_PORT=$((9092 + OFFSET))
KAFKA_CONTROLLER_PORT=$((9093 + OFFSET))
KAFKA_SASL_PORT=$((9094 + OFFSET))
# The SASL listener's SCRAM test user (test/support/stack.ts has the same; the PLAIN one is in
# kafka-server.properties). Local test credentials, like Postgres's catalog/catalog.
KAFKA_SCRAM_USER=catalog-scram
KAFKA_SCRAM_PASSWORD=catalog-scram-secret
PG_PORT=$((5432 + OFFSET))
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-$([[ $OFFSET == 0 ]] && echo main || echo "catalog$OFFSET")}
PG_USER=catalog
PG_PASSWORD=catalog
PG_DATABASES=(catalog catalog_test)
LOCALSTRIPE_VERSION=${LOCALSTRIPE_VERSION:-1.15.10}
LOCALSTRIPE_PORT=$((8420 + OFFSET))
STRIPE_MOCK_VERSION=${STRIPE_MOCK_VERSION:-v0.203.0}
STRIPE_MOCK_PORT=$((12111 + OFFSET))

say() { printf '%-12s %s\n' "$1" "$2"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOG_DIR/$name.log" 2>/dev/null >&2 || true
      die "$name did not become ready within ${seconds}s (log: $LOG_DIR/$name.log)"
    fi
    sleep 0.3
  done
}

pid_alive() { [[ -f "$RUN_DIR/$1.pid" ]] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

start_daemon() { # name, command... : runs detached, records the pid, logs to $LOG_DIR/name.log
  local name=$1; shift
  nohup setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

stop_daemon() {
  local name=$1
  if pid_alive "$name"; then
    local pid; pid=$(cat "$RUN_DIR/$name.pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "$name" "stopped"
  else
    say "$name" "not started by this script"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# ---------------------------------------------------------------- postgres
pg_bin() { echo "/usr/lib/postgresql/$PG_VERSION/bin"; }
pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_sql() { # runs SQL as the postgres superuser over the local socket
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"
  else sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; fi
}

pg_provision() {
  pg_sql -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB;
  END IF;
END \$\$;
SQL
  local db
  for db in "${PG_DATABASES[@]}"; do
    if [[ -z $(pg_sql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      pg_sql -d postgres -c "CREATE DATABASE $db OWNER $PG_USER"
    fi
  done
}

postgres_up() {
  if pg_ready; then pg_provision; say postgres "already up on :$PG_PORT"; return; fi
  [[ -x "$(pg_bin)/postgres" ]] || die "postgres $PG_VERSION server not found: apt-get install postgresql-$PG_VERSION, or use docker compose"
  need pg_ctlcluster "apt-get install postgresql-common, or use docker compose"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $PG_CLUSTER"; then
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" -p "$PG_PORT" >>"$LOG_DIR/postgres.log" 2>&1
  fi
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >>"$LOG_DIR/postgres.log" 2>&1 \
    || die "postgres failed to start: see $LOG_DIR/postgres.log and /var/log/postgresql/"
  touch "$RUN_DIR/postgres.started"
  wait_for postgres 30 pg_ready
  pg_provision
  say postgres "started on :$PG_PORT"
}

postgres_down() {
  if [[ -f "$RUN_DIR/postgres.started" ]]; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop >>"$LOG_DIR/postgres.log" 2>&1 || true
    rm -f "$RUN_DIR/postgres.started"
    say postgres "stopped"
  else
    say postgres "not started by this script"
  fi
}

# ---------------------------------------------------------------- kafka
KAFKA_HOME=$STACK_DIR/kafka-$KAFKA_VERSION
KAFKA_DATA=$STACK_DIR/data/kafka

kafka_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return
  need java "install JDK 17+, or use docker compose"
  need mvn "install Maven, or use docker compose"
  say kafka "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
  mkdir -p "$KAFKA_HOME/libs"
  mvn -q -B -f "$ROOT/scripts/stack/kafka-runtime.pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/libs" >>"$LOG_DIR/kafka-install.log" 2>&1 \
    || die "could not fetch Kafka jars with mvn (log: $LOG_DIR/kafka-install.log)"
  touch "$KAFKA_HOME/.complete"
}

KAFKA_JAVA=(java -Xms256m -Xmx768m -XX:+UseG1GC
  "-Dlog4j2.configurationFile=$ROOT/scripts/stack/kafka-log4j2.xml" -cp "$KAFKA_HOME/libs/*")

kafka_up() {
  if port_open "$KAFKA_PORT"; then
    # A broker this script started before the SASL listener existed is restarted once to add it.
    if port_open "$KAFKA_SASL_PORT" || ! pid_alive kafka; then
      say kafka "already up on :$KAFKA_PORT"
      pid_alive kafka && kafka_scram_users
      return
    fi
    say kafka "restarting to add the SASL listener on :$KAFKA_SASL_PORT"
    stop_daemon kafka
  fi
  kafka_install
  local props=$STACK_DIR/kafka-server.properties
  # Highest port first, so that with a small offset a replaced port is not replaced again.
  { sed -e "s/:9094/:$KAFKA_SASL_PORT/g" -e "s/:9093/:$KAFKA_CONTROLLER_PORT/g" -e "s/:9092/:$KAFKA_PORT/g" \
      "$ROOT/scripts/stack/kafka-server.properties"
    echo "log.dirs=$KAFKA_DATA"; } >"$props"
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    mkdir -p "$KAFKA_DATA"
    local cluster_id; cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log")
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >>"$LOG_DIR/kafka.log" 2>&1 || die "formatting Kafka storage failed (log: $LOG_DIR/kafka.log)"
  fi
  # Only this start's log lines count: an earlier "Kafka Server started" must not pass for this one.
  KAFKA_LOG_FROM=$(($(wc -l <"$LOG_DIR/kafka.log" 2>/dev/null || echo 0) + 1))
  start_daemon kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$props"
  wait_for kafka 90 kafka_ready
  say kafka "started on :$KAFKA_PORT (Apache Kafka $KAFKA_VERSION, KRaft; SASL test listener on :$KAFKA_SASL_PORT)"
  kafka_scram_users
}

# SCRAM credentials are cluster metadata. `kafka-storage format --add-scram` only helps a fresh data
# directory, and existing ones (formatted before the SASL listener) have none; so they are added the
# same way for both, through the running broker with kafka-configs' class, once per data directory
# (the marker lives in it: a re-formatted directory gets them again). Costs two JVM starts (~3 s each).
kafka_scram_users() {
  local marker=$KAFKA_DATA/.catalog-scram-users
  [[ -f "$marker" ]] && return
  local mechanism
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do # one per request: the broker refuses two for one user
    "${KAFKA_JAVA[@]}" kafka.admin.ConfigCommand --bootstrap-server "localhost:$KAFKA_PORT" --alter \
      --entity-type users --entity-name "$KAFKA_SCRAM_USER" --add-config "$mechanism=[password=$KAFKA_SCRAM_PASSWORD]" \
      >>"$LOG_DIR/kafka.log" 2>&1 || die "adding the $mechanism test user failed (log: $LOG_DIR/kafka.log)"
  done
  touch "$marker"
  say kafka "added the SCRAM-SHA-256/512 test user $KAFKA_SCRAM_USER"
}

kafka_ready() {
  pid_alive kafka || { tail -n 30 "$LOG_DIR/kafka.log" >&2; die "kafka exited during start-up (log: $LOG_DIR/kafka.log)"; }
  port_open "$KAFKA_PORT" && tail -n "+${KAFKA_LOG_FROM:-1}" "$LOG_DIR/kafka.log" | grep -q "Kafka Server started"
}

# ---------------------------------------------------------------- localstripe
VENV=$STACK_DIR/venv

localstripe_up() {
  if port_open "$LOCALSTRIPE_PORT"; then say localstripe "already up on :$LOCALSTRIPE_PORT"; return; fi
  if [[ ! -x "$VENV/bin/localstripe" ]]; then
    need python3 "install Python 3.10+, or use docker compose"
    say localstripe "installing localstripe $LOCALSTRIPE_VERSION from PyPI"
    python3 -m venv "$VENV" >>"$LOG_DIR/localstripe-install.log" 2>&1 \
      || die "python3 -m venv failed: apt-get install python3-venv (log: $LOG_DIR/localstripe-install.log)"
    "$VENV/bin/pip" install -q "localstripe==$LOCALSTRIPE_VERSION" >>"$LOG_DIR/localstripe-install.log" 2>&1 \
      || die "pip install localstripe failed (log: $LOG_DIR/localstripe-install.log)"
  fi
  # --from-scratch: localstripe otherwise restores state from /tmp/localstripe.pickle, shared machine-wide.
  start_daemon localstripe "$VENV/bin/localstripe" --port "$LOCALSTRIPE_PORT" --from-scratch
  wait_for localstripe 30 port_open "$LOCALSTRIPE_PORT"
  say localstripe "started on :$LOCALSTRIPE_PORT"
}

# ---------------------------------------------------------------- stripe-mock
GOBIN_DIR=$STACK_DIR/go/bin

stripe_mock_up() {
  if port_open "$STRIPE_MOCK_PORT"; then say stripe-mock "already up on :$STRIPE_MOCK_PORT"; return; fi
  if [[ ! -x "$GOBIN_DIR/stripe-mock" ]]; then
    need go "install Go 1.21+, or use docker compose"
    say stripe-mock "installing github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
    GOBIN=$GOBIN_DIR go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" >>"$LOG_DIR/stripe-mock-install.log" 2>&1 \
      || die "go install stripe-mock failed (log: $LOG_DIR/stripe-mock-install.log)"
  fi
  start_daemon stripe-mock "$GOBIN_DIR/stripe-mock" -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" -https-addr "127.0.0.1:$((STRIPE_MOCK_PORT + 1))"
  wait_for stripe-mock 30 port_open "$STRIPE_MOCK_PORT"
  say stripe-mock "started on :$STRIPE_MOCK_PORT"
}

# ---------------------------------------------------------------- commands
status_line() {
  local name=$1 port=$2
  if port_open "$port"; then
    local who="not started by this script"
    { pid_alive "$name" || [[ -f "$RUN_DIR/$name.started" ]]; } && who="started by this script"
    say "$name" "up on :$port ($who)"
  else
    say "$name" "down"; return 1
  fi
}

cmd_status() {
  local rc=0
  status_line postgres "$PG_PORT" || rc=1
  status_line kafka "$KAFKA_PORT" || rc=1
  status_line localstripe "$LOCALSTRIPE_PORT" || rc=1
  status_line stripe-mock "$STRIPE_MOCK_PORT" || rc=1
  return $rc
}

cmd_up() {
  local t0=$SECONDS
  postgres_up
  kafka_up
  localstripe_up
  stripe_mock_up
  echo "stack up in $((SECONDS - t0))s (logs: $LOG_DIR)"
}

cmd_down() {
  stop_daemon stripe-mock
  stop_daemon localstripe
  stop_daemon kafka
  postgres_down
}

mkdir -p "$LOG_DIR" "$RUN_DIR"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  stop)
    case "${2:-}" in
      postgres) postgres_down ;;
      kafka | localstripe | stripe-mock) stop_daemon "$2" ;;
      *) echo "usage: $0 stop postgres|kafka|localstripe|stripe-mock" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 up|down|status|stop SERVICE" >&2; exit 2 ;;
esac

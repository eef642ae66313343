#!/usr/bin/env bash
# Form API throughput, start-up time and idle memory, on SQLite (synchronous=full) and PostgreSQL, with a bare
# /healthz baseline measured in the same run. Needs wrk (apt-get install wrk). Usage: scripts/bench-form.sh [seconds]
# PHANANH_BIN=path measures another build (an earlier commit's, for before/after) instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
PORT=18080
PG_ADMIN="${PHANANH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ -z "${PHANANH_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${PHANANH_BIN:-target/release/phananh}"
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() { # $1 = database url
  local t0 t1
  t0=$(date +%s%N)
  PHANANH__DATABASE__URL="$1" PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__LOG__LEVEL=warn \
    PHANANH__FORM__RATE_LIMIT_PER_MINUTE=1000000000 "$BIN" serve >"$WORK/log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$WORK/log"; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  echo "start-up to ready: $(( (t1 - t0) / 1000000 )) ms"
  sleep 1
  echo "idle RSS: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"
}

measure() { # $1 = label, $2 = command printing the number of tickets stored
  echo "-- $1: baseline GET /healthz"
  wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|Latency"
  echo "-- $1: POST /api/v1/feedback (distinct texts)"
  wrk -t2 -c32 -d"${DURATION}s" -s benches/form.lua "http://127.0.0.1:$PORT" >"$WORK/wrk.out"
  grep -E "Requests/sec|Latency|Non-2xx|requests in" "$WORK/wrk.out"
  echo "RSS under load end: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"
  kill $PID; wait $PID 2>/dev/null || true
  echo "tickets stored: $(eval "$2") (every answered request is one ticket)"
}

echo "== SQLite (synchronous=full)"
start "sqlite://$WORK/bench.db?mode=rwc"
measure sqlite "python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from tickets\").fetchone()[0])' $WORK/bench.db"
if psql "$PG_ADMIN" -qc 'drop database if exists phananh_bench' && psql "$PG_ADMIN" -qc 'create database phananh_bench'; then
  echo "== PostgreSQL"
  start "${PG_ADMIN%/*}/phananh_bench"
  measure postgres "psql '${PG_ADMIN%/*}/phananh_bench' -XAtc 'select count(*) from tickets'"
else
  echo "== PostgreSQL unreachable at $PG_ADMIN: skipped"
fi

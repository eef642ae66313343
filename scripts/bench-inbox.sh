#!/usr/bin/env bash
# The officers' inbox at a province's scale: seeds (or reuses) a database of N tickets (default 1,000,000) with
# `phananh seed`, starts the release binary on it, adds an officer (a unit's) and a supervisor, and times the
# queue page and the list API (examples/inbox_latency.rs) beside GET /healthz. Target: p95 <= 100 ms.
# Usage: scripts/bench-inbox.sh [sqlite|postgres] [TICKETS] [RUNS]
# The databases stay for the next run: $PHANANH_BENCH_DIR/inbox-TICKETS.db (default target/bench-inbox) and
# PostgreSQL database phananh_inbox_TICKETS at $PHANANH_BENCH_POSTGRES_URL's server. PHANANH_BIN=path measures
# another build.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
TICKETS="${2:-1000000}"
RUNS="${3:-30}"
PORT=18090
TARGET="${CARGO_TARGET_DIR:-target}"
DIR="${PHANANH_BENCH_DIR:-$TARGET/bench-inbox}"
PG_ADMIN="${PHANANH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ -z "${PHANANH_BIN:-}" ]; then cargo build --release --quiet --bin phananh --example inbox_latency; fi
BIN="${PHANANH_BIN:-$TARGET/release/phananh}"
mkdir -p "$DIR"
export PHANANH_PASSWORD=bench-password-1
export PHANANH__LOG__LEVEL=warn

case "$BACKEND" in
  sqlite)
    FILE="$DIR/inbox-$TICKETS.db"
    export PHANANH__DATABASE__URL="sqlite://$FILE?mode=rwc"
    sql() { python3 -c 'import sqlite3,sys; print("\n".join("|".join(map(str,r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$FILE" "$1"; }
    size() { du -ch "$FILE"* | tail -1 | cut -f1; }
    ;;
  postgres)
    DB="phananh_inbox_$TICKETS"
    export PHANANH__DATABASE__URL="${PG_ADMIN%/*}/$DB"
    psql "$PG_ADMIN" -XAtc "select 1 from pg_database where datname = '$DB'" | grep -q 1 \
      || psql "$PG_ADMIN" -qc "create database $DB"
    sql() { psql "$PHANANH__DATABASE__URL" -XAtc "$1"; }
    size() { sql "select pg_size_pretty(pg_database_size('$DB'))"; }
    ;;
  *) echo "usage: $0 [sqlite|postgres] [TICKETS] [RUNS]"; exit 2 ;;
esac

"$BIN" migrate >/dev/null
if [ "$(sql 'select count(*) from tickets')" = "0" ]; then
  echo "== seeding $TICKETS tickets ($BACKEND)"
  /usr/bin/time -f "seed: %e s wall, %M KB peak" "$BIN" seed --tickets "$TICKETS" --seed 42
else
  echo "== reusing $(sql 'select count(*) from tickets') tickets ($BACKEND)"
fi
echo "database size: $(size)"

# The officer's unit: the one holding the most tickets; a tracking code of one of its tickets.
UNIT=$(sql "select unit_code from tickets where unit_code is not null group by unit_code order by count(*) desc, unit_code limit 1")
CODE=$(sql "select tracking_code from tickets where unit_code = '$UNIT' order by id limit 1 offset 5000")
"$BIN" officer add bench_officer --role officer --unit "$UNIT" >/dev/null 2>&1 || true
"$BIN" officer add bench_supervisor --role supervisor >/dev/null 2>&1 || true
echo "officer's unit $UNIT ($(sql "select count(*) from tickets where unit_code = '$UNIT'") tickets), tracking code $CODE"

LOG=$(mktemp)
PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__AUTH__LOGIN_RATE_LIMIT_PER_MINUTE=1000 "$BIN" serve >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$LOG"; exit 1; }
  sleep 0.05
done
"$TARGET/release/examples/inbox_latency" --base "http://127.0.0.1:$PORT" --officer bench_officer \
  --supervisor bench_supervisor --code "$CODE" --runs "$RUNS"
echo "server RSS at the end: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$PID/status)"

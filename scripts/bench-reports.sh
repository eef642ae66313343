#!/usr/bin/env bash
# The satisfaction report at a province's scale: seeds (or reuses) a database of N tickets (default 1,000,000) with
# `phananh seed`, which also writes their surveys (about a third of the tickets, 90% of those answered: ~300,000
# answers for 1,000,000 tickets) and ratings at the units' desks (one per 20 tickets); starts the release binary on
# it, adds an officer (a unit's) and a supervisor, and times GET /api/v1/reports/satisfaction per unit, officer,
# channel and procedure, over 30 days to a year, as JSON and CSV (examples/report_latency.rs) beside GET /healthz.
# Target: p95 <= 300 ms.
# Usage: scripts/bench-reports.sh [sqlite|postgres] [TICKETS] [RUNS]
# The databases are scripts/bench-inbox.sh's ($PHANANH_BENCH_DIR/inbox-TICKETS.db, default target/bench-inbox, and
# PostgreSQL database phananh_inbox_TICKETS at $PHANANH_BENCH_POSTGRES_URL's server) and stay for the next run. One
# seeded before the seed wrote ratings has none: it is left as it is, and the report gets a database of its own,
# reports-TICKETS.db or phananh_reports_TICKETS, seeded once and kept. PHANANH_BIN=path measures another build (no
# build then); PHANANH_REPORT_EXAMPLE=path runs another build of the example (say target/debug/examples/...).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
TICKETS="${2:-1000000}"
RUNS="${3:-30}"
PORT=18092
TARGET="${CARGO_TARGET_DIR:-target}"
DIR="${PHANANH_BENCH_DIR:-$TARGET/bench-inbox}"
PG_ADMIN="${PHANANH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ -z "${PHANANH_BIN:-}" ]; then cargo build --release --quiet --bin phananh --example report_latency; fi
BIN="${PHANANH_BIN:-$TARGET/release/phananh}"
EXAMPLE="${PHANANH_REPORT_EXAMPLE:-$TARGET/release/examples/report_latency}"
[ -x "$EXAMPLE" ] || { echo "no $EXAMPLE: cargo build --release --example report_latency, or set PHANANH_REPORT_EXAMPLE"; exit 1; }
mkdir -p "$DIR"
export PHANANH_PASSWORD=bench-password-1
export PHANANH__LOG__LEVEL=warn

case "$BACKEND" in
  sqlite)
    sql() { python3 -c 'import sqlite3,sys; print("\n".join("|".join(map(str,r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$FILE" "$1"; }
    size() { du -ch "$FILE"* | tail -1 | cut -f1; }
    ;;
  postgres)
    sql() { psql "$PHANANH__DATABASE__URL" -XAtc "$1"; }
    size() { sql "select pg_size_pretty(pg_database_size('$DB'))"; }
    ;;
  *) echo "usage: $0 [sqlite|postgres] [TICKETS] [RUNS]"; exit 2 ;;
esac

# The database named $1 (inbox: bench-inbox.sh's; reports: this script's own), created if missing, migrated.
use_db() {
  case "$BACKEND" in
    sqlite)
      FILE="$DIR/$1-$TICKETS.db"
      export PHANANH__DATABASE__URL="sqlite://$FILE?mode=rwc"
      ;;
    postgres)
      DB="phananh_$1_$TICKETS"
      export PHANANH__DATABASE__URL="${PG_ADMIN%/*}/$DB"
      psql "$PG_ADMIN" -XAtc "select 1 from pg_database where datname = '$DB'" | grep -q 1 \
        || psql "$PG_ADMIN" -qc "create database $DB"
      ;;
  esac
  "$BIN" migrate >/dev/null
}

use_db inbox
if [ "$(sql 'select count(*) from tickets')" != "0" ] && [ "$(sql 'select count(*) from survey_ratings')" = "0" ]; then
  echo "== $(sql 'select count(*) from tickets') tickets without ratings (seeded before the seed wrote them): a database of the report's own"
  use_db reports
fi
if [ "$(sql 'select count(*) from tickets')" = "0" ]; then
  echo "== seeding $TICKETS tickets with their surveys and desk ratings ($BACKEND)"
  /usr/bin/time -f "seed: %e s wall, %M KB peak" "$BIN" seed --tickets "$TICKETS" --seed 42
else
  echo "== reusing $(sql 'select count(*) from tickets') tickets ($BACKEND)"
fi
echo "database: ${FILE:-$DB}, $(size)"
echo "surveys: $(sql 'select count(*) from survey_ratings') sent, $(sql 'select count(*) from survey_ratings where score is not null') answered; desk ratings: $(sql 'select count(*) from desk_ratings')"

# The officer's unit: the one holding the most tickets.
UNIT=$(sql "select unit_code from tickets where unit_code is not null group by unit_code order by count(*) desc, unit_code limit 1")
"$BIN" officer add bench_officer --role officer --unit "$UNIT" >/dev/null 2>&1 \
  || "$BIN" officer set-unit bench_officer "$UNIT" >/dev/null
"$BIN" officer add bench_supervisor --role supervisor >/dev/null 2>&1 || true
echo "officer's unit $UNIT ($(sql "select count(*) from tickets where unit_code = '$UNIT'") tickets, $(sql "select count(*) from survey_ratings where unit_code = '$UNIT' and score is not null") answers)"

LOG=$(mktemp)
PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__AUTH__LOGIN_RATE_LIMIT_PER_MINUTE=1000 "$BIN" serve >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$LOG"; exit 1; }
  sleep 0.05
done
# The service adds the report's cells up from the log of changed days on start (all of a fresh seed's days once).
START=$(date +%s.%N)
until [ "$(sql 'select count(*) from report_stale')" = "0" ]; do
  kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$LOG"; exit 1; }
  sleep 1
done
echo "report cells: $(sql 'select count(*) from report_cells'), folded in $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $START}") s"
"$EXAMPLE" --base "http://127.0.0.1:$PORT" --officer bench_officer --supervisor bench_supervisor --runs "$RUNS"
echo "server RSS at the end: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$PID/status)"

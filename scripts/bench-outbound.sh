#!/usr/bin/env bash
# The delivery worker against a platform with latency, as one whole command for timing A against B: COUNT Zalo
# events from new citizens spooled while phananh is stopped (benches/zalo_backlog.py), phananh started against
# a fake Zalo send API on loopback (examples/fake_platform.rs) that answers each send after LATENCY_MS, and
# stopped once the fake has answered one acknowledgement per event. Prints the sends per second from phananh's
# start (its start-up and the intake of the backlog, about half a second, included), and checks that every
# event's citizen got one send (none twice) and that every outbox row ended `sent`.
#
#   scripts/bench-outbound.sh BODIES [COUNT] [LATENCY_MS] [BIN] [SLOW_EVERY SLOW_MS]
#
# BODIES: from `scripts/gen-zalo-bodies.py N FILE --app-id 4318290654127809321 --secret
# BENCH_OA_SECRET_KEY_not_a_real_one`. BIN defaults to target/release/phananh; the fake is built with
# `cargo build --release --example fake_platform`. SLOW_EVERY / SLOW_MS: every SLOW_EVERY-th send takes SLOW_MS
# (a platform's slow tail). Extra settings for phananh come from the environment (PHANANH__OUTBOUND__...).
# PHANANH_BENCH_PG=URL (an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres): the same on PostgreSQL,
# in a fresh database phananh_bench_outbound there (the backlog stored unprocessed in inbound_events).
set -euo pipefail
BODIES="$1"
COUNT="${2:-2000}"
LATENCY="${3:-100}"
BIN="${4:-target/release/phananh}"
SLOW_EVERY="${5:-0}"
SLOW_MS="${6:-0}"
PORT="${PHANANH_BENCH_PORT:-18092}"
FAKE_PORT="${PHANANH_BENCH_FAKE_PORT:-18093}"
FAKE=http://127.0.0.1:$FAKE_PORT
CLOSED=http://127.0.0.1:9
WORK=$(mktemp -d /tmp/bench-outbound.XXXXXX)
PID=""
FAKE_PID=""
trap '[[ -n "$PID" ]] && kill $PID 2>/dev/null; [[ -n "$FAKE_PID" ]] && kill $FAKE_PID 2>/dev/null; rm -rf "$WORK"' EXIT
DB="$WORK/w.db"
DB_URL="sqlite://$DB?mode=rwc"
PG_ADMIN="${PHANANH_BENCH_PG:-}"
PG_URL="${PG_ADMIN%/*}/phananh_bench_outbound?sslmode=disable"
if [[ -n "$PG_ADMIN" ]]; then
  psql "$PG_ADMIN" -Xqc "drop database if exists phananh_bench_outbound with (force)" >/dev/null
  psql "$PG_ADMIN" -Xqc "create database phananh_bench_outbound" >/dev/null
  DB_URL="$PG_URL"
fi

target/release/examples/fake_platform "127.0.0.1:$FAKE_PORT" "$LATENCY" "$SLOW_EVERY" "$SLOW_MS" &
FAKE_PID=$!
until curl -sf "$FAKE/count" >/dev/null; do
  kill -0 $FAKE_PID 2>/dev/null || { echo "the fake platform did not start (cargo build --release --example fake_platform)"; exit 1; }
  sleep 0.01
done
# "CALLS DISTINCT": sends answered, and distinct recipients among them.
answered() { echo "$(curl -sf "$FAKE/count" || echo "? ?")"; }

start() {
  PHANANH__DATABASE__URL="$DB_URL" PHANANH__SERVER__BIND="127.0.0.1:$PORT" \
    PHANANH__LOG__LEVEL=warn PHANANH__ATTACHMENTS__STORE="$WORK/attachments" PHANANH__ZALO__APP_ID=4318290654127809321 \
    PHANANH__ZALO__OA_SECRET_KEY=BENCH_OA_SECRET_KEY_not_a_real_one PHANANH__ZALO__ACCESS_TOKEN=bench-token \
    PHANANH__ZALO__API_BASE=$1 PHANANH__ZALO__OAUTH_BASE=$CLOSED PHANANH__FACEBOOK__GRAPH_BASE=$CLOSED \
    "$BIN" serve >>"$WORK/log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$WORK/log"; exit 1; }
    sleep 0.01
  done
}
stop() { kill $PID; wait $PID 2>/dev/null || true; PID=""; }

start $CLOSED # creates the schema
stop
if [[ -n "$PG_ADMIN" ]]; then
  python3 benches/zalo_backlog.py pg "$BODIES" "$COUNT" | psql "$PG_URL" -Xq >/dev/null
else
  python3 benches/zalo_backlog.py sqlite "$DB" "$BODIES" "$COUNT"
fi
t0=$(date +%s%N)
start $FAKE
deadline=$((SECONDS + 600))
while read -r calls _ < <(answered); [[ "$calls" =~ ^[0-9]+$ ]] && ((calls < COUNT)); do
  ((SECONDS < deadline)) || { echo "not every acknowledgement was sent within 600 s: $(answered)"; exit 1; }
  kill -0 $PID 2>/dev/null || { echo "phananh exited:"; tail -5 "$WORK/log"; exit 1; }
  sleep 0.05
done
t1=$(date +%s%N)
sleep 0.5 # the last outcomes are written after the fake answers
stop
read -r calls distinct < <(answered)
if [[ -n "$PG_ADMIN" ]]; then
  read -r rows sent < <(psql "$PG_URL" -XAtF ' ' -c "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'sent') FROM outbox")
else
  read -r rows sent < <(python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
print(*c.execute("SELECT COUNT(*), SUM(state = 'sent') FROM outbox").fetchone())
PY
)
fi
awk -v n="$calls" -v a="$t0" -v b="$t1" -v l="$LATENCY" 'BEGIN {s = (b - a) / 1e9;
  printf "%d sends answered after %d ms in %.2f s from start (%.0f sends/s)\n", n, l, s, n / s}'
if [[ "$calls" != "$COUNT" || "$distinct" != "$COUNT" || "$rows" != "$COUNT" || "$sent" != "$COUNT" ]]; then
  echo "wrong: $calls sends to $distinct citizens; $rows outbox rows, $sent sent (want $COUNT of each)"
  exit 1
fi

#!/usr/bin/env bash
# The intake worker alone, as one whole command for timing A against B: a fresh SQLite database (synchronous=full),
# COUNT Zalo events spooled while phananh is stopped (benches/zalo_backlog.py, as after a crash or a restart), then
# phananh started and stopped once nothing is pending. Prints "N events in S s (R ev/s)" and the machine's busy
# CPU per event.
#
#   scripts/worker-alone.sh BODIES [COUNT] [BIN]
#
# BODIES: a file from `scripts/gen-zalo-bodies.py BODIES_COUNT FILE --app-id 4318290654127809321 --secret
# BENCH_OA_SECRET_KEY_not_a_real_one`. BIN (default target/release/phananh) reads config/ of the working directory:
# run an earlier commit's build from its own checkout. Outbound calls go to a closed loopback port.
# PHANANH_BENCH_PG=URL (an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres): the same on PostgreSQL, in
# a fresh database phananh_bench_worker there (the backlog stored unprocessed in inbound_events).
# PHANANH_BENCH_DOWNLOADS=1: then also wait until every attachment is downloaded and print the download time and
# the store's size (attachments kept in $WORK/attachments, never in the checkout).
set -euo pipefail
BODIES="$1"
COUNT="${2:-20000}"
BIN="${3:-target/release/phananh}"
PORT="${PHANANH_BENCH_PORT:-18091}"
CLOSED=http://127.0.0.1:9
WORK=$(mktemp -d /tmp/worker-alone.XXXXXX)
PID=""
trap '[[ -n "$PID" ]] && kill $PID 2>/dev/null; [[ -n "${POLL_PID:-}" ]] && kill $POLL_PID 2>/dev/null; rm -rf "$WORK"' EXIT

PG_ADMIN="${PHANANH_BENCH_PG:-}"
# Without TLS, as bench-webhooks.sh and its baseline connect (on loopback TLS cost about 7% more CPU an event).
PG_URL="${PG_ADMIN%/*}/phananh_bench_worker?sslmode=disable"
DB_URL="sqlite://$WORK/w.db?mode=rwc"
if [[ -n "$PG_ADMIN" ]]; then
  psql "$PG_ADMIN" -Xqc "drop database if exists phananh_bench_worker with (force)" >/dev/null
  psql "$PG_ADMIN" -Xqc "create database phananh_bench_worker" >/dev/null
  DB_URL="$PG_URL"
fi

start() {
  PHANANH__DATABASE__URL="$DB_URL" PHANANH__SERVER__BIND="127.0.0.1:$PORT" \
    PHANANH__LOG__LEVEL=warn PHANANH__ATTACHMENTS__STORE="$WORK/attachments" PHANANH__ZALO__APP_ID=4318290654127809321 \
    PHANANH__ZALO__OA_SECRET_KEY=BENCH_OA_SECRET_KEY_not_a_real_one PHANANH__ZALO__API_BASE=$CLOSED \
    PHANANH__ZALO__OAUTH_BASE=$CLOSED PHANANH__FACEBOOK__GRAPH_BASE=$CLOSED "$BIN" serve >>"$WORK/log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$WORK/log"; exit 1; }
    sleep 0.01
  done
}
stop() { kill $PID; wait $PID 2>/dev/null || true; PID=""; }

# On PostgreSQL through one session kept open, asking only whether any event is left: a psql started per poll
# (a process and a server backend each time) and a count of the pending took 10-15% of the 2 cores the worker
# is measured on.
pending() {
  if [[ -n "$PG_ADMIN" ]]; then
    local n
    echo "select count(*) from (select 1 from inbound_events where processed_at is null limit 1) x;" >&"${POLL[1]}" &&
      read -r -t 30 n <&"${POLL[0]}" && [[ -n "$n" ]] || { echo "the polling psql session failed" >&2; return 1; }
    echo "$n"
    return
  fi
  python3 - "$WORK/w.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
c.execute("ATTACH DATABASE ? AS spool", (f"file:{sys.argv[1]}-spool?mode=ro",))
print(c.execute("SELECT (SELECT COUNT(*) FROM inbound_events WHERE processed_at IS NULL) + (SELECT COUNT(*) FROM "
                "spool.events s WHERE NOT EXISTS (SELECT 1 FROM inbound_events e WHERE e.channel = s.channel "
                "AND e.dedupe_key = s.dedupe_key))").fetchone()[0])
PY
}

start # creates the schema
stop
if [[ -n "$PG_ADMIN" ]]; then
  python3 benches/zalo_backlog.py pg "$BODIES" "$COUNT" | psql "$PG_URL" -Xq >/dev/null
else
  python3 benches/zalo_backlog.py sqlite "$WORK/w.db" "$BODIES" "$COUNT"
fi
sync
if [[ -n "$PG_ADMIN" ]]; then coproc POLL { psql "$PG_URL" -XAtq -v ON_ERROR_STOP=1; }; fi
# The whole machine's busy CPU (user, nice, system, irq, softirq; not iowait or steal) over the drain: what the
# worker and its database cost per event, whatever the disk's speed in that hour.
busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
b0=$(busy)
t0=$(date +%s%N)
start
while n=$(pending) || exit 1; ((n > 0)); do sleep 0.1; done
t1=$(date +%s%N)
b1=$(busy)
if [[ "${PHANANH_BENCH_DOWNLOADS:-0}" == 1 ]]; then
  waiting() {
    python3 - "$WORK/w.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
print(c.execute("SELECT COUNT(*) FROM attachments WHERE state = 'pending'").fetchone()[0])
PY
  }
  while (($(waiting) > 0)); do sleep 0.1; done
  t2=$(date +%s%N)
  read -r kept failed < <(python3 - "$WORK/w.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
print(*c.execute("SELECT SUM(state = 'kept'), SUM(state = 'failed') FROM attachments").fetchone())
PY
)
  files=$(find "$WORK/attachments/files" -type f | wc -l)
  bytes=$(du -sb "$WORK/attachments" | cut -f1)
  awk -v k="$kept" -v f="$failed" -v a="$t0" -v b="$t2" -v n="$files" -v d="$bytes" 'BEGIN {s = (b - a) / 1e9;
    printf "attachments: %d kept, %d failed, all done %.2f s after start (%.0f kept/s); %d files, %d bytes on disk\n", k, f, s, k / s, n, d}'
fi
stop
hz=$(getconf CLK_TCK)
awk -v n="$COUNT" -v a="$t0" -v b="$t1" -v c="$((b1 - b0))" -v hz="$hz" 'BEGIN {s = (b - a) / 1e9;
  printf "%d events in %.2f s (%.0f ev/s), machine busy CPU %.0f us an event\n", n, s, n / s, c / hz * 1e6 / n}'

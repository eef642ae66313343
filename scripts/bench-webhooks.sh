#!/usr/bin/env bash
# Zalo webhook load benchmark (issue 3, "Figures to record"; issue 15 for PostgreSQL): signed, distinct
# user_send_text events on loopback, phananh on SQLite (synchronous=full and normal) and PostgreSQL beside baselines
# measured in the same run (examples/webhook_baseline.rs): actix-web + rusqlite (bare handler, one commit per event,
# group commit) and actix-web + tokio-postgres (`pg-group`: group commit, one multi-row insert per batch, answered
# after COMMIT with synchronous_commit on). Each PostgreSQL baseline runs just before the phananh run it is compared
# with, on a fresh database, so both see the same disk (fsync latency on shared virtual disks varies by the hour).
#
#   scripts/bench-webhooks.sh [seconds]        (default 10 s per wrk run)
#
# Throughput: wrk -t2 -c32 with benches/zalo.lua (pre-signed distinct bodies from scripts/gen-zalo-bodies.py).
# After each run: every 2xx event must be stored (rows counted); for phananh, the intake worker is timed until no
# event is pending (tickets + queued acknowledgements), and VmRSS is sampled during the load. The worker alone:
# BENCH_BACKLOG events stored while phananh is stopped (benches/zalo_backlog.py), then timed until processed. Fixed-rate latency:
# the open-loop client in examples/webhook_baseline.rs (`load`) at BENCH_RATE events/s (default 5000) against a
# fresh phananh and against the group-commit baselines; after phananh's fixed-rate run, the backlog (events
# acknowledged, not yet processed) halfway through and at the end says whether the worker kept up, and the run
# waits for it to drain. Outbound calls go to a closed loopback port (nothing leaves the machine).
# At the end: phananh / baseline throughput ratios (target >= 0.70 of the same backend's group commit) and
# phananh's p99 / the baseline's p99 at BENCH_RATE (target <= 2).
# Needs wrk, python3, curl; psql for PostgreSQL (its baseline and runs skipped if unreachable).
# Environment: BENCH_WAIT_QUIET (s to wait for a 1-min load < 1.0, default 600), BENCH_COMMIT_EACH=0 to skip the
# commit-each baselines, BENCH_DIAG=0 to skip the diagnostic run, BENCH_FIXED_SECONDS (default 20), BENCH_RATE
# (5000), BENCH_DRAIN_TIMEOUT (s, default 120), BENCH_BACKLOG (events for the worker-alone run, default 20000),
# PHANANH_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_ONLY=postgres (the
# PostgreSQL runs only, with the SQLite worker-alone run as that hour's reference).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
THREADS=2
CONNS=32
RATE="${BENCH_RATE:-5000}"
FIXED_SECONDS="${BENCH_FIXED_SECONDS:-20}"
DRAIN_TIMEOUT="${BENCH_DRAIN_TIMEOUT:-120}"
BACKLOG="${BENCH_BACKLOG:-20000}"
PORT=18090
PG_ADMIN="${PHANANH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB=phananh_bench_wh
# Without TLS, as the baseline connects (tokio-postgres NoTls): sqlx's default (`prefer`) takes TLS whenever the
# server offers it, as Debian's does, and on loopback that cost phananh's worker about 7% more CPU an event.
PG_URL="${PG_ADMIN%/*}/$PG_DB?sslmode=disable"
APP_ID=4318290654127809321
SECRET=BENCH_OA_SECRET_KEY_not_a_real_one
CLOSED=http://127.0.0.1:9

# --- a quiet machine first
wait_quiet() {
  local waited=0 limit="${BENCH_WAIT_QUIET:-600}" load
  load=$(cut -d' ' -f1 /proc/loadavg)
  while awk -v l="$load" 'BEGIN {exit !(l >= 1.0)}' && ((waited < limit)); do
    ((waited % 60 == 0)) && echo "waiting for a quiet machine: 1-min load $load"
    sleep 10
    waited=$((waited + 10))
    load=$(cut -d' ' -f1 /proc/loadavg)
  done
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited} s)"
}

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install $tool)"; exit 1; }
done

echo "== build (release)"
cargo build --release --quiet --bin phananh --example webhook_baseline
BIN=target/release/phananh
BASE=target/release/examples/webhook_baseline
WORK=$(mktemp -d /tmp/bench-webhooks.XXXXXX)
PID=""
SAMPLER=""
cleanup() {
  [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null || true
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
RESULTS="$WORK/results.tsv"
printf 'target\treq/s\tp50 ms\tp99 ms\t2xx\tstored\tcheck\tRSS max MB\tworker\n' >"$RESULTS"

# --- bodies: more distinct events than any run can send (a wrap-around is reported)
BODIES="${BENCH_BODIES:-$((DURATION * 60000 > 200000 ? DURATION * 60000 : 200000))}"
echo "== $BODIES pre-signed distinct bodies"
python3 scripts/gen-zalo-bodies.py "$BODIES" "$WORK/bodies" --app-id "$APP_ID" --secret "$SECRET"
# Diagnostic set: an event kind phananh does not know is stored like any other, but the worker only marks it (no
# ticket), which separates the webhook path from the intake work. Other senders and msg_ids than the main set.
if [[ "${BENCH_DIAG:-1}" == 1 ]]; then
  python3 scripts/gen-zalo-bodies.py "$BODIES" "$WORK/unknown" --app-id "$APP_ID" --secret "$SECRET" \
    --event-name bench_unknown_event --seed 7 --first-id 900000000
fi
for set in bodies unknown; do
  [[ -f "$WORK/$set" ]] || continue
  for ((t = 0; t < THREADS; t++)); do
    awk -v n="$THREADS" -v t="$t" '(NR - 1) % n == t' "$WORK/$set" >"$WORK/$set.$t"
  done
done

wait_quiet

wait_ready() { # $1 = pid
  local i
  for ((i = 0; i < 3000; i++)); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { echo "server exited:"; tail -20 "$WORK/log"; return 1; }
    sleep 0.01
  done
  echo "not ready after 30 s"
  return 1
}

stop() {
  [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null && wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}

rss_sampler() { # $1 = pid, $2 = output file: max VmRSS (kB) every 0.2 s until killed
  local max=0 v
  trap 'echo "$max" >"$2"; exit 0' TERM
  echo 0 >"$2"
  while kill -0 "$1" 2>/dev/null; do
    v=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    ((v > max)) && max=$v && echo "$max" >"$2"
    sleep 0.2
  done
}

# wrk with the distinct bodies; sets OK2XX RPS P50 P99 WRAPPED
run_wrk() { # $1 = label
  local out="$WORK/wrk.out"
  ZALO_BODIES="$WORK/${BODYSET:-bodies}" WRK_THREADS=$THREADS \
    wrk -t$THREADS -c$CONNS -d"${DURATION}s" --latency -s benches/zalo.lua "http://127.0.0.1:$PORT" >"$out" 2>&1
  grep -E "Requests/sec|Latency  |Non-2xx|Socket errors|BENCH" "$out" | sed "s/^/  [$1] /"
  RPS=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$out")
  OK2XX=$(sed -n 's/.*BENCH completed=[0-9]* ok2xx=\([0-9]*\).*/\1/p' "$out")
  WRAPPED=$(sed -n 's/.*wrapped=\([0-9]*\).*/\1/p' "$out")
  P50=$(sed -n 's/.*BENCH latency_us p50=\([0-9]*\).*/\1/p' "$out" | awk '{printf "%.2f", $1 / 1000}')
  P99=$(sed -n 's/.*BENCH latency_us .*p99=\([0-9]*\).*/\1/p' "$out" | awk '{printf "%.2f", $1 / 1000}')
}

# SQLite counts: phananh's webhook spool (`<db>-spool`, events acknowledged but not yet moved into inbound_events)
# is attached as `spool` when it exists; `unmoved` names its events not yet in inbound_events.
sqlite_count() { # $1 = db file, $2 = SQL
  python3 - "$1" "$2" <<'PY'
import os, sqlite3, sys
db, sql = sys.argv[1], sys.argv[2]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
unmoved = "0"
if os.path.exists(db + "-spool"):
    c.execute("ATTACH DATABASE ? AS spool", (f"file:{db}-spool?mode=ro",))
    unmoved = ("(SELECT COUNT(*) FROM spool.events s WHERE NOT EXISTS (SELECT 1 FROM inbound_events e "
               "WHERE e.channel = s.channel AND e.dedupe_key = s.dedupe_key))")
print(c.execute(sql.replace("{unmoved}", unmoved)).fetchone()[0])
PY
}

# Counts through the backend: $1 = sqlite file or "pg" (the database $PG_DB), $2 = SQL
count() {
  if [[ "$1" == pg ]]; then
    psql "$PG_URL" -XAtqc "${2//\{unmoved\}/0}"
  else
    sqlite_count "$1" "$2"
  fi
}

# A new, empty $PG_DB; fails when PostgreSQL is unreachable.
fresh_pg() {
  psql "$PG_ADMIN" -Xqc "drop database if exists $PG_DB with (force)" >/dev/null 2>&1 &&
    psql "$PG_ADMIN" -Xqc "create database $PG_DB" >/dev/null 2>&1
}

# "stored check": every acknowledged event must be stored; a few more rows are requests in flight when wrk stopped.
store_check() { # $1 = stored rows, $2 = 2xx
  if (($1 >= $2)); then
    echo "ok (+$(($1 - $2)) in flight)"
  else
    echo "LOST $(($2 - $1))"
  fi
}

record() { # fields...
  local IFS=$'\t'
  echo "$*" >>"$RESULTS"
}

# --- baselines
baseline() { # $1 = mode, $2 = full|normal
  local label="baseline $1${2:+ $2}" db="$WORK/baseline-$1-$2.db" where="$WORK/baseline-$1-$2.db"
  if [[ "$1" == pg-group ]]; then
    fresh_pg
    db=$PG_URL where=pg
  fi
  echo "== $label"
  sync
  ZALO_APP_ID=$APP_ID ZALO_OA_SECRET_KEY=$SECRET "$BASE" serve "$1" "${2:-full}" "127.0.0.1:$PORT" "$db" \
    >"$WORK/log" 2>&1 &
  PID=$!
  wait_ready "$PID"
  run_wrk "$label"
  stop
  if [[ "$1" == bare ]]; then
    record "$label" "$RPS" "$P50" "$P99" "$OK2XX" "-" "-" "-" "-"
  else
    local rows
    rows=$(count "$where" "select count(*) from events")
    echo "  [$label] stored $rows events for $OK2XX 2xx (bodies wrapped: $WRAPPED)"
    record "$label" "$RPS" "$P50" "$P99" "$OK2XX" "$rows" "$(store_check "$rows" "$OK2XX")" "-" "-"
  fi
  eval "RPS_$(echo "$1_$2" | tr -c 'a-z_\n' '_')=$RPS"
}

# A group-commit baseline at the fixed rate: what this disk gives a bare store-and-acknowledge, for the p99
# of phananh's fixed-rate runs below (fsync latency on shared virtual disks varies from hour to hour); sets
# FIXED_P99.
baseline_fixed() { # $1 = group | pg-group
  local label="baseline $1 full @ $RATE/s" db="$WORK/baseline-fixed.db"
  if [[ "$1" == pg-group ]]; then
    fresh_pg
    db=$PG_URL
  fi
  echo "== $label (open loop, ${FIXED_SECONDS} s, 100 connections)"
  sync
  ZALO_APP_ID=$APP_ID ZALO_OA_SECRET_KEY=$SECRET "$BASE" serve "$1" full "127.0.0.1:$PORT" "$db" >"$WORK/log" 2>&1 &
  PID=$!
  wait_ready "$PID"
  local out
  out=$("$BASE" load "127.0.0.1:$PORT" "$WORK/bodies" "$RATE" "$FIXED_SECONDS" 100 2>&1 | tail -3) || true
  stop
  echo "  [$label] $out"
  FIXED_P99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  record "$label" "$(sed -n 's/.*achieved=\([0-9]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")" "$FIXED_P99" \
    "$(sed -n 's/.*ok2xx=\([0-9]*\).*/\1/p' <<<"$out")" "-" "-" "-" "-"
}

RPS_group_full="" RPS_group_normal="" P99_BASE_GROUP="" RPS_PH_FULL="" RPS_PH_NORMAL="" P99_PH_FULL=""
SQLITE=1
[[ "${BENCH_ONLY:-}" == postgres ]] && SQLITE=0
if ((SQLITE)); then
  baseline bare ""
  baseline group full
  baseline group normal
  baseline_fixed group
  P99_BASE_GROUP=$FIXED_P99
  if [[ "${BENCH_COMMIT_EACH:-1}" == 1 ]]; then
    baseline commit-each full
    baseline commit-each normal
  fi
fi

# --- phananh
start_phananh() { # $1 = database url, $2 = sqlite_synchronous
  # The previous run's gigabyte of dirty pages would otherwise be written back during this one (fsync stalls).
  sync
  PHANANH__DATABASE__URL="$1" PHANANH__DATABASE__SQLITE_SYNCHRONOUS="$2" \
    PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__SERVER__PUBLIC_URL="http://127.0.0.1:$PORT" \
    PHANANH__LOG__LEVEL=warn \
    PHANANH__ZALO__APP_ID=$APP_ID PHANANH__ZALO__OA_SECRET_KEY=$SECRET \
    PHANANH__ZALO__API_BASE=$CLOSED PHANANH__ZALO__OAUTH_BASE=$CLOSED PHANANH__FACEBOOK__GRAPH_BASE=$CLOSED \
    "$BIN" serve >"$WORK/log" 2>&1 &
  PID=$!
  wait_ready "$PID"
}

PENDING="select (select count(*) from inbound_events where processed_at is null) + {unmoved}"
STORED="select (select count(*) from inbound_events) + {unmoved}"

# Whether any event is still pending. On PostgreSQL through one psql session kept open for the drain (POLL),
# asking only for the first pending event: a psql started per poll (a process and a server backend) counting
# them all took a tenth of the 2 cores the worker is measured on.
left_pending() { # $1 = sqlite file or "pg"
  if [[ "$1" == pg ]]; then
    local n
    echo "select count(*) from (select 1 from inbound_events where processed_at is null limit 1) x;" >&"${POLL[1]}" &&
      read -r -t 30 n <&"${POLL[0]}" && [[ -n "$n" ]] || { echo "the polling psql session failed" >&2; return 1; }
    echo "$n"
  else
    count "$1" "$PENDING"
  fi
}

# Waits until no event is pending; prints the worker's rate after the load stopped.
drain() { # $1 = sqlite file or "pg", $2 = label; sets WORKER
  local pending0 pending t0 t1 secs
  [[ "$1" == pg ]] && { coproc POLL { psql "$PG_URL" -XAtq -v ON_ERROR_STOP=1; }; }
  pending0=$(count "$1" "$PENDING")
  t0=$(date +%s%N)
  pending=$pending0
  while ((pending > 0)); do
    sleep 0.1
    pending=$(left_pending "$1") || return 1
    t1=$(date +%s%N)
    if (((t1 - t0) / 1000000000 >= DRAIN_TIMEOUT)); then break; fi
  done
  t1=$(date +%s%N)
  if [[ "$1" == pg ]]; then
    pending=$(count "$1" "$PENDING")
    eval "exec ${POLL[1]}>&- ${POLL[0]}<&-"
    [[ -n "${POLL_PID:-}" ]] && wait "$POLL_PID" 2>/dev/null || true
  fi
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  local done_n=$((pending0 - pending))
  local tickets outbox
  tickets=$(count "$1" "select count(*) from tickets")
  outbox=$(count "$1" "select count(*) from outbox")
  if ((pending0 == 0)); then
    WORKER="kept up with the load"
  elif ((pending > 0)); then
    WORKER="$(awk -v n="$done_n" -v s="$secs" 'BEGIN {printf "%.0f ev/s", n / s}') after the load, NOT drained: $pending left after ${secs} s"
  else
    WORKER="$(awk -v n="$done_n" -v s="$secs" 'BEGIN {printf "%.0f ev/s", (s > 0 ? n / s : 0)}') after the load"
  fi
  echo "  [$2] worker: $pending0 pending at the end of the load, $done_n processed in ${secs} s after it" \
    "($WORKER); $pending still pending; tickets $tickets, outbox $outbox"
}

phananh_run() { # $1 = label, $2 = database url, $3 = synchronous, $4 = sqlite file or "pg"
  local label="phananh $1"
  echo "== $label"
  start_phananh "$2" "$3"
  echo "  [$label] idle RSS $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$PID/status)"
  rss_sampler "$PID" "$WORK/rss" &
  SAMPLER=$!
  run_wrk "$label"
  kill "$SAMPLER" && wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  local rss
  rss=$(awk '{printf "%.1f", $1 / 1024}' "$WORK/rss")
  echo "  [$label] max RSS during the load: $rss MB"
  local rows
  rows=$(count "$4" "$STORED")
  echo "  [$label] stored $rows events for $OK2XX 2xx (bodies wrapped: $WRAPPED)"
  drain "$4" "$label"
  echo "  [$label] RSS after the worker drained: $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$PID/status)"
  stop
  sed -E 's/\x1b\[[0-9;]*m//g; s/^[0-9TZ:.-]+ +//' "$WORK/log" | grep -E "ERROR|WARN|panicked" | sort | uniq -c |
    sort -rn | head -3 | cut -c1-200 | sed "s/^/  [$label] log: /" || true
  record "$label" "$RPS" "$P50" "$P99" "$OK2XX" "$rows" "$(store_check "$rows" "$OK2XX")" "$rss" "$WORKER"
}

# Fixed-rate latency against a fresh instance (the worker runs meanwhile, as in production); sets FIXED_P99. The
# backlog halfway through and at the end of the load tells whether the worker keeps up with RATE; then it is given
# BENCH_DRAIN_TIMEOUT to drain.
fixed_rate() { # $1 = label, $2 = database url, $3 = synchronous, $4 = sqlite file or "pg"
  local label="phananh $1 @ $RATE/s"
  echo "== $label (open loop, ${FIXED_SECONDS} s, 100 connections)"
  start_phananh "$2" "$3"
  rss_sampler "$PID" "$WORK/rss" &
  SAMPLER=$!
  "$BASE" load "127.0.0.1:$PORT" "$WORK/bodies" "$RATE" "$FIXED_SECONDS" 100 >"$WORK/load.out" 2>&1 &
  local loader=$! mid
  sleep "$(awk -v s="$FIXED_SECONDS" 'BEGIN {print s / 2}')"
  mid=$(count "$4" "$PENDING")
  wait "$loader" || true
  kill "$SAMPLER" && wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  local out
  out=$(tail -3 "$WORK/load.out")
  echo "  [$label] $out"
  local ok p50 achieved pending rows rss trend left drained
  ok=$(sed -n 's/.*ok2xx=\([0-9]*\).*/\1/p' <<<"$out")
  p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  FIXED_P99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  achieved=$(sed -n 's/.*achieved=\([0-9]*\).*/\1/p' <<<"$out")
  rss=$(awk '{printf "%.1f", $1 / 1024}' "$WORK/rss")
  rows=$(count "$4" "$STORED")
  pending=$(count "$4" "$PENDING")
  # Growing: the second half of the load added more than 5% of its events to the backlog.
  trend=$(awk -v m="$mid" -v e="$pending" -v r="$RATE" -v s="$FIXED_SECONDS" \
    'BEGIN {g = (e - m) / (s / 2); printf "%+.0f ev/s over the second half: %s", g, (g > 0.05 * r ? "GROWING" : "not growing")}')
  echo "  [$label] stored $rows for $ok 2xx; max RSS $rss MB"
  echo "  [$label] backlog after the fixed-rate run: $pending events pending ($mid halfway through, $trend)"
  drain "$4" "$label"
  left=$(count "$4" "$PENDING")
  if ((left == 0)); then
    drained="drained"
  else
    drained="NOT drained ($left left after ${DRAIN_TIMEOUT} s)"
  fi
  echo "  [$label] backlog $drained"
  stop
  record "$label" "$achieved" "$p50" "$FIXED_P99" "$ok" "$rows" "$(store_check "$rows" "$ok")" "$rss" \
    "$pending pending at end ($mid halfway), $drained"
}

# The intake worker alone: a backlog stored while phananh was stopped, processed after a start.
worker_alone() { # $1 = label, $2 = database url, $3 = synchronous, $4 = sqlite file or "pg"
  local label="phananh $1: worker alone, $BACKLOG stored events"
  echo "== $label"
  start_phananh "$2" "$3" # creates the schema
  stop
  if [[ "$4" == pg ]]; then
    python3 benches/zalo_backlog.py pg "$WORK/bodies" "$BACKLOG" | psql "${PG_ADMIN%/*}/$PG_DB" -Xq >/dev/null
  else
    python3 benches/zalo_backlog.py sqlite "$4" "$WORK/bodies" "$BACKLOG"
  fi
  start_phananh "$2" "$3"
  rss_sampler "$PID" "$WORK/rss" &
  SAMPLER=$!
  drain "$4" "$label"
  kill "$SAMPLER" && wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  local rss
  rss=$(awk '{printf "%.1f", $1 / 1024}' "$WORK/rss")
  stop
  record "$label" "-" "-" "-" "-" "$BACKLOG" "-" "$rss" "${WORKER% after the load*}${WORKER#* after the load}"
}

if ((SQLITE)); then
  phananh_run "sqlite full" "sqlite://$WORK/ph-full.db?mode=rwc" full "$WORK/ph-full.db"
  RPS_PH_FULL=$RPS
  if [[ "${BENCH_DIAG:-1}" == 1 ]]; then
    BODYSET=unknown phananh_run "sqlite full: webhook path only (unknown kind, diagnostic)" \
      "sqlite://$WORK/ph-diag.db?mode=rwc" full "$WORK/ph-diag.db"
  fi
  phananh_run "sqlite normal" "sqlite://$WORK/ph-normal.db?mode=rwc" normal "$WORK/ph-normal.db"
  RPS_PH_NORMAL=$RPS
  fixed_rate "sqlite full" "sqlite://$WORK/ph-fixed.db?mode=rwc" full "$WORK/ph-fixed.db"
  P99_PH_FULL=$FIXED_P99
fi
# The worker alone on SQLite also in a PostgreSQL-only run: the same hour's reference for the PostgreSQL worker.
worker_alone "sqlite full" "sqlite://$WORK/ph-backlog.db?mode=rwc" full "$WORK/ph-backlog.db"
RPS_PH_PG="" RPS_pg_group_full="" P99_PH_PG="" P99_BASE_PG=""
if fresh_pg; then
  # Each baseline just before the phananh run it is compared with; every run on a fresh database.
  baseline pg-group full
  fresh_pg
  phananh_run "postgres" "$PG_URL" full pg
  RPS_PH_PG=$RPS
  if [[ "${BENCH_DIAG:-1}" == 1 ]]; then
    fresh_pg
    BODYSET=unknown phananh_run "postgres: webhook path only (unknown kind, diagnostic)" "$PG_URL" full pg
  fi
  baseline_fixed pg-group
  P99_BASE_PG=$FIXED_P99
  fresh_pg
  fixed_rate "postgres" "$PG_URL" full pg
  P99_PH_PG=$FIXED_P99
  fresh_pg
  worker_alone "postgres" "$PG_URL" full pg
else
  echo "== PostgreSQL unreachable at $PG_ADMIN: skipped"
fi

echo
echo "== results ($DURATION s per wrk run, wrk -t$THREADS -c$CONNS, $(nproc) cores, load before: see above)"
column -t -s $'\t' "$RESULTS"
echo
ratio() { # $1 = numerator, $2 = denominator: a / b, or "n/a" when either is missing or zero
  awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a"}'
}
if ((SQLITE)); then
  echo "phananh sqlite full   / baseline group full:   $(ratio "$RPS_PH_FULL" "$RPS_group_full") (target >= 0.70)"
  echo "phananh sqlite normal / baseline group normal: $(ratio "$RPS_PH_NORMAL" "$RPS_group_normal")"
  echo "phananh sqlite full p99 / baseline group full p99 @ $RATE: $(ratio "$P99_PH_FULL" "$P99_BASE_GROUP")"
fi
if [[ -n "$RPS_PH_PG" ]]; then
  ((SQLITE)) && echo "phananh postgres      / baseline group full:   $(ratio "$RPS_PH_PG" "$RPS_group_full")"
  echo "phananh postgres / baseline pg-group: $(ratio "$RPS_PH_PG" "$RPS_pg_group_full") (target >= 0.70)"
  echo "phananh postgres p99 / baseline pg-group p99 @ $RATE: $(ratio "$P99_PH_PG" "$P99_BASE_PG") (target <= 2)"
fi
echo "targets: >= 0.7 of group commit (same mode and backend), p99 <= 20 ms at $RATE ev/s (on PostgreSQL also <= 2x" \
  "the pg-group baseline's), worker >= 5000 ev/s, RSS <= 150 MB"

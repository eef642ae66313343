#!/usr/bin/env bash
# Evidence benchmark (issue 14, "Figures to record"), release build, SQLite (synchronous=full), downloads from a
# local HTTP server on loopback (python3 -m http.server), photos from examples/photos.rs (1280x960 JPEGs).
#
#   scripts/bench-attachments.sh [RUNS]      (default 5 alternating runs of each side)
#
# 1. Intake with attachments flowing: the intake worker on 20,000 spooled Zalo events with every tenth a photo
#    (downloaded and kept meanwhile), against the same 20,000 as text only (scripts/worker-alone.sh, median
#    wall-time ratio over RUNS alternating pairs).
# 2. The download job: 1,000 photo events, all distinct, then 1,000 referring to 100 photos; time until every
#    attachment is kept, and the store's size on disk (files and thumbnails).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
PORT=18095
WORK=$(mktemp -d /tmp/bench-attachments.XXXXXX)
SERVER=""
trap '[[ -n "$SERVER" ]] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin phananh --example photos
target/release/examples/photos "$WORK/photos" 1000
# The platforms' CDNs are elsewhere: the stand-in server runs at the lowest priority so it takes little from phananh.
(cd "$WORK/photos" && exec nice -n 19 python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/p0.jpg" >/dev/null; do sleep 0.1; done

python3 scripts/gen-zalo-bodies.py 20000 "$WORK/text.bodies"
python3 scripts/gen-zalo-bodies.py 20000 "$WORK/images.bodies" --image-every 10 --photos 200 \
  --image-base "http://127.0.0.1:$PORT"
python3 scripts/gen-zalo-bodies.py 1000 "$WORK/distinct.bodies" --image-every 1 --photos 1000 \
  --image-base "http://127.0.0.1:$PORT"
python3 scripts/gen-zalo-bodies.py 1000 "$WORK/dups.bodies" --image-every 1 --photos 100 \
  --image-base "http://127.0.0.1:$PORT"

echo "== 1. intake worker, 20,000 events: 10% photos (A) against text only (B)"
ratios=()
for i in $(seq 1 "$RUNS"); do
  a=$(scripts/worker-alone.sh "$WORK/images.bodies" 20000 | awk '{print $4}')
  b=$(scripts/worker-alone.sh "$WORK/text.bodies" 20000 | awk '{print $4}')
  ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')")
  echo "run $i: A $a s, B $b s, A/B $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1} END {printf "median A/B wall time: %s (min %s, max %s)\n", r[int((NR + 1) / 2)], r[1], r[NR]}'

echo "== 2. the download job: 1,000 photos all distinct, then 1,000 with each of 100 photos ten times"
for set in distinct dups; do
  echo "-- $set"
  PHANANH_BENCH_DOWNLOADS=1 scripts/worker-alone.sh "$WORK/$set.bodies" 1000
done
du -sb "$WORK/photos" | awk '{printf "the 1,000 source photos: %d bytes\n", $1}'

#!/usr/bin/env bash
# fuzz/run.sh TARGET [EXECUTIONS] [SECONDS]: builds the afl targets and fuzzes TARGET until EXECUTIONS (default
# 10 million) have run, or SECONDS have passed when given; prints afl's summary (executions, crashes, hangs).
# Seeds: seeds/<zalo|facebook|signatures|text>.
set -euo pipefail
cd "$(dirname "$0")"
TARGET="$1"
EXECS="${2:-10000000}"
LIMIT=()
[[ -n "${3:-}" ]] && LIMIT=(-V "$3")
case "$TARGET" in
  zalo_event) SEEDS=seeds/zalo ;;
  facebook_event) SEEDS=seeds/facebook ;;
  signatures) SEEDS=seeds/signatures ;;
  text) SEEDS=seeds/text ;;
  *) echo "unknown target $TARGET (zalo_event, facebook_event, signatures, text)"; exit 2 ;;
esac
cargo afl build --release --bin "$TARGET"
mkdir -p "out/$TARGET"
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_BENCH_UNTIL_CRASH=0 \
  cargo afl fuzz -E "$EXECS" "${LIMIT[@]}" -i "$SEEDS" -o "out/$TARGET" "target/release/$TARGET" >"out/$TARGET.log" 2>&1 || true
stats="out/$TARGET/default/fuzzer_stats"
grep -E "^(execs_done|execs_per_sec|saved_crashes|saved_hangs|run_time) " "$stats"

#!/usr/bin/env bash
# Schemathesis (from PyPI) against a running service and its own document (/api/v1/openapi.json): generated
# requests to every operation, as a logged-in supervisor and as nobody; fails on any 5xx and on any response
# outside the document (status, content type, headers, body schema). Bounded by examples per operation and time.
# One worker: hypothesis, under CPython 3.11 with several threads, can fail inside the ast module on its own.
# Usage: scripts/api-fuzz.sh [BIN] [EXAMPLES] [SECONDS]   (default target/debug/phananh, 60, 300)
# DATABASE_URL picks the database (default: a fresh SQLite file); PostgreSQL: a database the run may fill.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/debug/phananh}"
EXAMPLES="${2:-60}"
SECONDS_LIMIT="${3:-300}"
SCHEMATHESIS_VERSION=4.32.5
PORT=$((20000 + RANDOM % 20000))
WORK=$(mktemp -d)
PID=""
trap '[[ -n "$PID" ]] && { kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; }; rm -rf "$WORK"' EXIT

TARGET="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET" = /* ]] || TARGET="$PWD/$TARGET"
VENV="$TARGET/schemathesis-$SCHEMATHESIS_VERSION"
ST="$VENV/bin/st"
if [[ ! -x "$ST" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

BASE="http://127.0.0.1:$PORT"
export PHANANH__DATABASE__URL="${DATABASE_URL:-sqlite://$WORK/api.db?mode=rwc}" \
  PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__LOG__LEVEL=warn \
  PHANANH__ZALO__APP_ID=api-fuzz PHANANH__ZALO__OA_SECRET_KEY=api-fuzz-secret \
  PHANANH__ZALO__API_BASE="http://127.0.0.1:9" PHANANH__ZALO__OAUTH_BASE="http://127.0.0.1:9" \
  PHANANH__FACEBOOK__APP_SECRET=api-fuzz-secret PHANANH__FACEBOOK__VERIFY_TOKEN=api-fuzz-token \
  PHANANH__ZALO__OA_ID=4368496045530866759 PHANANH__ZALO__ACCESS_TOKEN=api-fuzz \
  PHANANH__FACEBOOK__GRAPH_BASE="http://127.0.0.1:9" PHANANH__FACEBOOK__PAGE_ID=1093952150456781 \
  PHANANH__FACEBOOK__PAGE_ACCESS_TOKEN=api-fuzz PHANANH__FORM__RATE_LIMIT_PER_MINUTE=600 \
  PHANANH__ATTACHMENTS__STORE="$WORK/attachments"
# Webhook bodies signed as the platforms sign them (scripts/api_fuzz_hooks.py).
export PYTHONPATH="$PWD/scripts" SCHEMATHESIS_HOOKS=api_fuzz_hooks
PASSWORD="api fuzz password 2026"
PHANANH_PASSWORD="$PASSWORD" "$BIN" officer add api.fuzz --role supervisor >/dev/null
"$BIN" serve >"$WORK/log" 2>&1 &
PID=$!
until curl -sf "$BASE/readyz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "api-fuzz: the server exited:"; tail -5 "$WORK/log"; exit 1; }
  sleep 0.1
done
# A few tickets, so that operations on ticket 1 have something to find.
for text in "Xin hỏi thủ tục đăng ký tạm trú ở phường Thành Sen" "Mat xe may o cho xa Cam Xuyen" \
  "Karaoke ồn ào quá khuya ở thôn 3"; do
  curl -sf -o /dev/null -H 'content-type: application/json' \
    -d "{\"text\": \"$text\", \"phone\": \"0912345678\"}" "$BASE/api/v1/feedback"
done
# And one with a photo (a 1x1 PNG), so that attachment 1 and its thumbnail exist.
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' |
  base64 -d >"$WORK/photo.png"
curl -sf -o /dev/null -F "text=Ảnh xe đỗ chắn lối đi ở thôn 2" -F "file=@$WORK/photo.png;filename=anh.png" \
  "$BASE/api/v1/feedback"
curl -sf -o /dev/null -c "$WORK/cookies" -H 'content-type: application/json' \
  -d "{\"username\": \"api.fuzz\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/login"
COOKIE=$(awk '$6 == "phananh_session" {print $7}' "$WORK/cookies")
[[ -n "$COOKIE" ]] || { echo "api-fuzz: cannot log in"; exit 1; }

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
run() {
  local name="$1"
  shift
  (cd "$WORK" && "$ST" run "$BASE/api/v1/openapi.json" --checks "$CHECKS" --max-examples "$EXAMPLES" \
    --max-time "$((SECONDS_LIMIT / 2))" --request-timeout 30 --seed 2026 --workers 1 --no-color \
    --report junit --report-junit-path "$WORK/$name.xml" "$@") >"$WORK/$name.out" 2>&1 || {
    cat "$WORK/$name.out"
    echo "api-fuzz: FAILED ($name)"
    exit 1
  }
  python3 - "$WORK/$name.xml" "$name" <<'PY'
import sys, xml.etree.ElementTree as ET
suites = ET.parse(sys.argv[1]).getroot()
cases = suites.iter("testcase")
ops = failures = 0
for case in cases:
    ops += 1
    failures += len(case.findall("failure")) + len(case.findall("error"))
print(f"api-fuzz: {sys.argv[2]}: {ops} operations, {failures} failures")
PY
  grep -E "^ *[0-9]+ generated" "$WORK/$name.out" | tail -n 1 | sed "s/^ */api-fuzz: $name: /" || true
}
# Logged in, all but logout (which would end the session half-way); then logged out, everything.
run officer -H "Cookie: phananh_session=$COOKIE" --exclude-path /api/v1/auth/logout
run anonymous
kill -0 $PID 2>/dev/null || { echo "api-fuzz: the server died"; tail -20 "$WORK/log"; exit 1; }
# What the signed webhooks reached: events stored and tickets opened.
curl -s "$BASE/metrics" | grep -E '^(webhook_events_total|tickets_created_total|intake_events_total|intake_events_failed_total)' \
  | sed 's/^/api-fuzz: /' || true
echo "api-fuzz: passed"

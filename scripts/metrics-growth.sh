#!/usr/bin/env bash
# /metrics before and after 10,000 requests with made-up methods and random paths (they must add no series).
# Usage: scripts/metrics-growth.sh [BIN]   (default target/release/phananh)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/phananh}"
PORT=18093
WORK=$(mktemp -d)
PID=""
trap '[[ -n "$PID" ]] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
PHANANH__DATABASE__URL="sqlite://$WORK/m.db?mode=rwc" PHANANH__SERVER__BIND="127.0.0.1:$PORT" PHANANH__LOG__LEVEL=warn \
  "$BIN" serve >"$WORK/log" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$WORK/log"; exit 1; }
  sleep 0.02
done
python3 - "$PORT" <<'PY'
import http.client, random, string, sys
port = int(sys.argv[1])
def size():
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/metrics")
    body = c.getresponse().read()
    return len(body), body.count(b"\n")
def junk(n):
    return "".join(random.choice(string.ascii_uppercase) for _ in range(n))
c = http.client.HTTPConnection("127.0.0.1", port)
# One request of each kind first, so that the series they add (honestly) are in the baseline.
for method, path in [("XWARM", "/warm/up"), ("GET", "/healthz")]:
    c.request(method, path); c.getresponse().read()
size(); before = size()
for i in range(10000):
    method = junk(random.randint(3, 200))
    path = "/" + "/".join(junk(random.randint(1, 30)) for _ in range(random.randint(1, 6)))
    try:
        c.request(method, path); c.getresponse().read()
    except Exception:
        c = http.client.HTTPConnection("127.0.0.1", port)
after = size()
print(f"/metrics: {before[0]} bytes, {before[1]} lines before; {after[0]} bytes, {after[1]} lines after 10,000 requests")
PY
echo "RSS after: $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' /proc/$PID/status)"

#!/usr/bin/env bash
# A login flood against a running release build: 1,000 wrong logins sent at once, from one client and then from
# 1,000 clients (X-Forwarded-For through a trusted loopback proxy), with the officer's right login from another
# client in the middle. Prints the statuses, the right login's answer and time, and the server's RSS (before, the
# highest while flooded, after). Usage: scripts/login-flood.sh [BIN]   (default target/release/phananh)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/phananh}"
PORT=18092
WORK=$(mktemp -d)
PID=""
trap '[[ -n "$PID" ]] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
export PHANANH__DATABASE__URL="sqlite://$WORK/f.db?mode=rwc" PHANANH__SERVER__BIND="127.0.0.1:$PORT" \
  PHANANH__LOG__LEVEL=warn PHANANH__SERVER__TRUSTED_PROXIES=127.0.0.1
PHANANH_PASSWORD="mat khau du dai 2026" "$BIN" officer add lan.nguyen --role officer --unit 18073 >/dev/null
"$BIN" serve >"$WORK/log" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "the server exited:"; tail -5 "$WORK/log"; exit 1; }
  sleep 0.02
done
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$PID/status; }
for mode in one many; do
  before=$(rss)
  ( max=0; while kill -0 $PID 2>/dev/null; do v=$(rss); ((v > max)) && max=$v && echo $max >"$WORK/max"; sleep 0.05; done ) &
  SAMPLER=$!
  python3 - "$PORT" "$mode" <<'PY'
import collections, http.client, json, sys, threading, time
port, mode = int(sys.argv[1]), sys.argv[2]
statuses = collections.Counter()
lock = threading.Lock()
start = threading.Event()
def login(password, client):
    start.wait()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"content-type": "application/json"}
    if client:
        headers["x-forwarded-for"] = client
    t0 = time.monotonic()
    c.request("POST", "/api/v1/auth/login", json.dumps({"username": "lan.nguyen", "password": password}), headers)
    status = c.getresponse().status
    return status, time.monotonic() - t0
def wrong(n):
    client = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" if mode == "many" else None
    status, _ = login("a wrong guess 123", client)
    with lock:
        statuses[status] += 1
threads = [threading.Thread(target=wrong, args=(n,)) for n in range(1000)]
for t in threads:
    t.start()
right = {}
def officer():
    time.sleep(0.3)
    right["status"], right["secs"] = login("mat khau du dai 2026", "203.0.113.9")
o = threading.Thread(target=officer)
o.start()
t0 = time.monotonic()
start.set()
for t in threads:
    t.join()
o.join()
print(f"1,000 wrong logins from {'one client' if mode == 'one' else '1,000 clients'}: "
      f"{dict(sorted(statuses.items()))} in {time.monotonic() - t0:.1f} s; "
      f"the officer's right login from another client: {right['status']} after {right['secs']:.2f} s")
PY
  kill $SAMPLER 2>/dev/null; wait $SAMPLER 2>/dev/null || true
  sleep 1
  echo "RSS: $before MB before, $(cat "$WORK/max") MB at most during it, $(rss) MB after"
done

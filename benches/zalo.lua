-- wrk script: POST /webhooks/zalo with pre-signed DISTINCT bodies (scripts/gen-zalo-bodies.py).
-- The body file (env ZALO_BODIES, lines "mac=<hex>\t<json>") is split between the wrk threads beforehand
-- (scripts/bench-webhooks.sh): thread k reads ZALO_BODIES.k only, so no two threads send the same event. Each thread loads its share at init and cycles
-- through it; done() reports how many requests were sent, whether any thread wrapped around (then
-- some events were sent twice and were duplicates), and the 2xx count the store check compares against.
local threads = {}
local thread_count = 0

local base = os.getenv("ZALO_BODIES") or "bodies"
local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")

function setup(thread)
  if thread_count == 0 then
    for k = 0, nthreads - 1 do os.remove(base .. "." .. k .. ".ready") end
  end
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local path = base .. "." .. tid
  local f = assert(io.open(path, "r"))
  -- Only split the lines here (cheap): wrk starts a thread as soon as its init returns, so a slow init would let
  -- the first thread run alone for a while. The request text is put together per request (one concatenation).
  sigs, bodies = {}, {}
  for line in f:lines() do
    local tab = line:find("\t", 1, true)
    sigs[#sigs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  f:close()
  head = "POST /webhooks/zalo HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port ..
    "\r\nContent-Type: application/json\r\nX-ZEvent-Signature: "
  count = #bodies
  pos = 0
  sent = 0
  wraps = 0
  calls = 0
  started = false
  assert(io.open(path .. ".ready", "w")):close()
end

-- wrk starts each thread as soon as its own init is done, and counts time only from when all are: without this
-- barrier the first thread would run alone while the next one loads its bodies, inflating req/s.
local function all_ready()
  for k = 0, nthreads - 1 do
    local f = io.open(base .. "." .. k .. ".ready", "r")
    if not f then return false end
    f:close()
  end
  return true
end

function request()
  calls = calls + 1
  -- (wrk calls request() once in its main thread to check the script: do not wait there)
  if calls > 1 and not started then
    while not all_ready() do os.execute("sleep 0.005") end
    started = true
  end
  pos = pos + 1
  if pos > count then
    pos = 1
    wraps = wraps + 1
  end
  sent = sent + 1
  local body = bodies[pos]
  return head .. sigs[pos] .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  local sent_total, wrapped, bodies = 0, 0, 0
  for _, t in ipairs(threads) do
    sent_total = sent_total + (t:get("sent") or 0)
    wrapped = wrapped + (t:get("wraps") or 0)
    bodies = bodies + (t:get("count") or 0)
  end
  local non2xx = summary.errors.status
  io.write(string.format("BENCH completed=%d ok2xx=%d non2xx=%d sent=%d bodies=%d wrapped=%d timeouts=%d connect_errors=%d read_errors=%d\n",
    summary.requests, summary.requests - non2xx, non2xx, sent_total, bodies, wrapped,
    summary.errors.timeout, summary.errors.connect, summary.errors.read))
  io.write(string.format("BENCH latency_us p50=%d p90=%d p99=%d p999=%d max=%d mean=%.0f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end

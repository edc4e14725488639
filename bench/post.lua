-- wrk script: POSTs the chat body in BENCH_BODY_FILE with the bench key, and prints
-- the exact results as one JSON line (wrk keeps latencies in microseconds, so the
-- percentiles below are exact, unlike its rounded text report).

local function read_file(path)
  local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
  local content = file:read("*a")
  file:close()
  return content
end

wrk.method = "POST"
wrk.body = read_file(os.getenv("BENCH_BODY_FILE"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "")

-- BENCH_UNIQUE=1: every request's user message starts with a fresh number, so a
-- response cache misses (and stores) every time, as it would for real traffic.
if os.getenv("BENCH_UNIQUE") == "1" then
  local marker = '"role":"user","content":"'
  local at = assert(string.find(wrk.body, marker, 1, true), "no user message in the body")
  local head = string.sub(wrk.body, 1, at + #marker - 1)
  local tail = string.sub(wrk.body, at + #marker)
  -- A per-run prefix (this Lua state's table address and the clock) keeps runs apart.
  local prefix = string.sub(tostring({}), 8) .. os.time()
  local counter = 0
  request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, head .. prefix .. "-" .. counter .. " " .. tail)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.3f,"max":%d,"stdev":%.3f,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end

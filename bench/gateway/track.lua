-- wrk script: a citizen's app polling its complaint (GET with the tracking token in a header).
-- BENCH_TICKET and BENCH_TOKEN name a complaint bench/gateway_bench.sh submitted first.
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  ticket = os.getenv("BENCH_TICKET")
  token = os.getenv("BENCH_TOKEN")
  failed = 0
end

function request()
  return wrk.format("GET", "/api/v1/complaints/" .. ticket, {["X-Tracking-Token"] = token})
end

function response(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do failures = failures + thread:get("failed") end
  io.write(string.format("not 200: %d\n", failures))
end

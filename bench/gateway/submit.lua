-- wrk script: every request a new complaint through the gateway's JSON API, with its own
-- Idempotency-Key (unique across threads and runs) and one of 1,000 reporters in rotation,
-- as phones on a city's network send them. Used by bench/gateway_bench.sh.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  run = os.getenv("BENCH_RUN") or tostring(os.time())
  sent = 0
  failed = 0
end

function request()
  sent = sent + 1
  local phone = string.format("08123456%04d", (sent * 13 + thread_id) % 1000)
  local body = string.format(
    '{"category":"jalan-rusak","description":"Jalan berlubang di depan sekolah (beban %d)",' ..
    '"location":{"latitude":-7.9826,"longitude":112.6308},' ..
    '"reporter":{"name":"Warga Uji","phone":"%s"},"channel":"CHANNEL_APP"}', sent, phone)
  return wrk.format("POST", "/api/v1/complaints",
                    {["Content-Type"] = "application/json",
                     ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, thread_id, sent)},
                    body)
end

function response(status, headers, body)
  if status ~= 201 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do failures = failures + thread:get("failed") end
  io.write(string.format("not 201: %d\n", failures))
end

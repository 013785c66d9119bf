#!/usr/bin/env bash
# The gateway's figures (issue 15, docs/performance.md): complaint submission through the
# gateway against direct gRPC in the same run, tracking reads through the gateway, and the
# whole pipeline from the HTTP submission until the case is in the agency's queue. Prints the
# figures; docs/performance.md keeps them with the machine they came from.
#
# Runs the system as deploy/run.sh does (the optimized build, the dev stack), with the limits
# lifted that would refuse a load generator on one address, and stops the services it started.
#   bash bench/gateway_bench.sh                   # 20 s each, 32 connections
#   BENCH_DURATION=60s BENCH_CONNECTIONS=64 bash bench/gateway_bench.sh
#   BENCH_PHASES="tracking" bash bench/gateway_bench.sh   # some of: tracking pipeline submission
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PIPELINE_CONNECTIONS=${BENCH_PIPELINE_CONNECTIONS:-4}
PHASES=" ${BENCH_PHASES:-tracking pipeline submission} "
wants() { [[ "$PHASES" == *" $1 "* ]]; }
HTTP=http://127.0.0.1:8080

command -v wrk >/dev/null || {
  echo "gateway_bench: installing wrk (Debian's HTTP load generator)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
}

# shellcheck source=bench/system.sh
. bench/system.sh gateway_bench
wait_quiet  # what an earlier run left in the queues
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%FT%TZ)"
if wants tracking; then
echo
echo "== tracking reads through the gateway (wrk, $CONNECTIONS connections, $DURATION) =="
answer=$(curl -sS --fail-with-body -X POST "$HTTP/api/v1/complaints" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: bench-track-$(date +%s%N)" \
  -d '{"category": "sampah", "description": "Tumpukan sampah di pinggir jalan.",
       "location": {"latitude": -7.97, "longitude": 112.62},
       "reporter": {"name": "Warga Uji", "phone": "081299990000"}, "channel": "CHANNEL_APP"}')
BENCH_TICKET=$(sed -n 's/.*"ticket":"\([^"]*\)".*/\1/p' <<<"$answer") \
BENCH_TOKEN=$(sed -n 's/.*"tracking_token":"\([^"]*\)".*/\1/p' <<<"$answer") \
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/gateway/track.lua "$HTTP"
fi
if wants pipeline; then
echo
echo "== the pipeline: HTTP submission until the case is in the agency's queue"
echo "   (wrk, $PIPELINE_CONNECTIONS connections, $DURATION; latency from the two services' rows) =="
run="pipe$(date +%s)"
BENCH_RUN=$run wrk -t1 -c"$PIPELINE_CONNECTIONS" -d"$DURATION" --latency \
  -s bench/gateway/submit.lua "$HTTP" | grep -E "Requests/sec|not 201"
submitted=$(sql "SELECT count(*) FROM intake.complaints WHERE idempotency_key LIKE 'bench-$run-%'")
for _ in $(seq 1 600); do
  routed=$(sql "SELECT count(*) FROM intake.complaints c JOIN routing.cases r USING (complaint_id)
                WHERE c.idempotency_key LIKE 'bench-$run-%'")
  [ "$routed" -ge "$submitted" ] && break
  sleep 0.1
done
echo "submitted $submitted, in a queue $routed"
sql "SELECT 'pipeline ms: p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1)
            || ', p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
            || ', max ' || round(max(ms)::numeric, 1)
     FROM (SELECT extract(epoch FROM r.created_at - c.submitted_at) * 1000 AS ms
           FROM intake.complaints c JOIN routing.cases r USING (complaint_id)
           WHERE c.idempotency_key LIKE 'bench-$run-%') AS t"
wait_quiet
fi
if wants submission; then
echo
echo "== submission, direct gRPC (intake_bench, concurrency $CONNECTIONS, $DURATION) =="
build/run/bin/intake_bench --target=127.0.0.1:50051 --concurrency="$CONNECTIONS" \
  --duration="$DURATION" --warmup=3s
wait_quiet
echo
echo "== submission through the gateway (wrk, $CONNECTIONS connections, $DURATION) =="
BENCH_RUN="gw$(date +%s)" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
  -s bench/gateway/submit.lua "$HTTP"
echo
fi

#!/usr/bin/env bash
# The pipeline at a fixed rate (issue 20, docs/performance.md, docs/capacity.md): runs the whole
# system as deploy/run.sh does (optimized build, dev stack, real clock, limits lifted), offers
# complaints to intake at each rate of BENCH_RATES for BENCH_DURATION (open loop: intake_bench
# --rate), and prints, per second of submission and over the run:
#   submit -> case in the agency's queue (routing's case row),
#   submit -> deadline set (sla's first deadline row),
#   submit -> the citizen's first SMS accepted by the local gateway (notification's delivery),
# with the depth of the outboxes and of the consumers' queues while it ran, and the PostgreSQL
# commit ceiling of this machine measured in the same run (one connection, a row per commit).
#   bash bench/pipeline_bench.sh                          # 50, 100 and 200 complaints/s, 60 s
#   BENCH_RATES="100" BENCH_DURATION=300s bash bench/pipeline_bench.sh
# Between rates it waits until every queue and outbox is empty again (wait_quiet, bench/system.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RATES=${BENCH_RATES:-50 100 200}
DURATION=${BENCH_DURATION:-60s}

# shellcheck source=bench/system.sh
. bench/system.sh pipeline_bench
queues() {  # "queue:depth ..." of the queues that hold work, ready and unacked
  "$SKK_RABBITMQCTL" list_queues -q name messages 2>/dev/null |
    awk '$1 ~ /\.events$/ && $2 > 0 {printf "%s:%s ", $1, $2}'
}
outboxes() {
  sql "SELECT (SELECT count(*) FROM intake.outbox) || ' ' || (SELECT count(*) FROM routing.outbox)
              || ' ' || (SELECT count(*) FROM sla.outbox)"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%FT%TZ)"
# The commit ceiling: what one connection commits per second here, each commit a disk flush.
sql "CREATE TABLE IF NOT EXISTS public.bench_commits (n int)" >/dev/null
ceiling=$(PGOPTIONS="-c client_min_messages=warning" pgbench -n -c 1 -T 5 \
  -f <(echo "INSERT INTO public.bench_commits VALUES (1);") "${SKK_PG_ADMIN_URI%/*}/sambat" 2>/dev/null |
  awk '/^tps/ {printf "%.0f", $3}')
sql "DROP TABLE public.bench_commits" >/dev/null
echo "PostgreSQL commit ceiling: $ceiling commits/s on one connection (pgbench, 5 s)"
wait_quiet

for rate in $RATES; do
  echo
  echo "== $rate complaints/s offered for $DURATION (open loop, intake_bench --rate) =="
  samples=$(mktemp)
  (
    while :; do
      echo "$(date +%T) outboxes (intake routing sla) $(outboxes); queues $(queues)" >>"$samples"
      sleep 5
    done
  ) &
  sampler=$!
  out=$(build/run/bin/intake_bench --target=127.0.0.1:50051 --rate="$rate" --concurrency=64 \
          --duration="$DURATION" --warmup=0s --label="rate $rate")
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  grep SUMMARY <<<"$out"
  run=$(awk '/^run_id/ {print $2}' <<<"$out")
  wait_quiet
  echo "depths while offered (sampled every 5 s and the time rabbitmqctl takes):"
  sed 's/^/  /' "$samples"
  rm -f "$samples"
  ours="c.idempotency_key LIKE 'bench-$run-%'"
  stages="
    SELECT c.submitted_at,
           extract(epoch FROM r.created_at - c.submitted_at) * 1000 AS queued_ms,
           extract(epoch FROM (SELECT min(d.created_at) FROM sla.deadlines d
                               WHERE d.complaint_id = c.complaint_id) - c.submitted_at) * 1000
             AS deadline_ms,
           extract(epoch FROM (SELECT min(n.finished_at) FROM notification.deliveries n
                               WHERE n.complaint_id = c.complaint_id AND n.channel = 'sms'
                                 AND n.recipient_role = 'citizen' AND n.state = 'sent')
                              - c.submitted_at) * 1000 AS sms_ms
    FROM intake.complaints c LEFT JOIN routing.cases r USING (complaint_id) WHERE $ours"
  pct() { echo "round(percentile_cont($1) WITHIN GROUP (ORDER BY $2)::numeric)"; }
  echo "per second of submission: submitted; submit -> queue p50/p99 ms; -> deadline p99; -> SMS p99"
  sql "SELECT to_char(date_trunc('second', submitted_at), 'HH24:MI:SS'), count(*),
              $(pct 0.5 queued_ms), $(pct 0.99 queued_ms), $(pct 0.99 deadline_ms), $(pct 0.99 sms_ms)
       FROM ($stages) s GROUP BY 1 ORDER BY 1" |
    awk -F'|' '{ printf "  %s %5d   %7s %7s   %7s   %7s\n", $1, $2, $3, $4, $5, $6 }'
  echo "over the run (ms):"
  sql "SELECT count(*), count(queued_ms), count(deadline_ms), count(sms_ms),
              $(pct 0.5 queued_ms), $(pct 0.99 queued_ms), $(pct 0.5 deadline_ms),
              $(pct 0.99 deadline_ms), $(pct 0.5 sms_ms), $(pct 0.99 sms_ms)
       FROM ($stages) s" |
    awk -F'|' -v rate="$rate" -v ceiling="$ceiling" '{
      printf "  offered %s/s: %d submitted; in a queue %d, deadline set %d, citizen SMS %d\n", rate, $1, $2, $3, $4
      printf "  submit -> queue    p50 %6s  p99 %6s\n", $5, $6
      printf "  submit -> deadline p50 %6s  p99 %6s\n", $7, $8
      printf "  submit -> SMS      p50 %6s  p99 %6s\n", $9, $10
      printf "  (commit ceiling %s/s on one connection)\n", ceiling }'
done

#!/usr/bin/env bash
# Catch-up (issue 20, docs/performance.md): how fast each consumer drains a backlog. Runs the
# system as deploy/run.sh does (optimized build, dev stack, real clock, limits lifted), stops
# routing, sla and notification, submits complaints straight to intake for BENCH_DURATION
# (intake_bench, BENCH_CONNECTIONS slots), starts the three again and prints, per consumer,
# the events it applied and how long its queue took to empty.
#   bash bench/catchup_bench.sh                  # 20 s of submissions
#   BENCH_DURATION=60s bash bench/catchup_bench.sh
#   BENCH_CONSUMERS=notification bash bench/catchup_bench.sh   # notification's backlog alone
# Last, it waits for every delivery on the wire (email, SMS, WhatsApp) to be sent to the local
# receivers and prints the deliveries per second, from notification's start to the last one.
# On a fresh dev stack (bash deploy/stack.sh reset --profile dev) the backlog is this run's alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
RUN=.run/dev
read -r -a CONSUMERS <<<"${BENCH_CONSUMERS:-routing sla notification}"

# shellcheck source=bench/system.sh
. bench/system.sh catchup_bench
depth() {  # queue -> messages ready and unacked
  "$SKK_RABBITMQCTL" list_queues -q name messages 2>/dev/null | awk -v q="$1" '$1 == q {print $2}'
}
applied() { sql "SELECT count(*) FROM $1.applied_events"; }
outboxes() { sql "SELECT (SELECT count(*) FROM routing.outbox) + (SELECT count(*) FROM sla.outbox)"; }

for s in "${CONSUMERS[@]}"; do
  kill -TERM "$(cat $RUN/$s.pid)"
  while kill -0 "$(cat $RUN/$s.pid)" 2>/dev/null; do sleep 0.1; done
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%FT%TZ)"
echo "== the backlog: submissions straight to intake for $DURATION, ${CONSUMERS[*]} stopped =="
build/run/bin/intake_bench --target=127.0.0.1:50051 --concurrency="$CONNECTIONS" \
  --duration="$DURATION" --warmup=0s | grep -E "SUMMARY|calls/s|complaints/s" || true
# The backlog is complete when nothing still running has anything left to pass on.
until [ "$(sql "SELECT count(*) FROM intake.outbox")" = 0 ]; do sleep 0.5; done
for s in routing sla; do
  [[ " ${CONSUMERS[*]} " == *" $s "* ]] && continue
  until [ "$(depth "$s.events")" = 0 ]; do sleep 0.5; done
done
until [ "$(outboxes)" = 0 ]; do sleep 0.5; done
declare -A start_applied
for s in "${CONSUMERS[@]}"; do
  start_applied[$s]=$(applied "$s")
  echo "queued for $s: $(depth "$s.events")"
done
echo
echo "== catch-up: ${CONSUMERS[*]} started again =="
bash deploy/run.sh start >/dev/null
started=$(date +%s.%N)
# A consumer has caught up when its queue is empty and nothing upstream can still feed it: the
# ones before it have caught up and their outboxes are empty (sla hears of a case from routing,
# notification from both).
declare -A done_at=()
give_up=$((SECONDS + ${BENCH_CATCHUP_SECONDS:-900}))
while [ "${#done_at[@]}" -lt "${#CONSUMERS[@]}" ] && [ "$SECONDS" -lt "$give_up" ]; do
  for s in "${CONSUMERS[@]}"; do
    [ -n "${done_at[$s]:-}" ] && continue
    [ "$(depth "$s.events")" = 0 ] || break
    [ "$s" = routing ] || [ "$(outboxes)" = 0 ] || break
    done_at[$s]=$(date +%s.%N)
  done
  sleep 0.5
done
for s in "${CONSUMERS[@]}"; do
  n=$(( $(applied "$s") - ${start_applied[$s]} ))
  if [ -z "${done_at[$s]:-}" ]; then
    echo "$s: $n events applied, not caught up after ${BENCH_CATCHUP_SECONDS:-900} s"
    continue
  fi
  awk -v s="$s" -v n="$n" -v t0="$started" -v t1="${done_at[$s]}" 'BEGIN {
    t = t1 - t0; printf "%-13s %8d events applied in %6.1f s: %7.0f events/s\n", s, n, t, n / t }'
done
[[ " ${CONSUMERS[*]} " == *" notification "* ]] || exit 0
# Deliveries: decided from the events, dispatched to the channels' work queues, sent to the
# local receivers and recorded. Waited for until none is left unfinished.
wire="channel IN ('email', 'sms', 'whatsapp') AND created_at >= to_timestamp($started)"
# (due ones: a message held for a recipient's quiet hours waits for the morning.)
unfinished="SELECT count(*) FROM notification.deliveries WHERE $wire AND state NOT IN ('sent', 'dead')
            AND not_before <= now()"
while [ "$(sql "$unfinished")" != 0 ] && [ "$SECONDS" -lt "$give_up" ]; do sleep 0.5; done
sql "SELECT count(*), count(*) FILTER (WHERE state = 'sent'),
            string_agg(DISTINCT channel, ','),
            extract(epoch FROM max(finished_at)) - $started
     FROM notification.deliveries WHERE $wire AND finished_at IS NOT NULL" |
  awk -F'|' '{ printf "deliveries    %8d on the wire (%d sent; %s) by %6.1f s: %7.0f deliveries/s\n", $1, $2, $3, $4, $1 / $4 }'
[ "$(sql "$unfinished")" = 0 ] || echo "deliveries: $(sql "$unfinished") still unfinished after ${BENCH_CATCHUP_SECONDS:-900} s"

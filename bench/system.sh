# Sourced by the benchmarks that run the whole system (gateway_bench.sh, catchup_bench.sh,
# pipeline_bench.sh): starts it as deploy/run.sh does (optimized build, dev stack) on the real
# clock, with the limits lifted that would refuse a load generator on one address; stops it on
# exit. Defines sql (a statement against the system's database), backlog and wait_quiet. $1:
# the benchmark's name, for messages.
BENCH_NAME=$1
if [ -s .run/dev/gateway.pid ] && kill -0 "$(cat .run/dev/gateway.pid)" 2>/dev/null; then
  echo "$1: the system of deploy/run.sh is running with its limits on; stop it first" \
       "(bash deploy/run.sh stop)" >&2
  exit 1
fi
# The real clock, not run.sh's file clock (which stands still between `clock advance`s): the
# latencies measured are differences of the services' times.
export SKK_RUN_FLAGS_INTAKE="--clock=real --reporter_limit=0 --device_limit=0
  --anonymous_peer_limit=0 --tracking_limit=0"
export SKK_RUN_FLAGS_GATEWAY="--clock=real --address_read_limit=0 --address_write_limit=0"
export SKK_RUN_FLAGS_ROUTING=--clock=real SKK_RUN_FLAGS_SLA=--clock=real
export SKK_RUN_FLAGS_NOTIFICATION=--clock=real
bash deploy/run.sh start >/dev/null
trap 'bash deploy/run.sh stop >/dev/null' EXIT
# shellcheck source=/dev/null
. .run/dev/stack.env
sql() { psql "${SKK_PG_ADMIN_URI%/*}/sambat" -Atc "$1"; }

# What the system still has to do: messages in the work queues (retry queues hold messages for
# their delay and are left out), rows in the outboxes, and messages for the wire that are due
# (those held for a recipient's quiet hours are not).
backlog() {
  local queued
  queued=$("$SKK_RABBITMQCTL" list_queues -q name messages 2>/dev/null |
    awk '$1 !~ /retry|parked|dead/ {s += $2} END {print s + 0}')
  echo $((queued + $(sql "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM routing.outbox)
                                 + (SELECT count(*) FROM sla.outbox)
                                 + (SELECT count(*) FROM notification.deliveries
                                    WHERE state NOT IN ('sent', 'dead') AND not_before <= now())")))
}
# Waits until the backlog is empty, so one phase's work does not take the next phase's cores.
# Gives up after BENCH_QUIET_SECONDS (600) and says what is left: a notification backlog on two
# cores may take longer to drain than a run is worth.
wait_quiet() {
  local until=$((SECONDS + ${BENCH_QUIET_SECONDS:-600}))
  while [ "$SECONDS" -lt "$until" ]; do
    [ "$(backlog)" = 0 ] && return
    sleep 1
  done
  echo "$BENCH_NAME: $(backlog) messages and rows still to do after ${BENCH_QUIET_SECONDS:-600} s;" \
       "going on" >&2
}

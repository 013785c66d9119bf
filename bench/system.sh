# Sourced by the benchmarks that run the whole system (gateway_bench.sh, catchup_bench.sh):
# starts it as deploy/run.sh does (optimized build, dev stack) on the real clock, with the
# limits lifted that would refuse a load generator on one address; stops it on exit. Defines
# sql (a statement against the system's database). $1: the benchmark's name, for messages.
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

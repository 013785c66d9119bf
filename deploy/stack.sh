#!/usr/bin/env bash
# Starts and stops PostgreSQL 15, RabbitMQ 3.10 and Redis 7 on loopback for local runs and
# tests, with all their data under .run/<profile>/ in the repo (git-ignored). Needs root (it
# runs PostgreSQL as the postgres user) and the packages from deploy/install-deps.sh.
#
#   deploy/stack.sh start  [--profile dev|test|faults]               start, or verify what runs
#   deploy/stack.sh stop   [--profile dev|test|faults] [--immediate] stop everything of the profile
#   deploy/stack.sh status [--profile dev|test|faults]               exit 1 if anything is down
#   deploy/stack.sh reset  [--profile dev|test|faults]               kill, then delete .run/<profile>
#   deploy/stack.sh crash  postgresql|redis|rabbitmq [--profile faults]  kill one server as a
#                                                             crash would; `start` restarts it
#
# --immediate stops like a crash: PostgreSQL -m immediate, SIGKILL for Redis and RabbitMQ.
# After start, `source .run/<profile>/stack.env` gives the addresses (SKK_* variables) and
# $SKK_RABBITMQCTL, a rabbitmqctl bound to this profile's node.
#
#            postgresql  redis  amqp   erlang dist  epmd
#   dev      55432       55379  55672  55673        55369
#   test     56432       56379  56672  56673        56369
#   faults   57432       57379  57672  57673        57369   (the fault suite's own servers)
#   (rabbitmqctl calls through the wrapper use 55700-55739 / 56700-56739 for their own node)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=deploy/lib-stack.sh
. "$REPO_ROOT/deploy/lib-stack.sh"

usage() {
  sed -n '6,11p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
  exit 2
}

COMMAND=${1:-}
[ $# -gt 0 ] && shift
SERVER=""
if [ "$COMMAND" = crash ]; then
  SERVER=${1:-}
  [ $# -gt 0 ] && shift
fi
PROFILE=dev
IMMEDIATE=no
while [ $# -gt 0 ]; do
  case "$1" in
    --profile)   [ $# -ge 2 ] || usage; PROFILE=$2; shift 2 ;;
    --profile=*) PROFILE=${1#*=}; shift ;;
    --immediate) IMMEDIATE=yes; shift ;;
    -h|--help)   usage ;;
    *)           echo "unknown argument: $1" >&2; usage ;;
  esac
done
case "$COMMAND" in start|stop|status|reset|crash) ;; *) usage ;; esac
[ "$COMMAND" != crash ] || case "$SERVER" in postgresql|redis|rabbitmq) ;; *) usage ;; esac
[ "$IMMEDIATE" = no ] || [ "$COMMAND" = stop ] || [ "$COMMAND" = reset ] || usage
stack_configure
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL is run as the postgres user via runuser)"

# Daemons get their own files; keep what they create readable regardless of the caller's umask.
umask 022

# One start/stop/reset at a time per profile: two concurrent starts would race on initdb and
# ports. status only reads, so it does not wait behind a start. The lock lives beside, not
# inside, .run/<profile> so that reset can delete the directory.
if [ "$COMMAND" != status ]; then
  mkdir -p "$REPO_ROOT/.run"
  exec 9>"$REPO_ROOT/.run/.$PROFILE.lock"
  flock -w 300 9 || die "another deploy/stack.sh $PROFILE has held the lock for 5 minutes"
fi

cmd_start() {
  local t0=$SECONDS
  mkdir -p "$RUN_DIR"
  chmod 0755 "$REPO_ROOT/.run" "$RUN_DIR"
  write_stack_env
  tls_prepare
  reserve_ports
  preflight_ports
  rabbit_launch        # returns at once; the Erlang boot overlaps with the two below
  pg_start
  redis_start
  rabbit_await
  say "ready in $((SECONDS - t0)) s; source $(rel "$RUN_DIR/stack.env")"
  pg_describe
  redis_describe
  rabbit_describe
}

# Stops run concurrently: rabbitmqctl stop alone takes several seconds.
cmd_stop() {
  local rabbit_job stopped=no
  (
    r=1
    rabbit_stop "$IMMEDIATE" && r=0
    epmd_stop && r=0
    exit "$r"
  ) &
  rabbit_job=$!
  pg_stop "$IMMEDIATE" && stopped=yes
  redis_stop "$IMMEDIATE" && stopped=yes
  wait "$rabbit_job" && stopped=yes
  # Whatever was up, the profile's ports must be free now; otherwise say who holds them.
  local port leftovers=""
  for port in "$PG_PORT" "$REDIS_PORT" "$AMQP_PORT" "$DIST_PORT" "$EPMD_PORT"; do
    port_listening "$port" && leftovers+=" $port($(port_owners "$port" | tr '\n' ' '))"
  done
  [ -z "$leftovers" ] || die "still listening after stop:$leftovers"
  [ "$stopped" = yes ] || say "nothing was running"
}

cmd_status() {
  local down=0 pid
  pg_describe    || { echo "postgresql  not running"; down=1; }
  redis_describe || { echo "redis       not running"; down=1; }
  if ! rabbit_describe; then
    down=1
    # The node takes seconds to boot; say so rather than "not running" while its pid exists.
    if pid=$(rabbit_pid); then echo "rabbitmq    not ready (pid $pid, booting or stuck)"
    else echo "rabbitmq    not running"
    fi
  fi
  return "$down"
}

# One server goes down the way a power cut or an OOM kill takes it: PostgreSQL -m immediate
# (WAL replay on the next start), SIGKILL for Redis (the AOF's last second may be lost) and for
# RabbitMQ (unconfirmed publishes are lost; confirmed persistent messages are not).
cmd_crash() {
  case "$SERVER" in
    postgresql) pg_stop yes ;;
    redis)      redis_stop yes ;;
    rabbitmq)   rabbit_stop yes ;;
  esac || die "$SERVER was not running"
}

cmd_reset() {
  # The data is about to go, so there is nothing to flush: stop the quick way.
  IMMEDIATE=yes
  cmd_stop
  rm -rf "$RUN_DIR"
  echo "deleted $(rel "$RUN_DIR")"
}

"cmd_$COMMAND"

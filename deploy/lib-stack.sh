# shellcheck shell=bash
# Helpers for deploy/stack.sh: one section per server plus a few process/port utilities.
# Sourced, never executed. Expects REPO_ROOT and PROFILE to be set; stack_configure derives the
# rest.
#
# Every daemon is launched with `9>&-`: stack.sh holds a flock on fd 9, and a daemon that
# inherited it would keep the lock forever and hang the next stack.sh run. Daemons also get
# stdin/stdout/stderr redirected to files, so `out=$(stack.sh start)` or a CTest pipe does not
# stay open until the servers exit.

PG_BIN=/usr/lib/postgresql/15/bin
RABBIT_BIN=/usr/lib/rabbitmq/bin
PG_ROLES=(intake routing sla notification gateway)

say()  { printf 'stack[%s]: %s\n' "$PROFILE" "$*" >&2; }
die()  { printf 'stack[%s]: error: %s\n' "$PROFILE" "$*" >&2; exit 1; }
rel()  { printf '%s' "${1#"$REPO_ROOT"/}"; }   # paths in messages, relative to the repo root

# `export NAME='value'` for generated files; single quotes keep them readable and sh-safe.
export_line() {  # NAME=value
  local v=${1#*=}
  printf "export %s='%s'\n" "${1%%=*}" "${v//\'/\'\\\'\'}"
}

stack_configure() {
  # Ports are fixed per profile so dev and test can run side by side, and stay clear of
  # 35672-35682, the default range of rabbitmqctl's own short-lived Erlang nodes. Our CLI
  # calls get a range of their own (CTL_PORTS) so they never compete for those 11 ports with
  # parallel calls or with another RabbitMQ on the machine.
  case "$PROFILE" in
    dev)  PG_PORT=55432 REDIS_PORT=55379 AMQP_PORT=55672 DIST_PORT=55673 EPMD_PORT=55369
          CTL_PORT_MIN=55700 CTL_PORT_MAX=55739 ;;
    test) PG_PORT=56432 REDIS_PORT=56379 AMQP_PORT=56672 DIST_PORT=56673 EPMD_PORT=56369
          CTL_PORT_MIN=56700 CTL_PORT_MAX=56739 ;;
    # The fault suite crashes and restarts these servers, so it never shares them with tests.
    faults) PG_PORT=57432 REDIS_PORT=57379 AMQP_PORT=57672 DIST_PORT=57673 EPMD_PORT=57369
          CTL_PORT_MIN=57700 CTL_PORT_MAX=57739 ;;
    # deploy/restore-drill.sh: servers it loses and restores, apart from everything else.
    drill) PG_PORT=58432 REDIS_PORT=58379 AMQP_PORT=58672 DIST_PORT=58673 EPMD_PORT=58369
          CTL_PORT_MIN=58700 CTL_PORT_MAX=58739 ;;
    *)    die "unknown profile '$PROFILE' (expected dev, test, faults or drill)" ;;
  esac
  RUN_DIR=$REPO_ROOT/.run/$PROFILE
  # TLS beside the plaintext ports, so tests prove handshakes (and refusals) against the real
  # servers: a CA of the stack's own and a server certificate for 127.0.0.1 and localhost.
  AMQPS_PORT=$((AMQP_PORT - 1))
  TLS_DIR=$RUN_DIR/tls

  PG_DATA=$RUN_DIR/pg
  PG_SOCKET_DIR=$RUN_DIR/pg-socket
  PG_LOG=$RUN_DIR/pg.log

  REDIS_DIR=$RUN_DIR/redis
  REDIS_PIDFILE=$REDIS_DIR/redis.pid
  REDIS_LOG=$REDIS_DIR/redis.log

  RABBIT_DIR=$RUN_DIR/rabbitmq
  RABBIT_NODENAME=skk-$PROFILE@localhost
  RABBIT_PIDFILE=$RABBIT_DIR/rabbitmq.pid
  RABBIT_LOG_DIR=$RABBIT_DIR/log
  RABBIT_LOG=$RABBIT_LOG_DIR/$RABBIT_NODENAME.log   # RabbitMQ names it after the node
  RABBITMQCTL=$RUN_DIR/rabbitmqctl
}

# ---------------------------------------------------------------------------------------------
# The stack's own certificate authority (loopback only, made once per profile)

tls_prepare() {
  [ -s "$TLS_DIR/server.pem" ] && [ -s "$TLS_DIR/ca.pem" ] && return 0
  mkdir -p "$TLS_DIR"
  chmod 0755 "$TLS_DIR"
  say "making the stack's TLS certificates in $(rel "$TLS_DIR")"
  (
    cd "$TLS_DIR" || exit 1
    umask 022
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=Sambat Kene Ker $PROFILE stack CA" -keyout ca.key -out ca.pem 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
      -keyout server.key -out server.csr 2>/dev/null &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem 2>/dev/null
  ) || die "cannot make the stack's TLS certificates (is openssl installed?)"
  chmod 0600 "$TLS_DIR/ca.key" "$TLS_DIR/server.key"
}

# ---------------------------------------------------------------------------------------------
# Processes and ports

# Prints the pid stored in a pid file if that process is alive and its command name matches.
# The name check guards against a stale pid file whose pid was reused after a crash.
live_pid() {  # pidfile comm
  local pid
  [ -r "$1" ] || return 1
  pid=$(head -n1 "$1" 2>/dev/null | tr -dc 0-9)
  [ -n "$pid" ] && pid_is "$pid" "$2" || return 1
  printf '%s' "$pid"
}

pid_is() {  # pid comm
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && ! gone "$1"
}

port_listening() {  # port
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# "name/pid" of the listener(s) on a port, for error messages and for finding epmd.
port_owners() {  # port
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o '(("[^"]*",pid=[0-9]*' | sed 's/(("\([^"]*\)",pid=/\1\//' | sort -u
}

require_port_free() {  # port what
  local owners
  port_listening "$1" || return 0
  owners=$(port_owners "$1" | tr '\n' ' ')
  die "port $1 ($2) is already taken by ${owners:-another process}; is another stack or a system service running?"
}

wait_until() {  # timeout_seconds command...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# A zombie counts as gone. Here pid 1 reaps orphans only every second or two, so a killed
# daemon lingers as a zombie that `kill -0` still reports as alive.
gone() {  # pid
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [ "${stat%% *}" = Z ]
}

# SIGTERM (or SIGKILL when immediate), wait, then SIGKILL whatever survived the grace period.
terminate() {  # pid grace_seconds immediate
  if [ "$3" = yes ]; then kill -KILL "$1" 2>/dev/null || true
  else kill -TERM "$1" 2>/dev/null || true
  fi
  wait_until "$2" gone "$1" && return 0
  say "pid $1 did not exit within $2 s; sending SIGKILL"
  kill -KILL "$1" 2>/dev/null || true
  wait_until 5 gone "$1"
}

descendants() {  # pid -> all descendant pids, depth first
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    printf '%s\n' "$child"
    descendants "$child"
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL (runs as the postgres user: initdb and the postmaster refuse to run as root)

as_postgres() { runuser -u postgres -- "$@"; }

pg_pid() { live_pid "$PG_DATA/postmaster.pid" postgres; }

# postgres must traverse every parent of its data directory. Only touch the components that
# actually lack the permission, so a usual 0755 checkout is left exactly as it is.
# Walks top-down, since `test -x` on a directory fails when any parent is the blocker.
pg_make_traversable() {
  local d="" part parts
  as_postgres test -x "$RUN_DIR" && return 0
  IFS=/ read -ra parts <<<"${RUN_DIR#/}"
  for part in "${parts[@]}"; do
    d+=/$part
    if ! as_postgres test -x "$d"; then
      say "chmod o+x $d (postgres must reach its data directory)"
      chmod o+x "$d"
    fi
  done
}

pg_prepare() {
  # A unix socket path is limited to 107 bytes; fail clearly instead of with a cryptic error.
  [ ${#PG_SOCKET_DIR} -le 90 ] || die "socket dir path too long for a unix socket: $PG_SOCKET_DIR"
  mkdir -p "$PG_SOCKET_DIR"
  pg_make_traversable
  chown postgres:postgres "$PG_SOCKET_DIR"
  chmod 0755 "$PG_SOCKET_DIR"
  touch "$PG_LOG"
  chown postgres:postgres "$PG_LOG"

  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    # A half-made directory from an interrupted initdb would make initdb refuse to run.
    rm -rf "$PG_DATA"
    install -d -o postgres -g postgres -m 0700 "$PG_DATA"
    say "initdb $(rel "$PG_DATA")"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 \
      || { tail -n 20 "$PG_LOG" >&2; die "initdb failed, see $(rel "$PG_LOG")"; }
    echo "include_if_exists = 'skk.conf'" >>"$PG_DATA/postgresql.conf"
  fi

  # Rewritten on every start so changes made here reach clusters that already exist.
  # fsync and synchronous_commit are spelled out because durability is a requirement: nobody
  # should "speed up tests" by flipping them in the base config.
  as_postgres tee "$PG_DATA/skk.conf" >/dev/null <<EOF
# Written by deploy/stack.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 300
shared_buffers = 256MB
password_encryption = scram-sha-256
fsync = on
synchronous_commit = on
full_page_writes = on
log_line_prefix = '%m [%p] %q%u@%d '
# TLS with the stack's certificate: clients choose (sslmode=verify-full in the URI to demand it).
ssl = on
ssl_cert_file = 'server.pem'
ssl_key_file = 'server.key'
EOF
  # PostgreSQL reads its key only when the postgres user owns it and nobody else may read it.
  install -o postgres -g postgres -m 0600 "$TLS_DIR/server.key" "$PG_DATA/server.key"
  install -o postgres -g postgres -m 0644 "$TLS_DIR/server.pem" "$PG_DATA/server.pem"
  as_postgres tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
# Written by deploy/stack.sh on every start.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
EOF
}

# The profiles' ports lie inside Linux's ephemeral range (32768-60999). Under load (the fault
# suite opens thousands of connections) a client socket can be given a server's port as its
# own local port while that server is down, and the server's restart then fails with "Address
# already in use" though nothing listens there. Reserved ports are never handed out that way.
# Best effort: where /proc/sys is read-only (some containers) the start goes on, and says so.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current wanted port
  [ -r "$file" ] || return 0
  current=$(cat "$file")
  wanted=$current
  for port in "$PG_PORT" "$REDIS_PORT" "$AMQP_PORT" "$AMQPS_PORT" "$DIST_PORT" "$EPMD_PORT"; do
    # The kernel keeps single ports and ranges ("56671-56673"): add only a port none covers.
    echo "$current" | tr ',' '\n' | awk -F- -v p="$port" \
      'NF && p >= $1 && p <= ($2 == "" ? $1 : $2) { found = 1 } END { exit !found }' && continue
    wanted=${wanted:+$wanted,}$port
  done
  [ "$wanted" != "$current" ] || return 0
  if echo "$wanted" >"$file" 2>/dev/null; then
    say "reserved ports $PG_PORT,$REDIS_PORT,$AMQP_PORT,$AMQPS_PORT,$DIST_PORT,$EPMD_PORT from the ephemeral range (net.ipv4.ip_local_reserved_ports)"
  else
    say "cannot reserve the ports from the ephemeral range ($file is read-only); a restart may rarely find its port taken by a client"
  fi
}

# Checked for every server before any is launched, so a taken port fails the start before
# anything was left half-started.
preflight_ports() {
  pg_pid >/dev/null || require_port_free "$PG_PORT" postgresql
  redis_pid >/dev/null || require_port_free "$REDIS_PORT" redis
  rabbit_pid >/dev/null || rabbit_check_ports
}

pg_start() {
  local pid
  if pid=$(pg_pid); then
    as_postgres "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
      || die "postgresql pid $pid is alive but not accepting connections, see $(rel "$PG_LOG")"
    say "postgresql already running (pid $pid)"
    pg_prepare
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" reload -s
  else
    require_port_free "$PG_PORT" postgresql
    pg_prepare
    # After a crash the postmaster.pid is left behind; postgres itself copes with that as long
    # as the pid is not reused, and pg_pid above already showed it is not a live postgres.
    rm -f "$PG_DATA/postmaster.pid"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s start \
      </dev/null 9>&- || { tail -n 20 "$PG_LOG" >&2; die "postgresql did not start, see $(rel "$PG_LOG")"; }
  fi
  pg_provision
}

# Idempotent, so it runs on every start: a half-provisioned cluster heals itself.
pg_provision() {
  local r sql=""
  for r in "${PG_ROLES[@]}"; do
    sql+="SELECT format('CREATE ROLE %I LOGIN', '$r') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$r')\\gexec
ALTER ROLE $r LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$r-local';
ALTER ROLE $r SET search_path = $r;
"
  done
  PGOPTIONS="-c client_min_messages=warning" \
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
    >/dev/null <<EOF || die "provisioning postgresql failed"
ALTER ROLE postgres PASSWORD 'postgres-local';
SELECT 'CREATE DATABASE sambat' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sambat')\\gexec
$sql
\\connect sambat
$(for r in "${PG_ROLES[@]}"; do echo "CREATE SCHEMA IF NOT EXISTS $r AUTHORIZATION $r;"; done)
EOF
}

pg_stop() {  # immediate
  local pid
  pid=$(pg_pid) || return 1
  # fast: roll back sessions, checkpoint, exit. immediate: no checkpoint, WAL replay on next
  # start, which is what a crash looks like.
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 -s -m "$([ "$1" = yes ] && echo immediate || echo fast)" stop \
    || terminate "$pid" 30 "$1"
  wait_until 10 gone "$pid" || die "postgresql pid $pid survived the stop"
  echo "postgresql  stopped  pid $pid"
}

pg_describe() {
  local pid
  pid=$(pg_pid) || return 1
  echo "postgresql  127.0.0.1:$PG_PORT  pid $pid  log $(rel "$PG_LOG")"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_pid() { live_pid "$REDIS_PIDFILE" redis-server; }
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

# An ACL user per service that uses Redis, allowed only its own keys (<prefix>intake:*,
# <prefix>sla:*, <prefix>gateway:*) and no administrative commands. The default user stays open on this loopback
# stack for tests and tools; a real deployment disables it (docs/security.md).
redis_users() {
  local s
  for s in intake sla gateway; do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ACL SETUSER "$s" reset on ">$s-local" \
      "~*$s:*" +@all -@dangerous >/dev/null || die "cannot create the Redis user $s"
  done
}

redis_start() {
  local pid
  if pid=$(redis_pid); then
    wait_until 10 redis_ping || die "redis pid $pid is alive but does not answer PING"
    say "redis already running (pid $pid)"
    redis_users
    return 0
  fi
  require_port_free "$REDIS_PORT" redis
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PIDFILE"
  # Errors from before redis opens its log file (bad arguments) go to the same log.
  # shellcheck disable=SC2094
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
    --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
    </dev/null >>"$REDIS_LOG" 2>&1 9>&- || die "redis-server failed, see $(rel "$REDIS_LOG")"
  wait_until 15 redis_ping || { tail -n 20 "$REDIS_LOG" >&2; die "redis did not answer PING, see $(rel "$REDIS_LOG")"; }
  wait_until 5 redis_pid >/dev/null || die "redis answers but wrote no pid file $(rel "$REDIS_PIDFILE")"
  redis_users
}

redis_stop() {  # immediate
  local pid
  pid=$(redis_pid) || return 1
  # SIGTERM makes redis fsync the AOF and exit cleanly; SIGKILL is the crash test.
  terminate "$pid" 60 "$1"
  rm -f "$REDIS_PIDFILE"
  echo "redis       stopped  pid $pid"
}

redis_describe() {
  local pid
  pid=$(redis_pid) && redis_ping || return 1
  echo "redis       127.0.0.1:$REDIS_PORT  pid $pid  log $(rel "$REDIS_LOG")"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ
#
# The /usr/sbin wrappers switch to the rabbitmq user and its HOME, and then the Erlang cookie
# no longer matches ours, so the scripts in /usr/lib/rabbitmq/bin are called directly, with an
# environment that pins everything (node name, ports, directories, cookie) to this profile.

# The environment shared by the server and every CLI call, as shell lines.
rabbit_env_lines() {
  local kv
  for kv in \
    "HOME=$RABBIT_DIR/home" \
    "LC_ALL=C.UTF-8" \
    "RABBITMQ_NODENAME=$RABBIT_NODENAME" \
    "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" \
    "RABBITMQ_NODE_PORT=$AMQP_PORT" \
    "RABBITMQ_DIST_PORT=$DIST_PORT" \
    "ERL_EPMD_PORT=$EPMD_PORT" \
    "ERL_EPMD_ADDRESS=127.0.0.1" \
    "RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia" \
    "RABBITMQ_LOG_BASE=$RABBIT_LOG_DIR" \
    "RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq.conf" \
    "RABBITMQ_ADVANCED_CONFIG_FILE=$RABBIT_DIR/advanced.config" \
    "RABBITMQ_CONF_ENV_FILE=$RABBIT_DIR/rabbitmq-env.conf" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins" \
    "RABBITMQ_PID_FILE=$RABBIT_PIDFILE" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
    "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
    "RABBITMQ_CTL_DIST_PORT_MIN=$CTL_PORT_MIN" \
    "RABBITMQ_CTL_DIST_PORT_MAX=$CTL_PORT_MAX"
  do
    export_line "$kv"
  done
}

rabbit_prepare() {
  local cookie=$RABBIT_DIR/home/.erlang.cookie
  mkdir -p "$RABBIT_DIR/home" "$RABBIT_DIR/mnesia" "$RABBIT_LOG_DIR"
  # Our own cookie, made before anything Erlang runs, so server and CLI can never disagree.
  if [ ! -s "$cookie" ]; then
    (umask 077; head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F >"$cookie")
  fi
  chmod 0400 "$cookie"
  # An empty env file: otherwise /etc/rabbitmq/rabbitmq-env.conf is read and could override us.
  : >"$RABBIT_DIR/rabbitmq-env.conf"
  echo '[].' >"$RABBIT_DIR/enabled_plugins"
  cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
# Written by deploy/stack.sh on every start; edit the script, not this file.
default_user = skk
default_pass = skk-local
default_vhost = /
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.relative = 0.4
# amqps:// beside amqp://, with the stack's certificate; a client certificate is checked when
# one is presented.
listeners.ssl.default = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $TLS_DIR/ca.pem
ssl_options.certfile = $TLS_DIR/server.pem
ssl_options.keyfile = $TLS_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
EOF
  rabbit_write_wrapper rabbitmqctl
  rabbit_write_wrapper rabbitmq-diagnostics
}

# A wrapper in .run/<profile> lets callers (tests, humans) talk to this node without knowing
# its HOME, cookie or epmd port.
rabbit_write_wrapper() {  # tool
  {
    echo '#!/bin/bash'
    echo "# Runs $1 against RabbitMQ node $RABBIT_NODENAME. Written by deploy/stack.sh."
    rabbit_env_lines
    echo "exec $RABBIT_BIN/$1 \"\$@\""
  } >"$RUN_DIR/$1.tmp"
  chmod 0755 "$RUN_DIR/$1.tmp"
  mv -f "$RUN_DIR/$1.tmp" "$RUN_DIR/$1"
}

# The node's beam.smp: from the pid file, or, in the first second of boot (before the node
# writes that file) or after the file was lost, from the `-home <dir>` argument that is unique
# to this profile. Without the fallback, a stop right after a failed start would leave the
# node running.
rabbit_pid() {
  local pid args
  live_pid "$RABBIT_PIDFILE" beam.smp && return 0
  for pid in $(pgrep -x beam.smp || true); do
    args=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    if grep -qxF "$RABBIT_DIR/home" <<<"$args" && ! gone "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
  done
  return 1
}

rabbit_check_ports() {
  require_port_free "$AMQP_PORT" "rabbitmq amqp"
  require_port_free "$AMQPS_PORT" "rabbitmq amqps"
  require_port_free "$DIST_PORT" "rabbitmq distribution"
  # epmd may survive a crash of the node; reusing ours is fine, anything else on its port isn't.
  if port_listening "$EPMD_PORT" && [[ $'\n'$(port_owners "$EPMD_PORT") != *$'\n'epmd/* ]]; then
    require_port_free "$EPMD_PORT" epmd
  fi
}

# Launches the node without waiting; rabbit_await does the waiting, so the slow Erlang boot
# overlaps with starting PostgreSQL and Redis.
rabbit_launch() {
  local pid
  rabbit_prepare
  if pid=$(rabbit_pid); then
    say "rabbitmq already running (pid $pid)"
    return 0
  fi
  rabbit_check_ports
  rm -f "$RABBIT_PIDFILE"
  (
    eval "$(rabbit_env_lines)"
    exec "$RABBIT_BIN/rabbitmq-server" -detached
  ) </dev/null >>"$RABBIT_LOG_DIR/startup.log" 2>&1 9>&- \
    || die "rabbitmq-server -detached failed, see $(rel "$RABBIT_LOG_DIR/startup.log")"
}

rabbit_await() {
  # `wait` first waits for the pid file, then for the app to be up;
  # await_startup alone fails if the node has not registered with epmd yet.
  if ! "$RABBITMQCTL" -q wait --timeout 120 "$RABBIT_PIDFILE" </dev/null >/dev/null 2>"$RUN_DIR/rabbitmqctl-wait.err"; then
    cat "$RUN_DIR/rabbitmqctl-wait.err" >&2
    tail -n 20 "$RABBIT_LOG" "$RABBIT_LOG_DIR/startup.log" >&2 2>/dev/null || true
    die "rabbitmq did not start, see $(rel "$RABBIT_LOG")"
  fi
  rm -f "$RUN_DIR/rabbitmqctl-wait.err"
}

rabbit_stop() {  # immediate
  local pid procs p
  pid=$(rabbit_pid) || return 1
  # erl_child_setup and inet_gethost hang below beam.smp; note them now to make sure they go.
  procs=$(descendants "$pid")
  if [ "$1" = yes ]; then
    terminate "$pid" 10 yes
  elif ! live_pid "$RABBIT_PIDFILE" beam.smp >/dev/null; then
    say "rabbitmq pid $pid is still booting; terminating it"
    terminate "$pid" 30 no
  elif timeout 90 "$RABBITMQCTL" -q stop </dev/null >/dev/null 2>&1; then
    # Not `rabbitmqctl stop PIDFILE`: that polls the pid and counts the zombie as alive until
    # pid 1 reaps it, which costs up to 2 s here.
    wait_until 30 gone "$pid" || terminate "$pid" 10 no
  else
    say "rabbitmqctl stop failed; terminating pid $pid"
    terminate "$pid" 30 no
  fi
  for p in $procs; do
    if ! gone "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  rm -f "$RABBIT_PIDFILE"
  echo "rabbitmq    stopped  pid $pid"
}

# epmd is started by the Erlang VM (and by CLI calls) and outlives the node, so it is stopped
# on its own, whether or not the node was running.
epmd_gone() { ! port_listening "$EPMD_PORT"; }

epmd_stop() {
  local owner pid
  port_listening "$EPMD_PORT" || return 1
  ERL_EPMD_PORT=$EPMD_PORT epmd -kill >/dev/null 2>&1 || true
  wait_until 1 epmd_gone && { echo "epmd        stopped  port $EPMD_PORT"; return 0; }
  # `epmd -kill` refuses while a node is still registered (say, a CLI call in flight).
  for owner in $(port_owners "$EPMD_PORT"); do
    pid=${owner#*/}
    [ "${owner%/*}" = epmd ] && pid_is "$pid" epmd && terminate "$pid" 5 no
  done
  port_listening "$EPMD_PORT" && die "something still listens on the epmd port $EPMD_PORT"
  echo "epmd        stopped  port $EPMD_PORT"
}

rabbit_describe() {
  local pid
  pid=$(rabbit_pid) && port_listening "$AMQP_PORT" || return 1
  echo "rabbitmq    127.0.0.1:$AMQP_PORT  dist $DIST_PORT  epmd $EPMD_PORT  node $RABBIT_NODENAME  pid $pid  log $(rel "$RABBIT_LOG")"
}

# ---------------------------------------------------------------------------------------------
# What callers source: everything needed to reach this profile's servers.
# The AMQP URI ends in /%2f, not /: by the AMQP URI spec (and in rabbitmq-c's amqp_parse_url)
# a bare trailing slash means the empty vhost "", and the login then fails with NOT_ALLOWED.

write_stack_env() {
  local r kv
  {
    echo "# Connection settings for the '$PROFILE' stack. Written by deploy/stack.sh; source it."
    for kv in \
      "SKK_PROFILE=$PROFILE" \
      "SKK_RUN_DIR=$RUN_DIR" \
      "SKK_PG_HOST=127.0.0.1" \
      "SKK_PG_PORT=$PG_PORT" \
      "SKK_PG_SOCKET_DIR=$PG_SOCKET_DIR" \
      "SKK_PG_DATABASE=sambat" \
      "SKK_PG_ADMIN_URI=postgresql://postgres:postgres-local@127.0.0.1:$PG_PORT/postgres" \
      $(for r in "${PG_ROLES[@]}"; do
          echo "SKK_PG_${r^^}_URI=postgresql://$r:$r-local@127.0.0.1:$PG_PORT/sambat"
        done) \
      "SKK_AMQP_PORT=$AMQP_PORT" \
      "SKK_AMQP_VHOST=/" \
      "SKK_AMQP_URI=amqp://skk:skk-local@127.0.0.1:$AMQP_PORT/%2f" \
      "SKK_AMQPS_PORT=$AMQPS_PORT" \
      "SKK_TLS_CA_FILE=$TLS_DIR/ca.pem" \
      "SKK_REDIS_PORT=$REDIS_PORT" \
      "SKK_REDIS_ADDR=127.0.0.1:$REDIS_PORT" \
      "SKK_RABBITMQ_NODENAME=$RABBIT_NODENAME" \
      "SKK_RABBITMQCTL=$RABBITMQCTL" \
      "SKK_RABBITMQ_DIAGNOSTICS=$RUN_DIR/rabbitmq-diagnostics"
    do
      export_line "$kv"
    done
  } >"$RUN_DIR/stack.env.tmp"
  mv -f "$RUN_DIR/stack.env.tmp" "$RUN_DIR/stack.env"
}

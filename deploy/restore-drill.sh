#!/usr/bin/env bash
# The backup and restore drill of PostgreSQL, on this machine (docs/deployment.md, "Backup and
# restore drill"): the local form of what CloudNativePG and Barman do in the cluster, a base
# backup plus a continuous WAL archive, replayed to a point in time into a fresh directory.
#
#   deploy/restore-drill.sh            run the drill; exit 0 on PASS, 1 on FAIL
#   deploy/restore-drill.sh stop       stop whatever an interrupted drill left running
#
# It runs servers of its own (PostgreSQL with WAL archiving, RabbitMQ, Redis; data in
# .run/drill/, ports below), never the dev, test or faults stacks, and the release services
# from build/run/bin (built with `deploy/build.sh run` only if they are missing):
#
#   1. starts the drill's servers and the four services and the gateway on them;
#   2. submits complaints, takes a base backup with pg_basebackup while more are submitted,
#      lets every complaint be routed and get its deadline;
#   3. stops the services, records every table of the services (row count and a digest of its
#      contents) and the recovery target time, writes a marker after that time, switches WAL;
#   4. loses the database: PostgreSQL stopped as a crash would, its directory moved away, and
#      Redis emptied;
#   5. restores into a fresh directory to the end of the archive (a quick check: everything
#      and the marker), then, timed, to the recovery target time into another fresh directory;
#   6. starts the services on the restored database, checks that nothing was lost, that the
#      services are ready and that a new complaint is routed and gets its deadline;
#   7. stops every server and service it started (also when it fails or is interrupted).
#
#            postgresql  redis  amqp   amqps  erlang dist  epmd   gRPC         HTTP
#   drill    58432       58379  58672  58671  58673        58369  58051-58055  58080
#
# Everything is left in .run/drill/ for inspection (logs, the backup, the archive, the lost and
# the restored data directories); the next run deletes it first.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
PROFILE=drill
# The stack's own helpers (initdb, start, provisioning of roles and schemas, Redis, RabbitMQ,
# stopping) with the drill profile's ports and directories (stack_configure). The drill starts
# and stops the servers itself: stack.sh's start provisions roles right after PostgreSQL
# starts, which a restored server still replaying its WAL cannot take.
# shellcheck source=deploy/lib-stack.sh
. "$REPO_ROOT/deploy/lib-stack.sh"
stack_configure

# The drill's own directories: the original cluster is $PG_DATA; the restores go elsewhere.
BACKUP_DIR=$RUN_DIR/backup
ARCHIVE=$RUN_DIR/wal-archive                 # the original's WAL archive (Barman's wals/)
ARCHIVE_AFTER=$RUN_DIR/wal-archive-restored  # where the restored cluster archives (a new one)
LOST_DIR=$RUN_DIR/pg-lost
END_DIR=$RUN_DIR/pg-restored-end             # restored to the end of the archive
PITR_DIR=$RUN_DIR/pg-restored                # restored to the recovery target time
PG_DIRS=("$RUN_DIR/pg" "$END_DIR" "$PITR_DIR")

BIN=build/run/bin
SERVICES=(intake routing sla notification gateway)
declare -A PORT=([intake]=58051 [routing]=58052 [sla]=58053 [notification]=58054 [gateway]=58055)
HTTP_PORT=58080
HTTP=http://127.0.0.1:$HTTP_PORT
SCHEMAS=(intake routing sla notification gateway)
CLOCK=$RUN_DIR/clock
CTL=("$BIN/sambatctl" --clock_file="$CLOCK" --intake="127.0.0.1:${PORT[intake]}"
     --routing="127.0.0.1:${PORT[routing]}" --notification="127.0.0.1:${PORT[notification]}")
# A Wednesday morning in Malang (02:00 UTC is 09:00 WIB): working hours, so deadlines count
# from now and no notification waits for quiet hours.
BUSINESS_TIME=2025-06-11T02:00:00Z
BEFORE_BACKUP=20     # complaints submitted before the base backup
AFTER_BACKUP=40      # complaints submitted while and after it is taken

note() { printf 'drill: %s\n' "$*"; }
fail() { printf 'drill: FAILED: %s\n' "$*" >&2; exit 1; }
ms()   { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }  # start_ms end_ms
human() { numfmt --to=iec-i --suffix=B --format=%.1f "$1"; }
psql_at() {  # database sql...: unaligned, tuples only, as the superuser over the socket
  local db=$1; shift
  psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

# ---------------------------------------------------------------------------------------------
# Services and the local mail and SMS receivers (as deploy/run.sh runs them, on drill ports)

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! gone "$1"; }
svc_pid() { cat "$RUN_DIR/$1.pid" 2>/dev/null || true; }

start_receivers() {
  local r
  declare -A script=([mail]=tests/support/fake_smtp.py [sms]=tests/support/fake_gateway.py)
  mkdir -p "$RUN_DIR/received" "$RUN_DIR/logs"
  for r in mail sms; do
    pid_alive "$(svc_pid "$r")" && [ -s "$RUN_DIR/$r.port" ] && continue
    rm -f "$RUN_DIR/$r.port"
    setsid /usr/bin/python3 "${script[$r]}" --ready_file "$RUN_DIR/$r.port" \
      --out "$RUN_DIR/received/$r.jsonl" </dev/null >>"$RUN_DIR/logs/$r.log" 2>&1 9>&- &
    echo $! >"$RUN_DIR/$r.pid"
  done
  for r in mail sms; do
    wait_until 10 test -s "$RUN_DIR/$r.port" || fail "the $r receiver did not start, see .run/drill/logs/$r.log"
  done
}

start_services() {
  local s sms common extra
  start_receivers
  sms=$(cat "$RUN_DIR/sms.port")
  common=(--dev --redis_addr="127.0.0.1:$REDIS_PORT" --clock="file:$CLOCK"
          --city_config="$REPO_ROOT/deploy/config/kota-malang.textproto")
  export SKK_AMQP_URI="amqp://skk:skk-local@127.0.0.1:$AMQP_PORT/%2f"
  # Every consumer's queue exists before any service publishes (as deploy/run.sh does).
  for s in intake routing sla notification; do
    SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$PG_PORT/sambat" \
      "$BIN/skk-$s" "${common[@]}" --declare_topology_only >>"$RUN_DIR/logs/$s.log" 2>&1 9>&- \
      || fail "$s --declare_topology_only failed, see .run/drill/logs/$s.log"
  done
  for s in "${SERVICES[@]}"; do
    case $s in
      intake)       extra=(--trusted_gateways=127.0.0.1 --media_dir="$RUN_DIR/media") ;;
      notification) extra=(--smtp_url="smtp://127.0.0.1:$(cat "$RUN_DIR/mail.port")"
                           --sms_gateway_url="http://127.0.0.1:$sms/sms"
                           --whatsapp_gateway_url="http://127.0.0.1:$sms/whatsapp") ;;
      gateway)      extra=(--http_listen="127.0.0.1:$HTTP_PORT" --web_dir="$REPO_ROOT/build/run/web"
                           --intake_addr="127.0.0.1:${PORT[intake]}"
                           --routing_addr="127.0.0.1:${PORT[routing]}"
                           --sla_addr="127.0.0.1:${PORT[sla]}"
                           --notification_addr="127.0.0.1:${PORT[notification]}") ;;
      *)            extra=() ;;
    esac
    rm -f "$RUN_DIR/$s.port"
    SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$PG_PORT/sambat" \
      setsid "$BIN/skk-$s" "${common[@]}" "${extra[@]}" \
      --listen="127.0.0.1:${PORT[$s]}" --ready_file="$RUN_DIR/$s.port" \
      </dev/null >>"$RUN_DIR/logs/$s.log" 2>&1 9>&- &
    echo $! >"$RUN_DIR/$s.pid"
  done
  for s in "${SERVICES[@]}"; do
    wait_until 60 serving "$s" \
      || { tail -n 5 "$RUN_DIR/logs/$s.log" >&2; fail "$s is not serving, see .run/drill/logs/$s.log"; }
    test -s "$RUN_DIR/$s.port" \
      || { tail -n 5 "$RUN_DIR/logs/$s.log" >&2; fail "$s exited, see .run/drill/logs/$s.log"; }
  done
  # The gateway's readiness asks every service for its gRPC health.
  wait_until 30 curl -fsS -o /dev/null "$HTTP/readyz" || fail "$HTTP/readyz does not answer ok"
}

# Serving (its ready file written), or gone: either way there is no point in waiting longer.
serving() { test -s "$RUN_DIR/$1.port" || ! pid_alive "$(svc_pid "$1")"; }

stop_services() {  # -> one line per process stopped
  local s pid
  for s in "${SERVICES[@]}" mail sms; do
    pid=$(svc_pid "$s")
    if pid_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_until 20 gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; wait_until 5 gone "$pid" || true; }
      printf '%-12s stopped  pid %s\n' "$s" "$pid"
    fi
    rm -f "$RUN_DIR/$s.pid" "$RUN_DIR/$s.port"
  done
}

# Everything the drill may have started, whatever state it is in. Each stop runs in a subshell:
# the helpers exit on an error, and one failed stop must not keep the others from running.
stop_all() {
  local d
  [ -d "$RUN_DIR" ] || return 0
  stop_services || true
  for d in "${PG_DIRS[@]}"; do
    (PG_DATA=$d; pg_stop no) 2>&1 || true
  done
  (redis_stop no) 2>&1 || true
  (rabbit_stop no) 2>&1 || true
  (epmd_stop) 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL: WAL archiving, backups, restores

# archive_command: copies a finished WAL segment into the archive, flushed to disk before it
# is given its name, and succeeds again for a segment already archived with the same contents
# (PostgreSQL retries after a crash between the copy and its own bookkeeping).
write_archive_script() {
  cat >"$RUN_DIR/archive-wal.sh" <<'EOF'
#!/bin/sh
# archive-wal.sh SEGMENT_PATH SEGMENT_NAME ARCHIVE_DIR (written by deploy/restore-drill.sh)
set -e
target="$3/$2"
if [ -f "$target" ]; then cmp -s "$1" "$target"; exit; fi
cp "$1" "$target.part"
sync "$target.part"
mv "$target.part" "$target"
EOF
  chmod 0755 "$RUN_DIR/archive-wal.sh"
}

# The drill's settings, read after stack.sh's skk.conf (postgresql.conf includes both).
write_drill_conf() {  # data_dir archive_dir|off [recovery settings...]
  local dir=$1 archive=$2; shift 2
  grep -qx "include_if_exists = 'drill.conf'" "$dir/postgresql.conf" \
    || echo "include_if_exists = 'drill.conf'" | as_postgres tee -a "$dir/postgresql.conf" >/dev/null
  {
    echo "# Written by deploy/restore-drill.sh."
    echo "wal_level = replica"
    if [ "$archive" = off ]; then
      echo "archive_mode = off"
    else
      echo "archive_mode = on"
      echo "archive_command = '$RUN_DIR/archive-wal.sh %p %f $archive'"
      # A quiet database still ships its last writes within this time (the RPO of backups).
      echo "archive_timeout = 60"
    fi
    printf '%s\n' "$@"
  } | as_postgres tee "$dir/drill.conf" >/dev/null
}

pg_ready_rw() { [ "$(psql_at postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; }

# Every table of the services' schemas: name|rows|md5 of its rows in a fixed order|bytes of
# its rows as text (the size of the city's data, without PostgreSQL's pages and indexes).
fingerprint() {  # out_file
  local list
  list=$(printf "'%s'," "${SCHEMAS[@]}")
  psql_at sambat >"$1" <<EOF
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text), '''')), coalesce(sum(octet_length(t::text)), 0) FROM %I.%I t',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname IN (${list%,})
ORDER BY n.nspname, c.relname
\\gexec
EOF
}

rows_of() {  # fingerprint_file table -> its row count (0 if the table does not exist)
  awk -F'|' -v t="$2" '$1 == t { n = $2 } END { print n + 0 }' "$1"
}

# The figures that matter to a city, from a fingerprint file.
key_counts() {  # fingerprint_file
  local f=$1 s outboxes=""
  for s in "${SCHEMAS[@]}"; do
    grep -q "^$s\.outbox|" "$f" && outboxes+=" $s=$(rows_of "$f" "$s.outbox")"
  done
  printf 'complaints %s, cases %s, deadlines %s, timers %s (pending %s), deliveries %s, outboxes:%s' \
    "$(rows_of "$f" intake.complaints)" "$(rows_of "$f" routing.cases)" \
    "$(rows_of "$f" sla.deadlines)" "$(rows_of "$f" sla.timers)" "${PENDING_TIMERS:-?}" \
    "$(rows_of "$f" notification.deliveries)" "$outboxes"
}

# Unpacks the base backup into a fresh directory, checks it against the backup's manifest and
# the archive, and sets it to recover. Times each step into RESTORE_* (ms).
prepare_restore() {  # dir archive_after|off recovery settings...
  local dir=$1 after=$2; shift 2
  local t
  [ ! -e "$dir" ] || fail "$(rel "$dir") exists: a restore goes into a fresh directory"
  install -d -o postgres -g postgres -m 0700 "$dir"
  t=$(ms)
  as_postgres tar -xzf "$BACKUP_DIR/base.tar.gz" -C "$dir"
  RESTORE_UNPACK=$(( $(ms) - t ))
  t=$(ms)
  as_postgres "$PG_BIN/pg_verifybackup" -q -m "$BACKUP_DIR/backup_manifest" -w "$ARCHIVE" "$dir" \
    >"$RUN_DIR/verifybackup.log" 2>&1 \
    || { cat "$RUN_DIR/verifybackup.log" >&2; fail "pg_verifybackup found the backup or the archive damaged"; }
  RESTORE_VERIFY=$(( $(ms) - t ))
  write_drill_conf "$dir" "$after" \
    "restore_command = 'cp $ARCHIVE/%f %p'" "$@"
  as_postgres touch "$dir/recovery.signal"
}

# Starts the restored directory as the drill's PostgreSQL and waits until recovery is over and
# it was promoted. pg_prepare (deploy/lib-stack.sh) writes the same settings, certificate and
# pg_hba as for any cluster of the stack; provisioning runs once it accepts writes.
start_restored() {  # dir log
  PG_DATA=$1 PG_LOG=$2
  require_port_free "$PG_PORT" postgresql
  pg_prepare
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 300 -s start </dev/null 9>&- \
    || { tail -n 20 "$PG_LOG" >&2; fail "the restored postgresql did not start, see $(rel "$PG_LOG")"; }
  wait_until 600 pg_ready_rw || { tail -n 20 "$PG_LOG" >&2; fail "recovery did not end, see $(rel "$PG_LOG")"; }
  pg_provision
}

# ---------------------------------------------------------------------------------------------
# Complaints

LOCATIONS=("-7.9779 112.6235 Jl. Kawi, Klojen" "-7.9720 112.6210 Jl. Ijen, Klojen"
           "-7.9466 112.6156 Jl. Soekarno-Hatta, Lowokwaru" "-7.9383 112.6502 Jl. LA Sucipto, Blimbing"
           "-8.0003 112.6197 Jl. S. Supriadi, Sukun")
CATEGORIES=(jalan-rusak pohon-tumbang sampah drainase-banjir penerangan-jalan-umum)

submit_range() {  # first last: complaints drill-complaint-<n>, each from its own phone
  local i lat lon where
  for ((i = $1; i <= $2; i++)); do
    read -r lat lon where <<<"${LOCATIONS[i % ${#LOCATIONS[@]}]}"
    "${CTL[@]}" submit --category "${CATEGORIES[i % ${#CATEGORIES[@]}]}" \
      --description "Laporan latihan pemulihan nomor $i di $where" --address "$where" \
      --lat "$lat" --lon "$lon" --phone "$(printf '0812%08d' "$i")" \
      --idempotency_key "$(printf 'drill-complaint-%04d' "$i")" >>"$RUN_DIR/logs/submit.log" 2>&1 \
      || { tail -n 3 "$RUN_DIR/logs/submit.log" >&2; return 1; }
  done
}

# Every complaint routed and given its first deadline, and every outbox empty.
OUTBOX_SCHEMAS=()   # the services' schemas that have an outbox, known once they migrated
settled() {  # expected_complaints
  local outboxes="" s
  for s in "${OUTBOX_SCHEMAS[@]}"; do outboxes+="+(SELECT count(*) FROM $s.outbox)"; done
  [ "$(psql_at sambat -c "SELECT (SELECT count(*) FROM intake.complaints) || ' ' ||
      (SELECT count(*) FROM routing.cases) || ' ' ||
      (SELECT count(DISTINCT complaint_id) FROM sla.deadlines) || ' ' || (0$outboxes)" 2>/dev/null)" \
    = "$1 $1 $1 0" ]
}

pending_timers() { psql_at sambat -c "SELECT count(*) FROM sla.timers WHERE fired_at IS NULL AND cancelled_at IS NULL"; }
redis_schedule() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ZCARD skk:sla:timers; }

# ---------------------------------------------------------------------------------------------

mkdir -p "$REPO_ROOT/.run"
exec 9>"$REPO_ROOT/.run/.drill.lock"
flock -w 10 9 || fail "another deploy/restore-drill.sh is running"
[ "$(id -u)" -eq 0 ] || fail "run as root (PostgreSQL runs as the postgres user via runuser)"
umask 022

if [ "${1:-}" = stop ]; then
  stop_all
  exit 0
fi
[ $# -eq 0 ] || { sed -n '6,7p' "$0" >&2; exit 2; }

# A drill leaves nothing running, whatever way it ends.
finish() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  note "stopping everything the drill started"
  stop_all
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

T_DRILL=$(ms)
# Leftovers of an interrupted run: stop them, then start from nothing (the TLS files are kept).
stop_all >/dev/null 2>&1 || true
if [ -d "$RUN_DIR" ]; then
  find "$RUN_DIR" -mindepth 1 -maxdepth 1 ! -name tls -exec rm -rf {} +
fi
mkdir -p "$RUN_DIR/logs"
chmod 0755 "$REPO_ROOT/.run" "$RUN_DIR"

for b in skk-intake skk-routing skk-sla skk-notification skk-gateway sambatctl; do
  if [ ! -x "$BIN/$b" ]; then
    note "$BIN/$b is missing: building build/run"
    bash deploy/build.sh run
    break
  fi
done

# 1. -------------------------------------------------------------------------------------------
echo "== 1. The drill's own PostgreSQL (WAL archived), RabbitMQ and Redis; the services on them"
for s in "${SERVICES[@]}"; do
  require_port_free "${PORT[$s]}" "$s gRPC"
done
require_port_free "$HTTP_PORT" "gateway HTTP"
t=$(ms)
write_stack_env
tls_prepare
preflight_ports
rabbit_launch
pg_prepare                          # initdb
install -d -o postgres -g postgres -m 0700 "$ARCHIVE" "$ARCHIVE_AFTER"
write_archive_script
write_drill_conf "$PG_DATA" "$ARCHIVE"
pg_start                            # start, then roles, database and schemas as for every stack
# pg_basebackup connects for replication, which stack.sh's pg_hba does not allow.
echo "local   replication  postgres  trust" | as_postgres tee -a "$PG_DATA/pg_hba.conf" >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" reload -s
psql_at postgres -c "CREATE TABLE drill_marker (what text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
redis_start
rabbit_await
note "servers ready in $(secs "$t" "$(ms)") s: postgresql 127.0.0.1:$PG_PORT (archive_mode=on, archive to $(rel "$ARCHIVE")), redis $REDIS_PORT, rabbitmq $AMQP_PORT"
"$BIN/sambatctl" --clock_file="$CLOCK" clock set "$BUSINESS_TIME" >/dev/null
t=$(ms)
start_services
note "services ready in $(secs "$t" "$(ms)") s (gRPC 58051-58055, HTTP $HTTP); business clock $BUSINESS_TIME"
mapfile -t OUTBOX_SCHEMAS < <(psql_at sambat -c "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1")

# 2. -------------------------------------------------------------------------------------------
echo
echo "== 2. Complaints, and a base backup taken while more arrive"
submit_range 1 "$BEFORE_BACKUP" || fail "a submission failed, see .run/drill/logs/submit.log"
wait_until 60 settled "$BEFORE_BACKUP" || fail "the first $BEFORE_BACKUP complaints were not all routed and given deadlines"
note "$BEFORE_BACKUP complaints submitted, routed and given deadlines"

submit_range "$((BEFORE_BACKUP + 1))" "$((BEFORE_BACKUP + AFTER_BACKUP))" &
submitter=$!
LSN_BEFORE=$(psql_at postgres -c "SELECT pg_current_wal_lsn()")
IN_BACKUP_AT_START=$(psql_at sambat -c "SELECT count(*) FROM intake.complaints")
install -d -o postgres -g postgres -m 0700 "$BACKUP_DIR"
t=$(ms)
# Tar format, compressed, as Barman stores a base backup in the object store; -X none: the
# backup holds no WAL, every segment comes from the archive, as in the cluster (so a restore
# proves the archive too). pg_basebackup returns once the backup's last segment is archived.
as_postgres "$PG_BIN/pg_basebackup" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres \
  -D "$BACKUP_DIR" -F tar -z -X none --checkpoint=fast --label="restore drill" \
  --manifest-checksums=SHA256 >"$RUN_DIR/logs/basebackup.log" 2>&1 \
  || { cat "$RUN_DIR/logs/basebackup.log" >&2; fail "pg_basebackup failed"; }
BACKUP_MS=$(( $(ms) - t ))
BACKUP_BYTES=$(stat -c %s "$BACKUP_DIR/base.tar.gz")
DB_BYTES=$(psql_at postgres -c "SELECT sum(pg_database_size(datname)) FROM pg_database")
IN_BACKUP_AT_END=$(psql_at sambat -c "SELECT count(*) FROM intake.complaints")
note "base backup in $(secs 0 "$BACKUP_MS") s: $(rel "$BACKUP_DIR")/base.tar.gz $(human "$BACKUP_BYTES") (databases $(human "$DB_BYTES")); complaints $IN_BACKUP_AT_START when it started, $IN_BACKUP_AT_END when it ended"
wait "$submitter" || fail "a submission failed, see .run/drill/logs/submit.log"
TOTAL=$((BEFORE_BACKUP + AFTER_BACKUP))
wait_until 120 settled "$TOTAL" || fail "not every complaint was routed and given its deadline"
note "$AFTER_BACKUP more complaints submitted, $TOTAL in all routed and given deadlines"

# 3. -------------------------------------------------------------------------------------------
echo
echo "== 3. What must survive, and the recovery target"
stop_services | sed 's/^/    /'
PENDING_TIMERS=$(pending_timers)
fingerprint "$RUN_DIR/before.txt"
TARGET=$(psql_at postgres -c "SELECT clock_timestamp()")
LSN_TARGET=$(psql_at postgres -c "SELECT pg_current_wal_lsn()")
sleep 0.2
# Written after the target: a restore to the target must not have it, one to the end must.
psql_at postgres -c "INSERT INTO drill_marker (what) VALUES ('after the recovery target')"
SWITCHED=$(psql_at postgres -c "SELECT pg_walfile_name(pg_switch_wal())")
wait_until 60 test -f "$ARCHIVE/$SWITCHED" || fail "segment $SWITCHED was not archived"
read -r ARCHIVED_COUNT ARCHIVE_FAILED <<<"$(psql_at postgres -F ' ' -c "SELECT archived_count, failed_count FROM pg_stat_archiver")"
SEGMENTS=$(find "$ARCHIVE" -maxdepth 1 -regextype posix-extended -regex '.*/[0-9A-F]{24}' | wc -l)
ARCHIVE_BYTES=$(du -sb "$ARCHIVE" | cut -f1)
WAL_SINCE_BACKUP=$(psql_at postgres -c "SELECT pg_wal_lsn_diff('$LSN_TARGET', '$LSN_BEFORE')")
BEFORE_COUNTS=$(key_counts "$RUN_DIR/before.txt")
TABLES=$(wc -l <"$RUN_DIR/before.txt")
ROW_BYTES=$(awk -F'|' '{ n += $4 } END { print n + 0 }' "$RUN_DIR/before.txt")
SAMBAT_BYTES=$(psql_at postgres -c "SELECT pg_database_size('sambat')")
note "recorded $TABLES tables: $BEFORE_COUNTS"
note "recovery target $TARGET; a marker written after it; WAL switched, $SWITCHED archived"
note "archive: $SEGMENTS segments, $(human "$ARCHIVE_BYTES") (archived_count $ARCHIVED_COUNT, failed $ARCHIVE_FAILED); WAL written from backup start to the target: $(human "$WAL_SINCE_BACKUP")"

# 4. -------------------------------------------------------------------------------------------
echo
echo "== 4. The loss"
pg_stop yes | sed 's/^/    /'
mv "$PG_DATA" "$LOST_DIR"
redis-cli -h 127.0.0.1 -p "$REDIS_PORT" FLUSHALL >/dev/null
note "postgresql killed (-m immediate), $(rel "$PG_DATA") moved to $(rel "$LOST_DIR"); Redis emptied (sla's timer schedule and the rate limits gone); RabbitMQ kept"

CHECKS=() FAILED=0
check() {  # description command...
  if "${@:2}"; then CHECKS+=("ok    $1"); else CHECKS+=("FAIL  $1"); FAILED=1; fi
}
same_tables() { diff -u "$RUN_DIR/before.txt" "$1" >"$1.diff"; }
marker() { psql_at postgres -c "SELECT count(*) FROM drill_marker"; }

# 5a. ------------------------------------------------------------------------------------------
echo
echo "== 5a. Restore to the end of the archive (into $(rel "$END_DIR"))"
t=$(ms)
prepare_restore "$END_DIR" off
start_restored "$END_DIR" "$RUN_DIR/pg-restored-end.log"
END_MS=$(( $(ms) - t ))
fingerprint "$RUN_DIR/after-end.txt"
check "end of archive: every table as recorded (rows and contents)" same_tables "$RUN_DIR/after-end.txt"
check "end of archive: the marker written after the target is there" test "$(marker)" = 1
note "recovered in $(secs 0 "$END_MS") s: $(grep -c 'restored log file' "$PG_LOG") segments replayed; $(grep -o 'last completed transaction was at log time .*' "$PG_LOG" | tail -n1)"
pg_stop no | sed 's/^/    /'

# 5b, 6. -----------------------------------------------------------------------------------
echo
echo "== 5b. Restore to the recovery target time (into $(rel "$PITR_DIR")), timed to services ready"
T_RESTORE=$(ms)
prepare_restore "$PITR_DIR" "$ARCHIVE_AFTER" \
  "recovery_target_time = '$TARGET'" "recovery_target_action = 'promote'"
t=$(ms)
start_restored "$PITR_DIR" "$RUN_DIR/pg-restored.log"
T_PROMOTED=$(ms)
REPLAY_MS=$(( T_PROMOTED - t ))
note "unpacked in $(secs 0 "$RESTORE_UNPACK") s, verified (pg_verifybackup against the manifest and the archive) in $(secs 0 "$RESTORE_VERIFY") s, recovered and promoted in $(secs 0 "$REPLAY_MS") s"
note "$(grep -c 'restored log file' "$PG_LOG") segments replayed; $(grep -o 'recovery stopping before commit.*' "$PG_LOG" | head -n1); $(grep -o 'selected new timeline ID: [0-9]*' "$PG_LOG" | head -n1)"
fingerprint "$RUN_DIR/after.txt"
PENDING_TIMERS=$(pending_timers)
AFTER_COUNTS=$(key_counts "$RUN_DIR/after.txt")
check "recovery target: every table as recorded (rows and contents)" same_tables "$RUN_DIR/after.txt"
check "recovery target: the marker written after the target is not there" test "$(marker)" = 0
check "recovery target: pg_is_in_recovery() false (promoted)" pg_ready_rw

echo
echo "== 6. The services on the restored database"
t=$(ms)
start_services
T_READY=$(ms)
SERVICES_MS=$(( T_READY - t ))
RTO_MS=$(( T_READY - T_RESTORE ))
note "services ready in $(secs 0 "$SERVICES_MS") s ($HTTP/readyz: $(curl -fsS "$HTTP/readyz"))"
note "restore time, from unpacking the backup to the services ready: $(secs 0 "$RTO_MS") s"
check "services ready on the restored database (gateway /readyz: every service's gRPC health)" \
  curl -fsS -o /dev/null "$HTTP/readyz"
check "counts after the restore as before: $AFTER_COUNTS" test "$BEFORE_COUNTS" = "$AFTER_COUNTS"
schedule_rebuilt() { [ "$(redis_schedule)" = "$PENDING_TIMERS" ]; }
check "sla rebuilt its timer schedule in the emptied Redis from PostgreSQL ($PENDING_TIMERS pending timers)" \
  wait_until 40 schedule_rebuilt

# A new complaint through the public door, as a phone sends it.
submit_new() {
  curl -sS --fail-with-body -X POST "$HTTP/api/v1/complaints" \
    -H "Content-Type: application/json" -H "Idempotency-Key: drill-after-restore" \
    -d '{"category": "jalan-rusak", "description": "Jalan berlubang setelah pemulihan basis data, Jl. Kawi.",
         "address": "Jl. Kawi, Klojen", "location": {"latitude": -7.9779, "longitude": 112.6235},
         "reporter": {"name": "Warga Latihan", "phone": "081299990000"}, "channel": "CHANNEL_APP"}' \
    >"$RUN_DIR/new-complaint.json" 2>&1
}
json_field() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1"; }
new_complaint_routed() {
  submit_new || { cat "$RUN_DIR/new-complaint.json" >&2; return 1; }
  NEW_TICKET=$(json_field "$RUN_DIR/new-complaint.json" ticket)
  "${CTL[@]}" wait "$NEW_TICKET" --token "$(json_field "$RUN_DIR/new-complaint.json" tracking_token)" \
    --until deadline --timeout 60s >"$RUN_DIR/new-complaint.wait" 2>&1 \
    || { cat "$RUN_DIR/new-complaint.wait" >&2; return 1; }
  wait_until 30 settled "$((TOTAL + 1))"
}
check "a new complaint over HTTP is stored, routed and given its deadline" new_complaint_routed
NEW_AGENCY=$(psql_at sambat -c "SELECT agency_code || ', due ' || (SELECT min(due_at) FROM sla.deadlines d WHERE d.ticket = c.ticket) FROM routing.cases c WHERE ticket = '${NEW_TICKET:-}'" || true)
note "new complaint ${NEW_TICKET:-none}: ${NEW_AGENCY:-not routed}; complaints now $(psql_at sambat -c 'SELECT count(*) FROM intake.complaints')"

# ---------------------------------------------------------------------------------------------
echo
echo "== Result"
printf '    %s\n' "${CHECKS[@]}"
echo
cat <<EOF
    complaints       $BEFORE_BACKUP before the base backup, $AFTER_BACKUP while and after it, $TOTAL recorded;
                     $(rows_of "$RUN_DIR/after.txt" intake.complaints) after the restore, $((TOTAL + 1)) with the new one
    recorded         $TABLES tables; $BEFORE_COUNTS
    data size        database sambat $(human "$SAMBAT_BYTES") on disk; the rows of the services' tables $(human "$ROW_BYTES") as text, $(human $((ROW_BYTES / TOTAL))) a complaint
    base backup      $(human "$BACKUP_BYTES") tar.gz of $(human "$DB_BYTES") in $(secs 0 "$BACKUP_MS") s (pg_basebackup -F tar -z -X none --checkpoint=fast)
    WAL archived     $SEGMENTS segments of 16 MB, $(human "$ARCHIVE_BYTES") on disk; $(human "$WAL_SINCE_BACKUP") written from backup start to the target
    restore (end)    $(secs 0 "$END_MS") s to a promoted database, with every table and the marker
    restore (target) $(secs 0 "$RTO_MS") s from unpacking to services ready: unpack $(secs 0 "$RESTORE_UNPACK") s, verify $(secs 0 "$RESTORE_VERIFY") s, replay and promote $(secs 0 "$REPLAY_MS") s, services $(secs 0 "$SERVICES_MS") s
    whole drill      $(secs "$T_DRILL" "$(ms)") s so far; logs and data in .run/drill/
EOF
echo
if [ "$FAILED" = 0 ]; then
  echo "PASS: the restored database held everything recorded, and the system works on it"
else
  echo "FAIL: see the checks above (table differences in .run/drill/after*.txt.diff)"
  exit 1
fi

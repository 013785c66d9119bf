#!/usr/bin/env bash
# Plays a short end-to-end scenario through the five container images, as Kubernetes would run
# them (user 65532, read-only root, only /tmp writable), against the local dev stack:
#
#   deploy/images/scenario.sh
#
# Builds the images first if one is missing (deploy/images/build.sh). Starts the dev stack's
# servers if none of them runs (and then stops them at the end); a dev stack already running
# is used as it is, never stopped or reset. The containers share the host's network
# (podman --network host) and listen on loopback beside the ports of deploy/run.sh, so the two
# never collide:
#
#   gRPC   intake 51051  routing 51052  sla 51053  notification 51054  gateway 51055
#   HTTP   gateway 18088                metrics 19461-19465
#
# It refuses to run while deploy/run.sh's services are up: both would consume the same dev
# queues, and each would do half of the other's work. The scenario: a citizen uploads a photo
# and submits a complaint over HTTP; routing sends it to the agency and sla sets its deadline;
# the business clock (a copy of .run/dev/clock, mounted read-only into the containers, moved
# with sambatctl and copied back at the end) passes the deadline; sla escalates to the agency
# head; notification's email/SMS reach local receivers. Containers and receivers are removed
# at the end, also on failure; their logs stay in .run/dev/images/logs/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/images/version.sh
. deploy/images/version.sh
VERSION=$(skk_image_version "$ROOT")
SERVICES=(intake routing sla notification gateway)
declare -A PORT=([intake]=51051 [routing]=51052 [sla]=51053 [notification]=51054 [gateway]=51055)
declare -A METRICS=([intake]=19461 [routing]=19462 [sla]=19463 [notification]=19464 [gateway]=19465)
HTTP_PORT=18088
HTTP=http://127.0.0.1:$HTTP_PORT
DEV=.run/dev
STATE=$DEV/images
BIN=build/run/bin
CTL=("$BIN/sambatctl" --clock_file="$STATE/clock/clock"
     --intake="127.0.0.1:${PORT[intake]}" --notification="127.0.0.1:${PORT[notification]}")
t0=$SECONDS

say() { printf '\n== %s\n' "$*"; }
die() { printf 'scenario: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (podman's rootful storage, the dev stack)"
command -v podman >/dev/null || die "podman is missing: run deploy/images/build.sh first"
[ -x "$BIN/sambatctl" ] || die "$BIN/sambatctl is missing: bash deploy/build.sh run"

listening() { ss -Hltn "sport = :$1" | grep -q .; }

# --- what must not be disturbed ------------------------------------------------------------
for s in "${SERVICES[@]}"; do
  pid=$(cat "$DEV/$s.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    die "deploy/run.sh's $s runs (pid $pid) on the dev stack; stop them first (deploy/run.sh stop stops the stack too)"
  fi
done
for p in 8080 50051 50052 50053 50054 50055; do
  ! listening "$p" || die "port $p is in use: deploy/run.sh's system seems up; stop it first"
done
# Containers of an earlier run that was killed before its cleanup (only ours, by name).
for s in "${SERVICES[@]}"; do podman rm -f -t 0 "skk-image-$s" >/dev/null 2>&1 || true; done
for p in "$HTTP_PORT" "${PORT[@]}" "${METRICS[@]}"; do
  ! listening "$p" || die "port $p is in use; this scenario needs it"
done

# --- images ------------------------------------------------------------------------------
for s in "${SERVICES[@]}"; do
  if ! podman image exists "sambat/$s:$VERSION"; then
    say "an image is missing: deploy/images/build.sh"
    bash deploy/images/build.sh
    break
  fi
done

# --- cleanup, whatever happens -------------------------------------------------------------
started_stack=no
receivers=()
cleanup() {
  local rc=$?
  set +e
  mkdir -p "$STATE/logs"
  for s in "${SERVICES[@]}"; do
    if podman container exists "skk-image-$s"; then
      podman logs "skk-image-$s" >"$STATE/logs/$s.log" 2>&1
      podman rm -f -t 10 "skk-image-$s" >/dev/null
    fi
  done
  for pid in "${receivers[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  # The dev stack's business clock moves on as far as this scenario moved it.
  [ -s "$STATE/clock/clock" ] && cp "$STATE/clock/clock" "$DEV/clock"
  if [ "$started_stack" = yes ]; then bash deploy/stack.sh stop --profile dev >/dev/null; fi
  if [ "$rc" -ne 0 ]; then
    echo "scenario: FAILED (exit $rc); the services' logs are in $STATE/logs/" >&2
    for s in "${SERVICES[@]}"; do
      [ -s "$STATE/logs/$s.log" ] && { echo "--- $s (last lines)" >&2; tail -5 "$STATE/logs/$s.log" >&2; }
    done
  fi
  echo "containers removed$([ "$started_stack" = yes ] && echo ", dev stack stopped"); $((SECONDS - t0)) s in all"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the dev stack -----------------------------------------------------------------------
if ! bash deploy/stack.sh status --profile dev >/dev/null 2>&1; then
  if ! listening 55432 && ! listening 55379 && ! listening 55672; then started_stack=yes; fi
  say "starting the dev stack's servers"
  bash deploy/stack.sh start --profile dev
fi
# shellcheck source=/dev/null
. "$DEV/stack.env"

# --- state: clock, photos, ready files, receivers --------------------------------------------
rm -rf "$STATE/ready" "$STATE/received" "$STATE/logs" "$STATE/mail.port" "$STATE/sms.port" "$STATE/photo.png"
mkdir -p "$STATE/clock" "$STATE/media" "$STATE/ready" "$STATE/received" "$STATE/logs"
chown 65532:65532 "$STATE/media" "$STATE/ready"
if [ -s "$DEV/clock" ]; then cp "$DEV/clock" "$STATE/clock/clock"
else "${CTL[@]}" clock set "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null; fi
chmod 0755 "$STATE/clock"; chmod 0644 "$STATE/clock/clock"
for r in mail sms; do
  script=tests/support/fake_smtp.py; [ "$r" = sms ] && script=tests/support/fake_gateway.py
  setsid /usr/bin/python3 "$script" --ready_file "$STATE/$r.port" --out "$STATE/received/$r.jsonl" \
    </dev/null >>"$STATE/logs/$r-receiver.log" 2>&1 &
  receivers+=($!)
done
for r in mail sms; do
  for _ in $(seq 1 100); do [ -s "$STATE/$r.port" ] && break; sleep 0.1; done
  [ -s "$STATE/$r.port" ] || die "the $r receiver did not start; see $STATE/logs/$r-receiver.log"
done
mail_port=$(cat "$STATE/mail.port"); sms_port=$(cat "$STATE/sms.port")

# --- the containers ----------------------------------------------------------------------
# As in Kubernetes: the image's user, read-only root, only /tmp writable (no podman tmpfs on
# /run or /var/tmp), the city configuration read-only. Passwords go in the environment.
base_run=(--network host --read-only --read-only-tmpfs=false --tmpfs "/tmp:rw,size=64m"
          --user 65532:65532 --cap-drop all --security-opt no-new-privileges
          -v "$ROOT/deploy/config:/etc/skk/city:ro" -v "$ROOT/$STATE/clock:/run/skk/clock:ro"
          -e SKK_PG_URI -e SKK_AMQP_URI)
common=(--dev --redis_addr="$SKK_REDIS_ADDR" --clock=file:/run/skk/clock/clock
        --city_config=/etc/skk/city/kota-malang.textproto)
declare -A extra=(
  [intake]="--trusted_gateways=127.0.0.1 --media_dir=/var/lib/skk/media"
  [routing]=""
  [sla]=""
  [notification]="--smtp_url=smtp://127.0.0.1:$mail_port --sms_gateway_url=http://127.0.0.1:$sms_port/sms
                  --whatsapp_gateway_url=http://127.0.0.1:$sms_port/whatsapp"
  [gateway]="--http_listen=127.0.0.1:$HTTP_PORT --web_dir=/usr/share/sambat/web
             --intake_addr=127.0.0.1:${PORT[intake]} --routing_addr=127.0.0.1:${PORT[routing]}
             --sla_addr=127.0.0.1:${PORT[sla]} --notification_addr=127.0.0.1:${PORT[notification]}")
declare -A volumes=([intake]="-v $ROOT/$STATE/media:/var/lib/skk/media")
export SKK_AMQP_URI
say "the images: sambat/<service>:$VERSION on loopback, read-only, user 65532"
# Every consumer's queue exists before any service publishes (as deploy/run.sh does).
for s in intake routing sla notification; do
  # shellcheck disable=SC2086  # the volume flags are words
  SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$SKK_PG_PORT/sambat" \
    podman run --rm "${base_run[@]}" ${volumes[$s]:-} "sambat/$s:$VERSION" "${common[@]}" \
    --declare_topology_only >>"$STATE/logs/$s-topology.log" 2>&1 ||
    die "$s --declare_topology_only failed; see $STATE/logs/$s-topology.log"
done
for s in "${SERVICES[@]}"; do
  # shellcheck disable=SC2086
  SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$SKK_PG_PORT/sambat" \
    podman run -d --name "skk-image-$s" "${base_run[@]}" ${volumes[$s]:-} \
    -v "$ROOT/$STATE/ready:/run/skk/ready" "sambat/$s:$VERSION" "${common[@]}" ${extra[$s]} \
    --listen="127.0.0.1:${PORT[$s]}" --metrics_listen="127.0.0.1:${METRICS[$s]}" \
    --ready_file="/run/skk/ready/$s.port" >/dev/null
done
for s in "${SERVICES[@]}"; do
  for _ in $(seq 1 300); do
    [ -s "$STATE/ready/$s.port" ] && break
    [ "$(podman inspect -f '{{.State.Running}}' "skk-image-$s")" = true ] ||
      die "$s stopped: $(podman logs "skk-image-$s" 2>&1 | tail -3)"
    sleep 0.1
  done
  [ -s "$STATE/ready/$s.port" ] || die "$s not serving after 30 s"
  printf '%-13s gRPC 127.0.0.1:%s  metrics :%s  %s\n' "$s" "${PORT[$s]}" "${METRICS[$s]}" \
    "$(podman inspect -f 'user {{.Config.User}}, read-only root {{.HostConfig.ReadonlyRootfs}}' "skk-image-$s")"
done
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/readyz")" = 200 ] && break; sleep 0.2
done
echo "\$ curl $HTTP/readyz"; curl -sS --fail-with-body "$HTTP/readyz"; echo
printf '$ curl 127.0.0.1:%s/metrics  ->  %s skk_ samples (sla)\n' "${METRICS[sla]}" \
  "$(curl -sS --fail "http://127.0.0.1:${METRICS[sla]}/metrics" | grep -c '^skk_')"
printf '$ curl %s/  ->  ' "$HTTP"
curl -sS --fail -o /dev/null -w '%{http_code} %{content_type} (the citizens app, from the image)\n' "$HTTP/"

# --- the scenario ------------------------------------------------------------------------
# A photo of this run's own (intake stores photos by content: the same bytes again would be
# the photo of an earlier complaint): a PNG gradient with a random tint.
/usr/bin/python3 - "$STATE/photo.png" <<'PY'
import os, struct, sys, zlib
w, h = 480, 360
tint = os.urandom(3)
rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w ^ tint[0],
                                                              y * 255 // h ^ tint[1],
                                                              (x + y) % 256 ^ tint[2]))
                for y in range(h))
chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
field() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1"; }
say "A citizen uploads a photo and reports a broken road, over HTTP through the gateway"
echo "\$ curl -X POST $HTTP/api/v1/media -H 'Content-Type: image/png' --data-binary @photo.png"
curl -sS --fail-with-body -X POST "$HTTP/api/v1/media" -H 'Content-Type: image/png' \
  --data-binary "@$STATE/photo.png" | tee "$STATE/media.json"; echo
media_id=$(field "$STATE/media.json" media_id)
[ -n "$media_id" ] || die "intake did not take the photo"
# A phone number of its own each run: the reporter's rate limit is not this scenario's subject.
phone=0812$(printf '%08d' $((RANDOM * 32768 + RANDOM)) | cut -c1-8)
echo "\$ curl -X POST $HTTP/api/v1/complaints -H 'Idempotency-Key: ...' -d '{... \"media_ids\": [\"$media_id\"] ...}'"
curl -sS --fail-with-body -X POST "$HTTP/api/v1/complaints" \
  -H "Content-Type: application/json" -H "Idempotency-Key: images-$(date +%s%N)" \
  -d "{\"category\": \"jalan-rusak\",
       \"description\": \"Jalan berlubang besar di Jl. Kawi depan SDN Kauman 1, membahayakan pengendara motor.\",
       \"address\": \"Jl. Kawi, depan SDN Kauman 1, Klojen\",
       \"location\": {\"latitude\": -7.9779, \"longitude\": 112.6235},
       \"reporter\": {\"name\": \"Siti Aminah\", \"phone\": \"$phone\", \"email\": \"siti@example.org\"},
       \"media_ids\": [\"$media_id\"], \"channel\": \"CHANNEL_APP\"}" | tee "$STATE/submit.json"; echo
id=$(field "$STATE/submit.json" complaint_id)
ticket=$(field "$STATE/submit.json" ticket)
token=$(field "$STATE/submit.json" tracking_token)
{ [ -n "$ticket" ] && [ -n "$token" ]; } || die "the gateway did not accept the complaint"

say "routing sends it to the agency; sla sets its deadline"
"${CTL[@]}" wait "$ticket" --token "$token" --until deadline --timeout 30s
echo "\$ curl $HTTP/api/v1/complaints/$ticket -H 'X-Tracking-Token: ...'"
curl -sS --fail-with-body "$HTTP/api/v1/complaints/$ticket" -H "X-Tracking-Token: $token" |
  tee "$STATE/routed.json"; echo
due=$(field "$STATE/routed.json" first_response_due_at)
agency=$(field "$STATE/routed.json" agency_code)
{ [ -n "$due" ] && [ -n "$agency" ]; } || die "no agency or no deadline in the answer"
printf '$ curl %s/media/%s/thumbnail?ticket=%s -H "X-Tracking-Token: ..."  ->  ' "$HTTP" "$media_id" "$ticket"
curl -sS --fail -o /dev/null -w '%{http_code} %{content_type}, %{size_download} bytes (made by libvips in the intake image)\n' \
  "$HTTP/media/$media_id/thumbnail?ticket=$ticket" -H "X-Tracking-Token: $token"

say "Nobody answers; the business clock moves a day at a time past the deadline ($due)"
due_s=$(date -u -d "$due" +%s)
for _ in $(seq 1 20); do
  "${CTL[@]}" clock advance 24h
  [ "$(date -u -d "$(cat "$STATE/clock/clock")" +%s)" -lt "$due_s" ] || break
  sleep 0.5   # the day's reminders go out
done
"${CTL[@]}" wait "$ticket" --token "$token" --until escalated --timeout 30s >/dev/null ||
  die "the complaint did not escalate at its deadline"
"${CTL[@]}" get "$ticket" --token "$token"

say "Who was told what (notification, through its image)"
export SKK_STAFF_TOKEN
SKK_STAFF_TOKEN=$("${CTL[@]}" token --role leadership --issued_at clock)
for _ in $(seq 1 50); do
  "${CTL[@]}" notifications "$id" 2>/dev/null | grep -q '(head:' && break
  sleep 0.2
done
"${CTL[@]}" notifications "$id"
# The escalation reaching the agency head (behind whatever backlog the dev stack holds).
for _ in $(seq 1 100); do
  [ "$(cat "$STATE/received/sms.jsonl" "$STATE/received/mail.jsonl" 2>/dev/null |
       grep "$ticket" | grep -ci 'eskalasi')" -ge 1 ] && break
  sleep 0.2
done
echo "the local receivers got (SMS/WhatsApp gateway, mail server):"
/usr/bin/python3 deploy/show-received.py "$STATE/received" "$ticket" --indent "  "

say "Done: submitted, routed to $agency with a deadline, escalated, notified, all through the images"

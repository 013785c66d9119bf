#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, starts PostgreSQL, RabbitMQ and
# Redis on loopback (profile "dev"), starts the four services and the HTTP gateway
# (http://127.0.0.1:8080), and plays a short scenario: a citizen submits a complaint over HTTP
# with curl, it is routed and gets its deadline, is not answered, escalates to the agency head
# and then to Sekda and the mayor, and is finally answered and resolved by the agency's
# officer, with every notification shown. Email, SMS and WhatsApp go to local receivers (the
# tests' mail catcher and gateway fake), which keep what they got in .run/dev/received/.
#
#   deploy/run.sh            set up, start everything (if not running) and play the scenario
#   deploy/run.sh start      set up and start everything, no scenario
#   deploy/run.sh scenario   play the scenario against the running system
#   deploy/run.sh status     what runs where
#   deploy/run.sh stop       stop the services and the servers
#
# The services' business clock is the file .run/dev/clock (local runs only; production uses
# the real clock): `build/run/bin/sambatctl clock advance 72h` moves it for every service.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
RUN=.run/dev
BIN=build/run/bin
SERVICES=(intake routing sla notification gateway)
declare -A PORT=([intake]=50051 [routing]=50052 [sla]=50053 [notification]=50054 [gateway]=50055)
# Each service's Prometheus metrics (docs/metrics.md), on loopback.
declare -A METRICS=([intake]=9461 [routing]=9462 [sla]=9463 [notification]=9464 [gateway]=9465)
HTTP=http://127.0.0.1:8080
CTL=("$BIN/sambatctl" --clock_file="$RUN/clock")

service_pid() { cat "$RUN/$1.pid" 2>/dev/null || true; }
service_alive() {
  local pid; pid=$(service_pid "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ]
}

# The local receivers: a real SMTP server (aiosmtpd), the SMS/WhatsApp HTTP gateway fake of the
# tests, and the tests' fake of the partners outside city hall (Polresta's Open311 endpoint,
# Kejaksaan's and Kodim's webhooks; docs/partners.md) and of SP4N-LAPOR (docs/lapor.md), each
# writing one JSON line per message received, so a developer's system delivers instead of
# retrying into dead letters.
RECEIVERS=(mail sms partners)
declare -A RECEIVER=([mail]=tests/support/fake_smtp.py [sms]=tests/support/fake_gateway.py
                     [partners]=tests/support/fake_partner.py)
receiver_alive() {
  local pid; pid=$(cat "$RUN/$1.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
start_receivers() {
  mkdir -p "$RUN/received" "$RUN/logs"
  for r in "${RECEIVERS[@]}"; do
    receiver_alive "$r" && [ -s "$RUN/$r.port" ] && continue
    rm -f "$RUN/$r.port"
    setsid /usr/bin/python3 "${RECEIVER[$r]}" --ready_file "$RUN/$r.port" \
      --out "$RUN/received/$r.jsonl" </dev/null >>"$RUN/logs/$r.log" 2>&1 &
    echo $! >"$RUN/$r.pid"
  done
  for r in "${RECEIVERS[@]}"; do
    for _ in $(seq 1 100); do [ -s "$RUN/$r.port" ] && break; sleep 0.1; done
    [ -s "$RUN/$r.port" ] || { echo "run: the $r receiver did not start; see $RUN/logs/$r.log" >&2; exit 1; }
  done
}
stop_receivers() {
  for r in "${RECEIVERS[@]}"; do
    if receiver_alive "$r"; then
      kill -TERM "$(cat "$RUN/$r.pid")"
      echo "stopped the $r receiver (pid $(cat "$RUN/$r.pid"))"
    fi
    rm -f "$RUN/$r.pid" "$RUN/$r.port"
  done
}

start_services() {
  # shellcheck source=/dev/null
  . "$RUN/stack.env"
  start_receivers
  local sms_port; sms_port=$(cat "$RUN/sms.port")
  local partners="http://127.0.0.1:$(cat "$RUN/partners.port")"
  mkdir -p "$RUN/logs"
  [ -f "$RUN/clock" ] || "${CTL[@]}" clock set "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  # --dev: a local run on the repository's public development keys and secrets, which a
  # service refuses without it. Passwords travel in the environment (SKK_PG_URI, SKK_AMQP_URI),
  # never on a command line that `ps` shows to every user of the machine.
  local common=(--dev --redis_addr="$SKK_REDIS_ADDR"
                --clock="file:$ROOT/$RUN/clock"
                --city_config="$ROOT/deploy/config/kota-malang.textproto")
  export SKK_AMQP_URI
  # Every consumer's queue exists before any service publishes, so no event is unroutable. (The
  # gateway consumes nothing, and would open its HTTP port, held by a gateway still running.)
  for s in intake routing sla notification; do
    SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$SKK_PG_PORT/sambat" \
      "$BIN/skk-$s" "${common[@]}" --declare_topology_only >>"$RUN/logs/$s.log" 2>&1
  done
  # The gateway is the public door; intake believes its word on a citizen's address.
  # SKK_RUN_FLAGS_<SERVICE> adds flags of one's own (bench/gateway_bench.sh lifts the limits).
  declare -A extra=([intake]="--trusted_gateways=127.0.0.1 --lapor_url=$partners/lapor/ ${SKK_RUN_FLAGS_INTAKE:-}"
                    [routing]="--partner_urls=polresta=$partners/polresta/open311/v2/,kejari=$partners/kejari/webhook,kodim-0833=$partners/kodim-0833/webhook
                      ${SKK_RUN_FLAGS_ROUTING:-}"
                    [sla]="${SKK_RUN_FLAGS_SLA:-}"
                    [notification]="--smtp_url=smtp://127.0.0.1:$(cat "$RUN/mail.port")
                      --sms_gateway_url=http://127.0.0.1:$sms_port/sms
                      --whatsapp_gateway_url=http://127.0.0.1:$sms_port/whatsapp
                      ${SKK_RUN_FLAGS_NOTIFICATION:-}"
                    [gateway]="--http_listen=127.0.0.1:8080 --web_dir=$ROOT/build/run/web ${SKK_RUN_FLAGS_GATEWAY:-}")
  for s in "${SERVICES[@]}"; do
    if service_alive "$s"; then continue; fi
    rm -f "$RUN/$s.port"
    # shellcheck disable=SC2086  # the extra flags are words
    SKK_PG_URI="postgresql://$s:$s-local@127.0.0.1:$SKK_PG_PORT/sambat" \
      setsid "$BIN/skk-$s" "${common[@]}" ${extra[$s]:-} \
      --listen="127.0.0.1:${PORT[$s]}" --ready_file="$RUN/$s.port" \
      --metrics_listen="127.0.0.1:${METRICS[$s]}" \
      </dev/null >>"$RUN/logs/$s.log" 2>&1 &
    echo $! >"$RUN/$s.pid"
  done
  for s in "${SERVICES[@]}"; do
    for _ in $(seq 1 300); do
      [ -s "$RUN/$s.port" ] && break
      service_alive "$s" || { echo "run: $s failed to start; see $RUN/logs/$s.log" >&2; tail -5 "$RUN/logs/$s.log" >&2; exit 1; }
      sleep 0.1
    done
    [ -s "$RUN/$s.port" ] || { echo "run: $s not serving after 30 s; see $RUN/logs/$s.log" >&2; exit 1; }
  done
}

status() {
  bash deploy/stack.sh status --profile dev || true
  for s in "${SERVICES[@]}"; do
    if service_alive "$s"; then
      printf '%-12s 127.0.0.1:%s  pid %s  log %s\n' "$s" "${PORT[$s]}" "$(service_pid "$s")" "$RUN/logs/$s.log"
      printf '%-12s metrics http://127.0.0.1:%s/metrics\n' "" "${METRICS[$s]}"
      [ "$s" != gateway ] || printf '%-12s %s (HTTP: the JSON API, docs/http-api.md)\n' "" "$HTTP"
    else
      printf '%-12s not running\n' "$s"
    fi
  done
  for r in "${RECEIVERS[@]}"; do
    if receiver_alive "$r"; then
      printf '%-12s 127.0.0.1:%s  pid %s  received %s\n' "$r" "$(cat "$RUN/$r.port")" \
        "$(cat "$RUN/$r.pid")" "$RUN/received/$r.jsonl"
    else
      printf '%-12s not running\n' "$r"
    fi
  done
}

stop_services() {
  for s in "${SERVICES[@]}"; do
    local pid; pid=$(service_pid "$s")
    if service_alive "$s"; then
      kill -TERM "$pid"
      for _ in $(seq 1 150); do service_alive "$s" || break; sleep 0.1; done
      service_alive "$s" && kill -KILL "$pid"
      echo "stopped $s (pid $pid)"
    fi
    rm -f "$RUN/$s.pid" "$RUN/$s.port"
  done
}

setup_and_start() {
  bash deploy/install-deps.sh
  bash deploy/build.sh run
  bash deploy/stack.sh start --profile dev
  start_services
  echo
  status
}

# Moves the business clock a day at a time until the complaint reaches `until` (at most 20 days).
advance_until() {  # until
  for _ in $(seq 1 20); do
    "${CTL[@]}" clock advance 24h
    if "${CTL[@]}" wait "$ticket" --token "$token" --until "$1" --timeout 5s 2>/dev/null; then
      return 0
    fi
  done
  echo "run: the complaint did not reach '$1' within 20 days; see $RUN/logs/sla.log" >&2
  return 1
}

# A JSON field of a flat answer (the gateway's answers print without spaces).
json_field() {  # file name
  sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1"
}

# The staff side over HTTP, as the console does it: a session cookie in a jar, and the
# session's CSRF token on every request that changes something.
JAR_DIR=$RUN/cookies
staff_sign_in() {  # who username password -> the session JSON in $JAR_DIR/who.json
  mkdir -p "$JAR_DIR"
  curl -sS -o "$JAR_DIR/$1.json" -w '%{http_code}' -c "$JAR_DIR/$1.jar" \
    -X POST "$HTTP/api/v1/staff/session" -H "Content-Type: application/json" \
    -d "{\"username\": \"$2\", \"password\": \"$3\"}"
}
staff() {  # who method path [json]
  local csrf; csrf=$(json_field "$JAR_DIR/$1.json" csrf_token)
  curl -sS --fail-with-body -b "$JAR_DIR/$1.jar" -X "$2" "$HTTP$3" \
    -H "Content-Type: application/json" -H "X-CSRF-Token: $csrf" ${4:+-d "$4"}
}
# Signs `who` in with `password`; a first sign-in (temporary password) chooses it.
staff_session() {  # who username password [temporary]
  [ "$(staff_sign_in "$1" "$2" "$3")" = 200 ] && return 0
  [ -n "${4:-}" ] && [ "$(staff_sign_in "$1" "$2" "$4")" = 200 ] || {
    echo "run: $2 cannot sign in; see $RUN/logs/gateway.log" >&2; return 1; }
  staff "$1" POST /api/v1/staff/password \
    "{\"current_password\": \"$4\", \"new_password\": \"$3\"}" >/dev/null
  staff_sign_in "$1" "$2" "$3" >/dev/null
}

# The city's administrator gives each development account (again on every run: a reset hands
# out a new temporary password); each person signs in with it and chooses a password.
account_ready() {  # who username name role agency
  local issued
  issued=$(staff admin POST /api/v1/staff/accounts \
    "{\"username\": \"$2\", \"name\": \"$3\", \"role\": \"$4\", \"agency_code\": \"$5\"}" \
    2>/dev/null) || issued=$(staff admin POST "/api/v1/staff/accounts/$2/reset-password")
  staff_session "$1" "$2" "$DEMO_PASSWORD" "$(echo "$issued" | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')"
}
officer_signs_in() {
  staff_session admin admin "$DEMO_PASSWORD" admin-local-development-only
  account_ready budi budi.dpuprpkp "Budi Santoso" officer dpuprpkp
  account_ready kepala kepala.dpuprpkp "Ir. Hadi Prasetyo (Kepala DPUPRPKP)" agency_head dpuprpkp
  account_ready sekda sekda "Sekretaris Daerah Kota Malang" leadership ""
}
DEMO_PASSWORD=local-demo-password-only

# The local SMS gateway forwarding one message a citizen sent to the city's number, signed as
# deploy/config/kota-malang.textproto says ("sms-lokal"); prints the reply it would send back.
sms() {
  local body signature
  body="from=$1&id=demo-$(date +%s%N)&message=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$2")"
  signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$(cat deploy/config/dev-text-gateway.secret)" | sed 's/^.*= //')
  echo "SMS from $1: $2"
  printf '   reply: '
  curl -sS --fail-with-body -X POST "$HTTP/webhooks/text/sms-lokal" \
    -H "Content-Type: application/x-www-form-urlencoded" -H "X-Signature: $signature" --data "$body"
  echo
}

sms_scenario() {
  local phone=081233344455 sms_ticket=""
  echo "== A citizen without the app texts the city's number, as Sambat began in 2016"
  echo "   (docs/text-messages.md): two messages, one complaint =="
  sms "$phone" "SAMBAT Lampu jalan mati di Jl. Ijen depan Museum Brawijaya"
  sms "$phone" "sudah seminggu, gelap sekali kalau malam"
  echo "(three quiet minutes later the messages are one complaint; its ticket comes by SMS)"
  "${CTL[@]}" clock advance 4m
  for _ in $(seq 1 100); do
    sms_ticket=$(/usr/bin/python3 - "$RUN/received/sms.jsonl" <<'PY'
import json, re, sys
try:
    lines = open(sys.argv[1]).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    body = json.loads(json.loads(line)["body"])
    if body.get("to") == "+6281233344455" and "diterima" in body.get("message", ""):
        print(re.search(r"[A-Z]+-\d{4}-\d+", body["message"]).group(0))
        break
PY
)
    [ -n "$sms_ticket" ] && break
    sleep 0.2
  done
  [ -n "$sms_ticket" ] || { echo "run: no ticket came back by SMS" >&2; return 1; }
  /usr/bin/python3 deploy/show-received.py "$RUN/received" "$sms_ticket" --indent "   "
  sms "$phone" "CEK $sms_ticket"
}

scenario() {
  local id
  echo
  echo "== A citizen reports a broken road in Klojen, from a phone, over HTTP =="
  echo "\$ curl -X POST $HTTP/api/v1/complaints -H 'Idempotency-Key: ...' -d '{...}'"
  curl -sS --fail-with-body -X POST "$HTTP/api/v1/complaints" \
    -H "Content-Type: application/json" -H "Idempotency-Key: demo-$(date +%s%N)" \
    -d '{"category": "jalan-rusak",
         "description": "Jalan berlubang besar di Jl. Kawi depan SDN Kauman 1, membahayakan pengendara motor.",
         "address": "Jl. Kawi, depan SDN Kauman 1, Klojen",
         "location": {"latitude": -7.9779, "longitude": 112.6235},
         "reporter": {"name": "Siti Aminah", "phone": "081234567890"},
         "channel": "CHANNEL_APP"}' | tee "$RUN/last-submit"
  echo
  id=$(json_field "$RUN/last-submit" complaint_id)
  ticket=$(json_field "$RUN/last-submit" ticket)
  token=$(json_field "$RUN/last-submit" tracking_token)
  [ -n "$ticket" ] && [ -n "$token" ] || { echo "run: the gateway did not accept the complaint" >&2; return 1; }
  echo
  echo "== routing sends it to the agency responsible; sla sets the deadline =="
  "${CTL[@]}" wait "$ticket" --token "$token" --until deadline
  echo "\$ curl $HTTP/api/v1/complaints/$ticket -H 'X-Tracking-Token: ...'"
  curl -sS --fail-with-body "$HTTP/api/v1/complaints/$ticket" -H "X-Tracking-Token: $token"
  echo
  echo
  echo "== Nobody answers. Day by day the business clock moves on (weekends and holidays do not"
  echo "   count): at the deadline, level 1, the agency head =="
  advance_until escalated
  echo
  echo "== Still no answer: a few working days later, level 2, Sekda and the mayor =="
  advance_until escalated:2
  "${CTL[@]}" get "$ticket" --token "$token"
  echo
  echo "== At last DPUPRPKP's officer signs in to the console's API and takes it up: the queue"
  echo "   (overdue first), claim, answer; the next day, resolve =="
  officer_signs_in
  echo "\$ curl -b cookies $HTTP/api/v1/staff/queue?page_size=5"
  staff budi GET "/api/v1/staff/queue?page_size=5"; echo
  echo "\$ curl -b cookies -H 'X-CSRF-Token: ...' -X POST $HTTP/api/v1/staff/cases/$id/claim"
  staff budi POST "/api/v1/staff/cases/$id/claim" '{}' >/dev/null && echo "claimed"
  echo "\$ curl -b cookies -H 'X-CSRF-Token: ...' -X POST $HTTP/api/v1/staff/cases/$id/respond -d '{\"message\": ...}'"
  staff budi POST "/api/v1/staff/cases/$id/respond" \
    '{"message": "Mohon maaf terlambat. Tim kami menambal jalan ini besok pagi."}' >/dev/null && echo "answered"
  "${CTL[@]}" clock advance 24h
  # A day later the session has long been idle: sign in again.
  staff_session budi budi.dpuprpkp "$DEMO_PASSWORD"
  staff budi POST "/api/v1/staff/cases/$id/resolve" '{"note": "Lubang di Jl. Kawi sudah ditambal."}' \
    >/dev/null && echo "resolved"
  "${CTL[@]}" wait "$ticket" --token "$token" --until resolved
  "${CTL[@]}" get "$ticket" --token "$token"
  echo
  echo "== What anyone sees of it through Open311 (docs/open311.md): no reporter, no phone =="
  echo "\$ curl $HTTP/open311/v2/requests/$ticket.json"
  curl -sS --fail-with-body "$HTTP/open311/v2/requests/$ticket.json"; echo
  echo
  echo "== Who was told what =="
  # The notification log is for staff: the city secretary's office reads it.
  export SKK_STAFF_TOKEN="$("${CTL[@]}" token --role leadership --issued_at clock)"
  for _ in $(seq 1 50); do
    [ "$("${CTL[@]}" notifications "$id" | tail -1 | cut -d' ' -f1)" -ge 9 ] && break
    sleep 0.2
  done
  "${CTL[@]}" notifications "$id"
  echo
  echo "== What the citizen's phone received, as the app shows it =="
  echo "\$ curl $HTTP/api/v1/complaints/$ticket/notifications -H 'X-Tracking-Token: ...'"
  curl -sS --fail-with-body "$HTTP/api/v1/complaints/$ticket/notifications" \
    -H "X-Tracking-Token: $token" >"$RUN/last-notifications"
  /usr/bin/python3 - "$RUN/last-notifications" <<'PY'
import json, sys
for n in json.load(open(sys.argv[1])).get("notifications", []):
    first_line = n["body"].splitlines()[0] if n.get("body") else n.get("subject", "")
    print(f"{n['channel']:<9}{n['state']:<9}{n['address']:<18}{first_line}")
PY
  echo
  echo "== ... and what the local SMS gateway and mail server got ($RUN/received/) =="
  /usr/bin/python3 deploy/show-received.py "$RUN/received" "$ticket" || true
  echo
  sms_scenario
  echo
  echo "The citizens' app: open $HTTP/ in a browser (a phone's view: the browser's device mode);"
  echo "  $ticket is followed there after opening its tracking link:"
  echo "  $HTTP/#/lacak/$ticket/$token"
  echo "The staff console: $HTTP/console/ (development sign-ins, local runs only, each with"
  echo "  password $DEMO_PASSWORD):"
  echo "    budi.dpuprpkp    humas officer of DPUPRPKP: the queue and the case page"
  echo "    kepala.dpuprpkp  DPUPRPKP's head: its cases (read only), escalations, statistics"
  echo "    sekda            leadership: escalations of every agency, the dashboard, weekly report"
  echo "    admin            administrator: accounts, recipients, API keys, parked events, routing"
  echo "The public page, no sign-in: $HTTP/publik/"
  echo "The system keeps running. Try: $BIN/sambatctl --help; stop it with: deploy/run.sh stop"
}

case "${1:-up}" in
  up) setup_and_start; scenario ;;
  start) setup_and_start ;;
  scenario) scenario ;;
  status) status ;;
  stop) stop_services; stop_receivers; bash deploy/stack.sh stop --profile dev ;;
  *) sed -n '7,12p' "$0" >&2; exit 2 ;;
esac

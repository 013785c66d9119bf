#!/usr/bin/env bash
# Makes every secret and key a deployment of Sambat Kene Ker needs, into one directory that
# only root can read (docs/security.md says where each one goes):
#
#   deploy/make-secrets.sh DIR [--kid KID]
#
#   staff-token-private-KID.pem  ES256 signing key: the token issuer only (gateway, sambatctl)
#   staff-token-public-KID.pem   its public half: every service (auth.public_keys in the city
#                                configuration, kid KID)
#   tracking-secret              intake --tracking_secret_file
#   queue-cursor-secret          routing --queue_cursor_secret_file
#   rate-limit-secret            intake --rate_limit_secret_file
#   pg-password-SERVICE          each service's PostgreSQL role (intake, routing, sla,
#                                notification); the URI with it goes in --pg_uri_file
#   amqp-password                the services' RabbitMQ user; the URI with it in --amqp_uri_file
#   redis-password-SERVICE       each service's Redis ACL user
#
# Idempotent: a file that exists is kept, never overwritten (rotating a secret is a decision,
# docs/security.md says how). Nothing is printed but file names: secrets never reach a terminal
# log. Uses openssl from Debian's openssl package.
set -euo pipefail

usage() { echo "usage: deploy/make-secrets.sh DIR [--kid KID]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift
kid=$(date -u +%Y-%m)
while [ $# -gt 0 ]; do
  case "$1" in
    --kid) [ $# -ge 2 ] || usage; kid=$2; shift 2 ;;
    *) usage ;;
  esac
done
case "$kid" in *[!A-Za-z0-9._-]*|"") echo "make-secrets: --kid takes letters, digits, . _ -" >&2; exit 2 ;; esac
command -v openssl >/dev/null || { echo "make-secrets: needs openssl (apt-get install openssl)" >&2; exit 1; }

umask 077
mkdir -p "$dir"
chmod 700 "$dir"

made=()
kept=()
# 48 random bytes as base64: 64 printable characters, at least the 32 bytes a service demands.
random_secret() {
  local file=$dir/$1
  if [ -e "$file" ]; then kept+=("$1"); return; fi
  openssl rand -base64 48 | tr -d '\n' >"$file.tmp"
  echo >>"$file.tmp"
  mv "$file.tmp" "$file"
  made+=("$1")
}

private=staff-token-private-$kid.pem
public=staff-token-public-$kid.pem
if [ -e "$dir/$private" ]; then
  kept+=("$private")
else
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$private.tmp" 2>/dev/null
  mv "$dir/$private.tmp" "$dir/$private"
  made+=("$private")
fi
if [ -e "$dir/$public" ]; then
  kept+=("$public")
else
  openssl pkey -in "$dir/$private" -pubout -out "$dir/$public.tmp"
  mv "$dir/$public.tmp" "$dir/$public"
  made+=("$public")
fi

random_secret tracking-secret
random_secret queue-cursor-secret
random_secret rate-limit-secret
random_secret amqp-password
for s in intake routing sla notification; do
  random_secret "pg-password-$s"
  random_secret "redis-password-$s"
done

echo "make-secrets: in $dir (mode 700)"
[ ${#made[@]} -eq 0 ] || printf '  made  %s\n' "${made[@]}"
[ ${#kept[@]} -eq 0 ] || printf '  kept  %s\n' "${kept[@]}"
cat <<EON
The city configuration's auth block for this key (see docs/security.md):
  auth {
    issuer: "sambat-kene-ker/<your city>"
    audience: "sambat-kene-ker/<your city>/staff"
    public_keys { kid: "$kid" file: "<where you mount it>/$public" }
  }
EON

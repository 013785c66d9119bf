#!/usr/bin/env bash
# Installs, from Debian's packages only, everything Sambat Kene Ker needs to build, test and run
# locally. Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev librabbitmq-dev libhiredis-dev libpq-dev libssl-dev catch2
  libvips-dev libjwt-dev libboost-dev libcurl4-openssl-dev zlib1g-dev
  libcpp-httplib-dev nlohmann-json3-dev libargon2-dev liboath-dev curl
  # Metrics (docs/metrics.md): prometheus-cpp in the services; Prometheus and promtool for tests.
  prometheus-cpp-dev prometheus
  python3 python3-aiosmtpd
  postgresql redis-server rabbitmq-server amqp-tools
  procps iproute2 ca-certificates tzdata openssl
  # The browser tests of the web apps (tests/citizen-app): Debian's Chromium, driven by
  # playwright-core from npm; emoji so that screenshots show the category icons phones show.
  chromium fonts-noto-color-emoji
)
# The web apps' build runs npm (web/package-lock.json). A machine with its own Node.js keeps it;
# otherwise Debian's.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

# Debian's packages start their servers on install; ours are started by deploy/stack.sh on
# loopback with their data inside the repo, so keep the package scripts from starting them.
if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# The fault suite as a soak (docs/reliability.md): installs what is missing, builds the test
# build (AddressSanitizer and UBSan), and runs tests/faults/run.sh, which starts PostgreSQL,
# RabbitMQ and Redis of profile "faults" on their own ports, crashes and restarts them and
# every service under load for the given time, prints the invariants and stops the servers.
#
#   bash deploy/faults.sh [--minutes 30] [--rate 12]
#
# The short form (3 minutes) also runs in deploy/test.sh as the ctest test faults_storm.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
minutes=30
rate=12
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --rate)    rate=$2; shift 2 ;;
    *) echo "usage: deploy/faults.sh [--minutes N] [--rate complaints/s]" >&2; exit 2 ;;
  esac
done
bash "$ROOT/deploy/install-deps.sh"
bash "$ROOT/deploy/build.sh" test
SKK_FAULTS_MINUTES=$minutes SKK_FAULTS_RATE=$rate \
  exec bash "$ROOT/tests/faults/run.sh" "$ROOT/build/test/bin/fault_suite_test"

#!/usr/bin/env bash
# The README's test command: installs what is missing, builds with sanitizers, starts
# PostgreSQL, RabbitMQ and Redis on loopback (profile "test"), runs every test with ctest and
# stops the servers it started. Extra arguments go to ctest (e.g. -L unit, -R e2e).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

bash deploy/install-deps.sh
bash deploy/build.sh test

# A stack a developer already had running stays running; one this script started is stopped.
if bash deploy/stack.sh status --profile test >/dev/null 2>&1; then
  echo "test: using the test stack that was already running (left running afterwards)"
else
  # Keep ctest's exit status whatever the stop says.
  trap 'status=$?; echo "test: stopping the test stack"; bash "$ROOT/deploy/stack.sh" stop --profile test || true; exit $status' EXIT
  bash deploy/stack.sh start --profile test
fi
# shellcheck source=/dev/null
. .run/test/stack.env

cd build/test
rm -f "$ROOT/.run/faults-storm.log"
# Each integration test brings its own database, vhost and service processes, so two run at
# once on the two cores. --timeout stops a hung test rather than the whole CI run.
status=0
ctest --output-on-failure --timeout 900 -j 2 "$@" || status=$?
# The fault suite's report (its faults with their times, the load and one line per invariant)
# is worth seeing in every CI log, passed or not.
if [ -s "$ROOT/.run/faults-storm.log" ]; then
  echo "test: the fault suite's report (full output in .run/faults-storm.log):"
  grep -E '^(fault t=|faults:|invariant )' "$ROOT/.run/faults-storm.log" || true
fi
exit "$status"

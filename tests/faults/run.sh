#!/usr/bin/env bash
# Runs the fault suite on servers of its own (deploy/stack.sh --profile faults), because it
# crashes and restarts them: never the test or dev stack. Starts them from a clean slate and
# stops them afterwards whatever the outcome, keeping the suite's exit status.
#
#   tests/faults/run.sh <path to fault_suite_test> [Catch2 arguments]
#
# SKK_FAULTS_MINUTES (default 3) and SKK_FAULTS_RATE (complaints/s, default 12) set the storm;
# deploy/faults.sh builds and runs the 30-minute soak.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
[ $# -ge 1 ] || { echo "usage: $0 <fault_suite_test> [args]" >&2; exit 2; }
SUITE=$1
shift

bash "$ROOT/deploy/stack.sh" reset --profile faults >/dev/null
trap 'status=$?; bash "$ROOT/deploy/stack.sh" stop --profile faults --immediate >/dev/null || true; echo "faults: servers of profile faults stopped"; exit $status' EXIT
bash "$ROOT/deploy/stack.sh" start --profile faults
# shellcheck source=/dev/null
. "$ROOT/.run/faults/stack.env"
# ctest shows a passing test's output only with -V: keep the run's report where deploy/test.sh
# (and the operator) can print it.
REPORT=$ROOT/.run/faults-storm.log
"$SUITE" --warn NoTests --durations yes "$@" 2>&1 | tee "$REPORT"

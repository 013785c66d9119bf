#!/usr/bin/env bash
# The console with a city's worth of cases (bench/console_bench.cc says what it measures): its
# own services and gateway on private databases of the dev stack, which is started here if it
# is not running (deploy/stack.sh stop --profile dev ends it). Release build (build/run).
# BENCH_CASES (default 100000), BENCH_CALLS (30) and BENCH_RUNS (15) change the load.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
bash deploy/build.sh run >/dev/null
ninja -C build/run console_bench >/dev/null
bash deploy/stack.sh start --profile dev >/dev/null
. .run/dev/stack.env
build/run/bin/console_bench

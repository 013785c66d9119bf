#!/usr/bin/env bash
# The citizens' app on emulated slow 3G (bench/citizen_app_bench.mjs says what it measures),
# against the system deploy/run.sh runs: started here if it is not running, and then left
# running (deploy/run.sh stop ends it). BENCH_RUNS (default 3) repeats each measure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
bash deploy/run.sh start
SKK_URL=http://127.0.0.1:8080 \
SKK_NOW="$(cat .run/dev/clock 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)" \
SKK_ARTIFACTS="$ROOT/.run/bench/citizen-app" \
SKK_NODE_MODULES="$ROOT/build/run/web-npm/node_modules" \
  node bench/citizen_app_bench.mjs

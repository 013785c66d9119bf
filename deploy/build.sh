#!/usr/bin/env bash
# Configures and builds the project into build/<kind>: "test" (Debug with AddressSanitizer and
# UBSan, what the tests use) or "run" (optimized, what deploy/run.sh starts). Idempotent: an
# up-to-date build does nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
kind=${1:-test}
targets=()
case "$kind" in
  test) flags=(-DCMAKE_BUILD_TYPE=Debug -DSKK_SANITIZE=ON) ;;
  # A local run needs the services and the client, not the tests.
  run)  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKK_SANITIZE=OFF)
        targets=(--target skk-intake skk-routing skk-sla skk-notification skk-gateway skk-web sambatctl
                 intake_bench) ;;
  *) echo "usage: deploy/build.sh test|run" >&2; exit 2 ;;
esac
cmake -S "$ROOT" -B "$ROOT/build/$kind" -G Ninja "${flags[@]}" >/dev/null
# Two cores: more jobs only thrash; each gRPC translation unit takes ~1 GB and seconds.
cmake --build "$ROOT/build/$kind" -j "$(nproc)" "${targets[@]}"

#!/usr/bin/env bash
# Benchmarks: the committed bundle against MLflow's Python client on a real MLflow 3.x server (see
# docs/benchmarks.md). Needs only bash, Node with npm (Node 24 is fetched from npm when absent) and Python 3 with
# venv. Prints a table and rewrites docs/benchmarks.md. BENCH_RUNS / BENCH_ARCHIVE_RUNS / BENCH_CONCURRENCY tune it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/prepare.sh
exec node node_modules/tsx/dist/cli.mjs scripts/bench.ts "$@"

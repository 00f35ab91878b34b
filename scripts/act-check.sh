#!/usr/bin/env bash
# A real runner: examples/workflows/evaluate.yml run by nektos/act in host mode (no Docker; the action's node24 runs on
# this machine's Node 24) against a real MLflow server, with the action as `uses: ./` (the committed dist/index.js).
# Checks that action.yml's defaults reach the action, that outputs pass between steps and jobs, and that the job
# summary is written. Needs Go (act is built from its Go module into the cache, see scripts/act.sh), Node 24 with the
# npm packages installed, and Python 3 with venv (the MLflow venv is built into the cache on first use).
# Usage: bash scripts/act-check.sh    (about a minute once the caches are warm)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATH="$(bash scripts/node.sh):$PATH"
export PATH
act="$(bash scripts/act.sh)"
# The check (__tests__/runners/act-check.ts) starts and seeds the MLflow server, and stops it and act whatever happens.
exec node node_modules/tsx/dist/cli.mjs __tests__/runners/act-check.ts "$act"

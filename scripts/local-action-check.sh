#!/usr/bin/env bash
# GitHub's @github/local-action: the action's TypeScript source (src/main.ts) run with local-action's stubs of
# @actions/core and @actions/github against a real MLflow server (evaluate, dry run). local-action always exits 0: the
# check judges the run from its output (no ::error::, the outputs set) and from the job summary file.
# Needs Node 24 with the npm packages installed and Python 3 with venv (the MLflow venv is built into the cache on
# first use).
# Usage: bash scripts/local-action-check.sh    (well under a minute once the MLflow venv is cached)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATH="$(bash scripts/node.sh):$PATH"
export PATH
# The check (__tests__/runners/local-action-check.ts) starts and seeds the MLflow server, and stops it whatever happens.
exec node node_modules/tsx/dist/cli.mjs __tests__/runners/local-action-check.ts

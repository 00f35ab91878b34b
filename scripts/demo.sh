#!/usr/bin/env bash
# The main job on an embedded default: a local MLflow server (sqlite) and the GitHub stand-in, with a model walked
# through its whole lifecycle by the committed bundle. Needs only bash, Node with npm (Node 24 is fetched from npm
# when absent) and Python 3 with venv. `--keep` leaves the servers up afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATH="$(bash scripts/node.sh):$PATH"
export PATH
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
exec node node_modules/tsx/dist/cli.mjs scripts/demo.ts "$@"

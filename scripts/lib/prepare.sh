# Sourced by the set-up scripts (test, demo, bench) from the repository root: puts Node 24 first on PATH (fetched
# from npm when absent) and installs the npm packages when they are missing or older than the lock file.
PATH="$(bash scripts/node.sh):$PATH"
export PATH
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

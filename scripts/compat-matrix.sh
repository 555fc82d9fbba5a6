#!/usr/bin/env bash
# The compatibility matrix, for CI on every submission (called from .ci/run) and for people:
#
#   Node 20 (the machine's) + OTel JS SDK 2.x (0.223 packages): the repository's test suite (npm test)
#   Node 24 (npm package `node@24`) + SDK 3.x (0.301 packages):  the same suite (compat/sdk3/run.sh)
#   the packed tarball in fresh projects, for each line and for a user with no SDK yet (compat/pack-check.sh)
#
#   scripts/compat-matrix.sh                  # everything
#   scripts/compat-matrix.sh --no-sdk2-suite  # when the caller has just run `npm test` itself
#
# Installs what it needs from the npm registry (root `npm ci` if node_modules is missing; compat/sdk3
# `npm ci` from its lockfile) and exits non-zero if any cell fails.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUN_SDK2_SUITE=1
[ "${1:-}" = "--no-sdk2-suite" ] && RUN_SDK2_SUITE=0

if [ ! -d node_modules ]; then npm ci --no-audit --no-fund --loglevel=error || exit 1; fi

passed=0; failed=0; summary=()
cell() {
  local name="$1"; shift
  local log; log="$(mktemp)"
  echo "=== $name"
  local start=$SECONDS
  if "$@" > "$log" 2>&1; then status=pass; passed=$((passed + 1)); else status=FAIL; failed=$((failed + 1)); fi
  # mocha's counts, when the cell ran mocha; the whole log when it failed.
  local counts; counts="$(grep -E '^ +[0-9]+ (passing|failing|pending)' "$log" | sed 's/ (.*)//' | tr -s ' ' | tr '\n' ',' | sed 's/,$//')"
  grep -E '^(sdk3:|  (sdk2|sdk3|fresh)|pack-check)' "$log" || true
  [ "$status" = FAIL ] && tail -n 80 "$log"
  summary+=("$(printf '%-48s %-4s %s (%ss)' "$name" "$status" "$counts" $((SECONDS - start)))")
  rm -f "$log"
}

if [ "$RUN_SDK2_SUITE" = 1 ]; then
  cell "suite  node $(node --version) + SDK 2.x (npm test)" npm test
fi
cell "suite  node 24 + SDK 3.x (compat/sdk3/run.sh)" bash compat/sdk3/run.sh
cell "pack   node $(node --version) + SDK 2.x" bash compat/pack-check.sh sdk2
cell "pack   node 24 + SDK 2.x" bash compat/pack-check.sh sdk2-node24
cell "pack   node 24 + SDK 3.x" bash compat/pack-check.sh sdk3
cell "pack   node 20 and 24, no SDK yet (README install)" bash compat/pack-check.sh fresh

echo
echo "compat matrix:"
printf '  %s\n' "${summary[@]}"
echo "matrix: $passed passed, $failed failed"
[ "$failed" = 0 ]

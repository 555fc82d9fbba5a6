#!/usr/bin/env bash
# The compatibility matrix, for CI on every submission (called from .ci/run) and for people:
#
#   Node 20 (the machine's) + OTel JS SDK 2.x (0.223 packages): the repository's test suite (npm test)
#   Node 22, 24, 26 (npm packages `node@22`, `@24`, `@26`, compat/nodeNN) and Node 22.16.0 (a 22
#     release before 22.17, with no HTTP/2 diagnostics channels; compat/node22.16) + SDK 3.x (0.300
#     packages, engines >=22.15): the same suite, one SDK 3.x install for all (compat/sdk3/run.sh --node NN)
#   the packed tarball in fresh projects, for each SDK line and for a user with no SDK yet, on each
#     Node line it supports: no conflict, one copy of each package, LICENSE (compat/pack-check.sh)
#   the README's install lines with the newest releases, on Node 20 and 26, with and without @rid/otel:
#     no @opentelemetry/* package twice that the install without it has once (compat/footprint.sh)
#   AWS Lambda: the real runtime interface clients run test functions under register (compat/lambda/run.sh)
#   `npm install` in a clean clone leaves the tree unchanged (compat/clean-clone.sh)
#
#   scripts/compat-matrix.sh                  # everything
#   scripts/compat-matrix.sh --no-sdk2-suite  # when the caller has just run `npm test` itself
#
# Installs what it needs from the npm registry (root `npm ci` if node_modules is missing; compat/sdk3
# and compat/nodeNN `npm ci` from their lockfiles) and exits non-zero if any cell fails.
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
  grep -E '^(sdk3:|  (sdk2|sdk3|fresh|footprint)|    (node_modules|@opentelemetry)|pack-check|clean-clone|footprint)' "$log" || true
  [ "$status" = FAIL ] && tail -n 80 "$log"
  summary+=("$(printf '%-58s %-4s %s (%ss)' "$name" "$status" "$counts" $((SECONDS - start)))")
  rm -f "$log"
}

if [ "$RUN_SDK2_SUITE" = 1 ]; then
  cell "suite  node $(node --version) + SDK 2.x (npm test)" npm test
fi
for n in 22.16 22 24 26; do
  cell "suite  node $n + SDK 3.x (compat/sdk3/run.sh --node $n)" bash compat/sdk3/run.sh --node "$n"
done
cell "lambda aws-lambda-ric 3.3 on node 22, 4.0 on node 24 (npm run test:lambda)" bash compat/lambda/run.sh
cell "pack   node 20, 22, 24, 26 + SDK 2.x" bash compat/pack-check.sh sdk2 20 22 24 26
cell "pack   node 22, 24, 26 + SDK 3.x" bash compat/pack-check.sh sdk3 22 24 26
cell "pack   node 20, 22, 24, 26, no SDK yet (README install)" bash compat/pack-check.sh fresh 20 22 24 26
cell "footprint  node 20, 26: README install lines, newest releases" bash compat/footprint.sh 20 26
cell "clone  npm install in a clean clone changes nothing" bash compat/clean-clone.sh

echo
echo "compat matrix:"
printf '  %s\n' "${summary[@]}"
echo "matrix: $passed passed, $failed failed"
[ "$failed" = 0 ]

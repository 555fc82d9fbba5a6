#!/usr/bin/env bash
# The AWS Lambda tests (test/lambda): the real runtime interface clients (aws-lambda-ric 3.3.0 on
# Node 22 for nodejs22.x, 4.0.2 on Node 24 for nodejs24.x) run test functions under
# `--require @rid/otel/register` against a local Runtime API (bench/lib/lambda-runtime.ts).
# `npm test` leaves them out: they need the clients, which compile native code on install.
#
#   compat/lambda/run.sh [mocha args]     # npm run test:lambda
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
bash "$HERE/install.sh"
cd "$ROOT"
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; fi
# The test functions load the package from build/, as a bundle would.
if [ ! -f build/src/register.js ] || [ -n "$(find src -newer build/src/register.js -name '*.ts' -print -quit)" ]; then npm run build >/dev/null; fi
if [ "$#" -eq 0 ]; then set -- 'test/lambda/**/*.test.ts'; fi
exec npx mocha --no-config -r ts-node/register --extension ts --exit --timeout 60000 "$@"

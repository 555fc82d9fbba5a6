#!/usr/bin/env bash
# The repository's own test suite with the OTel JS SDK 3.x line on Node 22, 24 or 26.
#
#   compat/sdk3/run.sh [--node 22|22.16|24|26] [mocha args]    # Node 24 when --node is not given
#
# compat/sdk3/package.json (and its lock) pins the 3.x packages and the test tooling: one install
# serves every Node line. The Node binary comes from compat/nodeNN (compat/node-bin.sh), whose
# only dependency is the npm registry's `node` package. The suite is copied, as the working tree
# has it (tracked and untracked files, .gitignore honoured), into a temporary directory whose
# node_modules is this directory's: module resolution from the copied src/ and test/ can then only
# reach the 3.x install, never the repository's own 2.x node_modules. The source under test is
# byte for byte the working tree's (checked below).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LINE=24
if [ "${1:-}" = "--node" ]; then LINE="${2:?--node needs a line: 22, 22.16, 24 or 26}"; shift 2; fi
NODE="$(bash "$HERE/../node-bin.sh" "$LINE")"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
cd "$HERE"

# Every package the repository's tests may load must be here too, at its 3.x-line version, or the
# suite would fail on a missing module (or, worse, never run that test): say which is missing.
# And each runtime dependency must be at a version that package.json's range gives a 3.x user, so
# that this suite tests what users install.
"$NODE" -e '
  const semver = require(process.argv[1]);
  const root = require("../../package.json"), here = require("./package.json");
  // lint only; no 3.x release; the Logs API is in @opentelemetry/api 1.10 on 3.x
  const notNeeded = ["eslint", "@eslint/js", "typescript-eslint", "dependency-cruiser", "knip", "@opentelemetry/sdk-trace-node", "@opentelemetry/api-logs"];
  const missing = Object.keys({ ...root.dependencies, ...root.devDependencies }).filter((p) => !(p in here.dependencies) && !notNeeded.includes(p));
  if (missing.length) { console.error("sdk3: add to compat/sdk3/package.json (its 3.x-line version): " + missing.join(", ")); process.exit(1); }
  const outside = Object.entries({ ...root.dependencies, ...root.peerDependencies }).filter(([p, range]) => !semver.satisfies(semver.minVersion(here.dependencies[p]), range));
  if (outside.length) { console.error("sdk3: compat/sdk3/package.json pins versions outside package.json ranges: " + outside.map(([p, r]) => `${p} ${here.dependencies[p]} (package.json: ${r})`).join(", ")); process.exit(1); }
' "$(dirname "$NPM_CLI")/../node_modules/semver"

if [ ! -d node_modules/@opentelemetry/sdk-node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  "$NODE" "$NPM_CLI" ci --no-audit --no-fund --loglevel=error
fi
echo "sdk3: node $("$NODE" --version), @opentelemetry/sdk-node $("$NODE" -p "require('$HERE/node_modules/@opentelemetry/sdk-node/package.json').version"), @opentelemetry/api $("$NODE" -p "require('$HERE/node_modules/@opentelemetry/api/package.json').version")"

# @opentelemetry/sdk-trace-base has no 3.x release; here it is an alias of its successor
# @opentelemetry/sdk-trace, so that tests importing its types still compile. The package itself
# must not depend on it at run time: a 3.x user does not have it.
if grep -rnE "(from|require\(|import\() *'@opentelemetry/sdk-trace-base" "$ROOT/src" --include='*.ts'; then
  echo "sdk3: src/ uses @opentelemetry/sdk-trace-base, which does not exist on the 3.x line; use @opentelemetry/sdk-trace" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rid-otel-sdk3-node$LINE.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
# Everything the suite reads: src, test (fixtures, apps), examples, bench, scripts, configs, package.json, README.md and docs/ and the files they link.
git ls-files -z --cached --others --exclude-standard -- src test examples bench scripts docs compat/sdk3/run.sh compat/README.md README.md CHANGELOG.md SECURITY.md LICENSE package.json tsconfig.json tsconfig.build.json .mocharc.json \
  | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
  | grep -zv '/node_modules/' \
  | xargs -0 cp --parents -t "$WORK"
ln -s "$HERE/node_modules" "$WORK/node_modules"
( cd "$ROOT" && find src -type f -name '*.ts' | sort | xargs sha256sum ) > "$WORK/.src-root.sha"
( cd "$WORK" && find src -type f -name '*.ts' | sort | xargs sha256sum ) > "$WORK/.src-copy.sha"
cmp -s "$WORK/.src-root.sha" "$WORK/.src-copy.sha" || { echo "sdk3: the copied src/ differs from the working tree" >&2; exit 1; }

cd "$WORK"
# Child processes the tests start (`process.execPath`, or `node` on PATH) run this Node too.
export PATH="$(dirname "$NODE"):$HERE/node_modules/.bin:$PATH"
"$NODE" node_modules/typescript/bin/tsc -p tsconfig.build.json
"$NODE" node_modules/mocha/bin/mocha.js "$@"

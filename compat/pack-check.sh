#!/usr/bin/env bash
# Installs the packed tarball (`npm pack`) into fresh temporary projects, as users of each SDK line
# would, and checks: npm reports no peer or dependency conflict (install output and `npm ls --all`);
# require('@rid/otel') and import '@rid/otel' work; `--require` and `--import @rid/otel/register`
# start and serve; and a strict TypeScript consumer compiles against the published .d.ts files.
#
#   compat/pack-check.sh sdk2   # Node 20 (this machine's), the SDK 2.x line
#   compat/pack-check.sh sdk2-node24  # Node 24 with the SDK 2.x line (2.x supports Node 24 too)
#   compat/pack-check.sh sdk3   # Node 24 (from the npm registry's `node` package), the SDK 3.x line
#   compat/pack-check.sh fresh  # both Node versions, with only what the README tells a user to install
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LINE="${1:?usage: pack-check.sh sdk2|sdk2-node24|sdk3|fresh}"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
TSC="$ROOT/node_modules/typescript/bin/tsc"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rid-otel-pack.XXXXXX")"
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT
fail() { echo "pack-check $LINE: FAIL: $*" >&2; exit 1; }

# The Node that runs npm matters: npm prefers dependency versions whose `engines` fit it.
node24() {
  if [ ! -x "$HERE/sdk3/node_modules/.bin/node" ]; then (cd "$HERE/sdk3" && npm ci --no-audit --no-fund --loglevel=error); fi
  echo "$HERE/sdk3/node_modules/.bin/node"
}

( cd "$ROOT" && npm pack --silent --pack-destination "$TMP" >/dev/null 2>"$TMP/pack.log" ) || { cat "$TMP/pack.log"; fail "npm pack"; }
TARBALL="$(ls "$TMP"/*.tgz)"

# project NAME NODE DEPS... : a fresh project, `npm install` run by NODE, checked for conflicts.
project() {
  local name="$1" node="$2"; shift 2
  local dir="$TMP/$name"
  mkdir -p "$dir"
  cp "$HERE/consumer/app.cjs" "$HERE/consumer/app.mjs" "$HERE/consumer/consumer.ts" "$dir/"
  printf '{ "name": "consumer-%s", "private": true }\n' "$name" > "$dir/package.json"
  ( cd "$dir" && "$node" "$NPM_CLI" install --no-audit --no-fund "$TARBALL" "$@" ) > "$dir/install.log" 2>&1 || { cat "$dir/install.log"; fail "$name: npm install failed"; }
  if grep -Eai 'ERESOLVE|peer dep|conflicting peer|invalid:|EBADENGINE' "$dir/install.log"; then
    fail "$name: npm reported a conflict while installing (above)"
  fi
  ( cd "$dir" && "$node" "$NPM_CLI" ls --all > ls.log 2>&1 ) || { grep -Ei 'invalid|missing|ERR' "$dir/ls.log"; fail "$name: npm ls --all reports problems"; }
  local versions
  versions="$(cd "$dir" && "$node" -e '
    const v = (p) => { try { return require(require("path").join(process.cwd(), "node_modules", p, "package.json")).version } catch { return "-" } };
    console.log(["@opentelemetry/api", "@opentelemetry/core", "@opentelemetry/sdk-node", "@opentelemetry/instrumentation", "@opentelemetry/sdk-trace"].map((p) => p.replace("@opentelemetry/", "") + "@" + v(p)).join(" "))')"
  echo "  $name: node $("$node" --version), npm install clean; $versions"

  local env=(env OTEL_TRACES_EXPORTER=console OTEL_SERVICE_NAME=pack-check)
  ( cd "$dir" && "$node" app.cjs ) | grep -q '"ok":true' || fail "$name: require('@rid/otel')"
  ( cd "$dir" && "$node" app.mjs ) | grep -q '"ok":true' || fail "$name: import '@rid/otel'"
  ( cd "$dir" && "${env[@]}" "$node" --require @rid/otel/register app.cjs ) > "$dir/reg-cjs.log" 2>&1 || { cat "$dir/reg-cjs.log"; fail "$name: --require @rid/otel/register"; }
  grep -q '"mode":"sdk"' "$dir/reg-cjs.log" && grep -q 'request.id="cjs-1"' "$dir/reg-cjs.log" || { cat "$dir/reg-cjs.log"; fail "$name: register did not start an SDK that stamps request.id"; }
  ( cd "$dir" && "${env[@]}" "$node" --import @rid/otel/register app.mjs ) > "$dir/reg-esm.log" 2>&1 || { cat "$dir/reg-esm.log"; fail "$name: --import @rid/otel/register"; }
  grep -q '"registered":true' "$dir/reg-esm.log" && grep -q 'request.id="esm-1"' "$dir/reg-esm.log" || { cat "$dir/reg-esm.log"; fail "$name: ESM register"; }
  echo "  $name: require, import, --require register, --import register: ok"

  # The published types, compiled by this repository's TypeScript, strict, CJS and ESM resolution.
  local types="$ROOT/node_modules/@types"
  for mode in "commonjs node10" "nodenext nodenext"; do
    set -- $mode
    ( cd "$dir" && "$node" "$TSC" --noEmit --strict --skipLibCheck --target ES2022 --module "$1" --moduleResolution "$2" \
        --typeRoots "$types" --types node --ignoreDeprecations 6.0 consumer.ts ) > "$dir/tsc.log" 2>&1 || { cat "$dir/tsc.log"; fail "$name: consumer.ts ($2)"; }
  done
  echo "  $name: consumer.ts compiles against the published .d.ts (node10, nodenext)"
}

case "$LINE" in
  sdk2)
    project sdk2 "$(command -v node)" '@opentelemetry/api@~1.9.0' '@opentelemetry/sdk-node@^0.223.0' '@opentelemetry/instrumentation-http@^0.223.0' ;;
  sdk2-node24)
    # npm picks the newest engine-compatible version of a dependency the user does not have; on Node 24
    # that is the 3.x line's instrumentation-undici, so a 2.x user on Node 24 names it (README).
    project sdk2-node24 "$(node24)" '@opentelemetry/api@~1.9.0' '@opentelemetry/sdk-node@^0.223.0' '@opentelemetry/instrumentation-http@^0.223.0' '@opentelemetry/instrumentation-undici@^0.33.0' ;;
  sdk3)
    project sdk3 "$(node24)" '@opentelemetry/api@~1.10.0' '@opentelemetry/sdk-node@^0.301.0' '@opentelemetry/instrumentation-http@^0.301.0' ;;
  fresh)
    project fresh-node20 "$(command -v node)" '@opentelemetry/api'
    project fresh-node24 "$(node24)" '@opentelemetry/api' ;;
  *) fail "unknown line $LINE" ;;
esac
echo "pack-check $LINE: ok"

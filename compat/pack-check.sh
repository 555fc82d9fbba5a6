#!/usr/bin/env bash
# Installs the packed tarball (`npm pack`) into fresh temporary projects, as users of each SDK line
# would, and checks: the tarball has LICENSE; npm reports no peer or dependency conflict (install
# output and `npm ls --all`); every package is installed once (compat/copies.cjs); require('@rid/otel')
# and import '@rid/otel' work; `--require` and `--import @rid/otel/register` start and serve; and a
# strict TypeScript consumer compiles against the published .d.ts files.
#
#   compat/pack-check.sh sdk2 [NODE...]    # a user of the SDK 2.x line (0.223): Node 20, 22, 24, 26; 20 by default
#   compat/pack-check.sh sdk3 [NODE...]    # a user of the SDK 3.x line (0.300): Node 22, 24, 26; 24 by default
#   compat/pack-check.sh fresh [NODE...]   # with only what the README tells a user to install; 20 and 24 by default
#
# Node 20 is the machine's; 22, 24 and 26 come from compat/nodeNN (compat/node-bin.sh).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LINE="${1:?usage: pack-check.sh sdk2|sdk3|fresh [NODE...]}"; shift
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
TSC="$ROOT/node_modules/typescript/bin/tsc"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rid-otel-pack.XXXXXX")"
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT
fail() { echo "pack-check $LINE: FAIL: $*" >&2; exit 1; }

# The Node that runs npm matters: npm prefers dependency versions whose `engines` fit it.
node_bin() {
  if [ "$1" = "$(node -p 'process.versions.node.split(".")[0]')" ]; then command -v node; else bash "$HERE/node-bin.sh" "$1"; fi
}

( cd "$ROOT" && npm pack --silent --pack-destination "$TMP" >/dev/null 2>"$TMP/pack.log" ) || { cat "$TMP/pack.log"; fail "npm pack"; }
TARBALL="$(ls "$TMP"/*.tgz)"
# The license travels with the package, as package.json's "license" says.
tar -xzOf "$TARBALL" package/LICENSE 2>/dev/null | cmp -s - "$ROOT/LICENSE" || fail "the tarball has no LICENSE, or not the repository's"
grep -q '"license": "Apache-2.0"' "$ROOT/package.json" && grep -q 'Apache License' "$ROOT/LICENSE" && grep -q 'Version 2.0' "$ROOT/LICENSE" || fail "LICENSE is not the Apache-2.0 text package.json names"

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
  # One copy of each package: a second copy of an SDK package is a second download, and a second
  # copy of anything that holds global state splits it.
  local copies
  copies="$("$node" "$HERE/copies.cjs" "$dir")" || { echo "$copies"; fail "$name: a package is installed more than once (above)"; }
  echo "  $name: $copies, node_modules $(du -sm "$dir/node_modules" | cut -f1) MB"

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

# The packages a user of each line has: the first release set of each SDK line package.json allows
# (compat/footprint.sh installs the newest ones).
SDK2=('@opentelemetry/api@~1.9.0' '@opentelemetry/sdk-node@^0.223.0' '@opentelemetry/instrumentation-http@^0.223.0')
SDK3=('@opentelemetry/api@~1.10.0' '@opentelemetry/sdk-node@^0.300.0' '@opentelemetry/instrumentation-http@^0.300.0')
case "$LINE" in
  sdk2)
    [ $# -gt 0 ] || set -- 20
    for n in "$@"; do project "sdk2-node$n" "$(node_bin "$n")" "${SDK2[@]}"; done ;;
  sdk3)
    [ $# -gt 0 ] || set -- 24
    for n in "$@"; do project "sdk3-node$n" "$(node_bin "$n")" "${SDK3[@]}"; done ;;
  fresh)
    [ $# -gt 0 ] || set -- 20 24
    for n in "$@"; do project "fresh-node$n" "$(node_bin "$n")" '@opentelemetry/api'; done ;;
  *) fail "unknown line $LINE" ;;
esac
echo "pack-check $LINE: ok"

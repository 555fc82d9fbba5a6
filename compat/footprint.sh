#!/usr/bin/env bash
# The README's install lines, each run twice in fresh projects on each Node line: once as written
# (the packed tarball for @rid/otel) and once without @rid/otel. npm picks the newest releases
# every range allows, for the Node that runs it (the SDK 2.x line on Node 20, 3.x on 22.15+).
# Fails when @rid/otel adds a copy of an @opentelemetry/* package: more than one with it, and more
# than the same install without it has (compat/copies.cjs --compare); or on an npm conflict.
# Prints each install's @opentelemetry/* folder count and node_modules size, with and without.
#
#   compat/footprint.sh [NODE...]     # 20 and 26 (the newest line) by default
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rid-otel-footprint.XXXXXX")"
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT
fail() { echo "footprint: FAIL: $*" >&2; exit 1; }
[ $# -gt 0 ] || set -- 20 26
node_bin() {
  if [ "$1" = "$(node -p 'process.versions.node.split(".")[0]')" ]; then command -v node; else bash "$HERE/node-bin.sh" "$1"; fi
}

# The README's `npm install ... @rid/otel ...` lines, as a user pastes them (comments dropped).
mapfile -t LINES < <(grep -E '^ *npm install .*@rid/otel' "$ROOT/README.md" | sed -E 's/ +#.*$//; s/^ *npm install +//' | sort -u)
[ "${#LINES[@]}" -ge 2 ] || fail "README.md has ${#LINES[@]} 'npm install ... @rid/otel' lines; expected one per way in (zero code, existing SDK)"

( cd "$ROOT" && npm pack --silent --pack-destination "$TMP" >/dev/null 2>"$TMP/pack.log" ) || { cat "$TMP/pack.log"; fail "npm pack"; }
TARBALL="$(ls "$TMP"/*.tgz)"

# install DIR NODE PACKAGES...: a fresh project; npm run by NODE; no conflict reported.
install() {
  local dir="$1" node="$2"; shift 2
  mkdir -p "$dir" && printf '{ "name": "footprint", "private": true }\n' > "$dir/package.json"
  ( cd "$dir" && "$node" "$NPM_CLI" install --no-audit --no-fund "$@" ) > "$dir/install.log" 2>&1 || { cat "$dir/install.log"; fail "$dir: npm install $*"; }
  if grep -Eai 'ERESOLVE|conflicting peer|invalid:|EBADENGINE' "$dir/install.log"; then fail "$dir: npm reported a conflict (above)"; fi
}

status=0
for n in "$@"; do
  node="$(node_bin "$n")"
  for i in "${!LINES[@]}"; do
    read -r -a pkgs <<< "${LINES[$i]}"
    others=(); for p in "${pkgs[@]}"; do [ "$p" = @rid/otel ] || others+=("$p"); done
    dir="$TMP/node$n-line$i"
    install "$dir/with" "$node" "$TARBALL" "${others[@]}" &
    install "$dir/without" "$node" "${others[@]}" &
    wait %1 && wait %2 || fail "node $n: npm install ${LINES[$i]}"
    versions="$(cd "$dir/with" && "$node" -p '["sdk-node", "core", "instrumentation", "instrumentation-http"].map((p) => { try { return p + "@" + require("./node_modules/@opentelemetry/" + p + "/package.json").version } catch { return p + "@-" } }).join(" ")')"
    echo "  footprint node $("$node" --version): npm install ${LINES[$i]}  ($versions)"
    echo "    node_modules $(du -sm "$dir/with/node_modules" | cut -f1) MB with @rid/otel, $(du -sm "$dir/without/node_modules" | cut -f1) MB without"
    "$node" "$HERE/copies.cjs" --compare "$dir/with" "$dir/without" @opentelemetry/ | sed 's/^/    /' || { status=1; echo "    ^ FAIL: @rid/otel adds a copy"; }
  done
done
[ "$status" = 0 ] || fail "@rid/otel adds a copy of an @opentelemetry/* package to an install line (above)"
echo "footprint: ok"

#!/usr/bin/env bash
# `npm install` in a clean clone leaves the tree as it was: the committed package-lock.json is the
# one npm writes for package.json, so a newcomer's tree is clean before they have touched it.
# Checks the committed state (HEAD), in a temporary clone with no node_modules.
#
#   compat/clean-clone.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rid-otel-clone.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "clean-clone: FAIL: $*" >&2; exit 1; }

git clone --quiet "$ROOT" "$TMP/clone"
cd "$TMP/clone"
npm install --no-audit --no-fund --loglevel=error > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; fail "npm install failed"; }
changes="$(git status --porcelain)"
if [ -n "$changes" ]; then
  echo "$changes"
  git diff --stat
  git diff | head -n 60
  fail "npm install in a clean clone of $(git rev-parse --short HEAD) changed the tree (above): commit the package-lock.json that npm install writes"
fi
echo "clean-clone: npm install in a clean clone of $(git rev-parse --short HEAD) leaves git status empty"

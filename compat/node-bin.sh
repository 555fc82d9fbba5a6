#!/usr/bin/env bash
# Prints the path of a Node binary of the given line, from compat/nodeNN: a directory whose only
# dependency is the npm registry's `node` package, which puts that Node in node_modules/.bin/node.
# Installs it first (npm ci from its lock, a few seconds) when missing or older than the lock.
#
#   compat/node-bin.sh 22|22.16|24|26   (22.16: Node 22.16.0, a 22 release before 22.17)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LINE="${1:?usage: node-bin.sh 22|22.16|24|26}"
DIR="$HERE/node$LINE"
if [ ! -f "$DIR/package-lock.json" ]; then
  echo "node-bin: no Node $LINE here; the lines are: $(cd "$HERE" && ls -d node[0-9]* | sed 's/^node//' | tr '\n' ' ')" >&2
  exit 1
fi
if [ ! -x "$DIR/node_modules/.bin/node" ] || [ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
  ( cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error ) >&2
fi
echo "$DIR/node_modules/.bin/node"

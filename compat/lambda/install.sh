#!/usr/bin/env bash
# The real AWS Lambda runtime interface clients, for the Lambda tests (test/lambda, npm run test:lambda):
#
#   compat/lambda/ric3: aws-lambda-ric 3.3.0, the nodejs22.x runtime's, built for Node 22
#   compat/lambda/ric4: aws-lambda-ric 4.0.2, the nodejs24.x runtime's, built for Node 24
#
# Both compile curl and aws-lambda-cpp on install (about 3 minutes each on 2 cores), which needs
# autoconf, automake and libtool: installed from Debian's packages when missing. Each folder is
# installed from its lockfile, only when node_modules is missing or older than the lock.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"

if ! command -v autoconf >/dev/null || ! command -v automake >/dev/null || ! command -v libtoolize >/dev/null; then
  echo "lambda: installing autoconf, automake, libtool (aws-lambda-ric compiles curl)"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get install -y autoconf automake libtool >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y autoconf automake libtool >/dev/null; }
fi

for pair in "ric3 22" "ric4 24"; do
  set -- $pair
  dir="$HERE/$1"
  node="$(bash "$HERE/../node-bin.sh" "$2")"
  if [ ! -f "$dir/node_modules/aws-lambda-ric/package.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "lambda: installing $1 with node $("$node" --version) (compiles native code)"
    start=$SECONDS
    (cd "$dir" && PATH="$(dirname "$node"):$PATH" "$node" "$NPM_CLI" ci --no-audit --no-fund --loglevel=error)
    echo "lambda: $1 installed in $((SECONDS - start)) s"
  fi
done

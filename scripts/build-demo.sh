#!/usr/bin/env bash
# Builds what the demo page loads: the npm package into pkg/ (the dashboard imports it by name)
# and the Rust hello feed into www/generated/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/build-npm.sh
echo "==> demo: building the hello feed (wasm-pack build --release --target web)"
wasm-pack --quiet build --release --target web --no-pack examples/hello-feed --out-dir ../../www/generated/hello-feed

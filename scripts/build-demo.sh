#!/usr/bin/env bash
# Builds the wasm the demo page loads into www/generated/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "==> demo: building the hello feed (wasm-pack build --release --target web)"
wasm-pack --quiet build --release --target web --no-pack examples/hello-feed --out-dir ../../www/generated/hello-feed

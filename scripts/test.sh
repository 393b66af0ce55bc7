#!/usr/bin/env bash
# Runs every test: native (parser, buffer, decoding, test server) and the browser suites in
# headless Chromium against the test server. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
source scripts/server.sh

echo "==> test: native (cargo test --workspace)"
cargo test --workspace

echo "==> test: browser (wasm-pack test --headless --chrome) against the test server"
start_server
echo "    test server at $SSE_SERVER_URL"
wasm-pack test --headless --chrome

echo "==> test: the npm package (JS API, typings, nginx+nchan) and the demo page in headless Chromium"
scripts/build-demo.sh
node --test tests/npm/ tests/demo/

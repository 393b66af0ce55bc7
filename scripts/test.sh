#!/usr/bin/env bash
# Runs every test: native (parser, buffer, decoding, test server) and the browser suites in
# headless Chromium against the test server. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
source scripts/server.sh

echo "==> test: native (cargo test --workspace)"
# The Leptos and Yew example apps are wasm front ends: they are built below, not tested natively.
cargo test --workspace --exclude leptos-feed --exclude yew-feed

echo "==> test: the Leptos hook rendered on the server (leptos/ssr, natively)"
cargo test -p wasm-sse --features leptos,leptos/ssr --test leptos_ssr

echo "==> test: each transport feature alone, and neither (the parser only), builds for wasm"
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features --features eventsource
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features --features fetch
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features

echo "==> test: differential check of the parser against eventsource-parser"
node --test tests/differential/

echo "==> test: browser (wasm-pack test --headless --chrome) against the test server"
start_server
echo "    test server at $SSE_SERVER_URL"
# leptos/csr: a library leaves Leptos' rendering mode to the app; the hook tests are that app.
wasm-pack test --headless --chrome -- --features leptos,leptos/csr,yew

echo "==> test: the Leptos and Yew examples build"
scripts/build-examples.sh --dev

echo "==> test: the npm package (JS API, the drop-in EventSource, typings, nginx+nchan), the demo page and a strict CSP in headless Chromium"
scripts/build-demo.sh
node --test tests/npm/ tests/demo/ tests/csp/

echo "==> test: the npm package in Node, Deno and Bun (their own test runners)"
node --test tests/runtimes/
node_modules/.bin/deno test --allow-net --allow-read --allow-env --no-check tests/runtimes/
node_modules/.bin/bun test tests/runtimes/

#!/usr/bin/env bash
# Runs every test: native (parser, buffer, decoding, test server) and the browser suites in
# headless Chromium against the test server. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
source scripts/server.sh

echo "==> test: lint (cargo fmt --check; clippy -D warnings, native and wasm32; cargo doc -D warnings; cargo publish --dry-run)"
cargo fmt --all --check
cargo clippy -p wasm-sse --all-targets -- -D warnings
cargo clippy -p wasm-sse --no-default-features --all-targets -- -D warnings
cargo clippy -p wasm-sse --target wasm32-unknown-unknown --lib --tests --features js,leptos,leptos/csr,yew,dioxus -- -D warnings
for feature in eventsource fetch; do
  cargo clippy -p wasm-sse --target wasm32-unknown-unknown --no-default-features --features "$feature" -- -D warnings
done
RUSTDOCFLAGS="-D warnings" cargo doc -p wasm-sse --no-deps --target wasm32-unknown-unknown --features js,leptos,leptos/csr,yew,dioxus
cargo publish --dry-run -p wasm-sse --allow-dirty
# The dry run unpacks a copy of the package there, tests/ included: no test runner may find it.
rm -rf target/package

echo "==> test: the parser alone, natively, with no web dependency"
web_deps=$(cargo tree -e normal -p wasm-sse --no-default-features --prefix none | grep -E '^(wasm-bindgen|web-sys|js-sys|gloo-timers) ' || true)
if [ -n "$web_deps" ]; then
  echo "wasm-sse without its transports still depends on: $web_deps" >&2
  exit 1
fi
cargo test -p wasm-sse --no-default-features --test native
printed=$(printf 'id: 1\nevent: tick\ndata: hello\ndata: world\n\n: ping\n' | cargo run -q -p wasm-sse --no-default-features --example sse_cat)
if [ "$printed" != "$(printf 'tick\t1\thello\\nworld\n: ping')" ]; then
  echo "examples/sse_cat.rs printed: $printed" >&2
  exit 1
fi

echo "==> test: native (cargo test --workspace)"
cargo test --workspace

echo "==> test: the Leptos and Dioxus hooks rendered on the server (natively)"
cargo test -p wasm-sse --features leptos,leptos/ssr --test leptos_ssr
cargo test -p wasm-sse --features dioxus,dioxus/ssr,dioxus/macro,dioxus/html --test dioxus_ssr

echo "==> test: each transport feature alone, and neither (the parser only), builds for wasm"
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features --features eventsource
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features --features fetch
cargo check --target wasm32-unknown-unknown -p wasm-sse --no-default-features

echo "==> test: differential check of the parser against eventsource-parser"
node --test tests/differential/

echo "==> test: browser (wasm-bindgen-test in headless Chromium) against the test server"
start_server
echo "    test server at $SSE_SERVER_URL"
# What `wasm-pack test --headless --chrome` runs, with scripts/wasm-test-runner.sh as the
# runner: it starts a run again whose test page never loaded (see there why).
# leptos/csr: a library leaves Leptos' rendering mode to the app; the hook tests are that app.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$PWD/scripts/wasm-test-runner.sh" WASM_BINDGEN_TEST_ONLY_WEB=1 \
  cargo test --target wasm32-unknown-unknown --features leptos,leptos/csr,yew,dioxus

echo "==> test: the Leptos, Yew and Dioxus examples build"
scripts/build-examples.sh --dev

echo "==> test: the npm package (JS API, the drop-in EventSource, typings, nginx+nchan), the demo page and a strict CSP in headless Chromium"
scripts/build-demo.sh
# The typings test also checks the bundler entry, which the demo does not build.
scripts/build-npm.sh bundler
node --test tests/npm/ tests/demo/ tests/csp/

echo "==> test: the npm package in Node, Deno and Bun (their own test runners)"
node --test tests/runtimes/
node_modules/.bin/deno test --allow-net --allow-read --allow-env --no-check tests/runtimes/
node_modules/.bin/bun test tests/runtimes/

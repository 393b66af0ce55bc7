#!/usr/bin/env bash
# Builds what the demo pages load: the npm package's pkg/web (the dashboard and the JavaScript
# chat import it by name; pkg/bundler is for bundlers, which the demo does not use), the Rust hello feed into www/generated/, and the Rust LLM chat
# example into examples/llm-chat/pkg/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/build-npm.sh web
echo "==> demo: building the hello feed (wasm-pack build --release --target web)"
wasm-pack --quiet build --release --target web --no-pack examples/hello-feed --out-dir ../../www/generated/hello-feed
echo "==> demo: building the LLM chat example (wasm-pack build --release --target web)"
wasm-pack --quiet build --release --target web --no-pack examples/llm-chat --out-dir pkg

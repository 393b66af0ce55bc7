#!/usr/bin/env bash
# Builds the demo page's wasm, starts the test server and serves the demo until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
source scripts/server.sh

scripts/build-demo.sh
SSE_SERVER_PORT="${PORT:-8080}" start_server release
echo
echo "    wasm-sse demo: $SSE_SERVER_URL/www/"
echo "    (a live market dashboard on the npm package, the hello feed, and any feed you point it at)"
echo "    LLM chat, streamed token by token from the test server's /v1/chat/completions:"
echo "      Rust:       $SSE_SERVER_URL/examples/llm-chat/"
echo "      JavaScript: $SSE_SERVER_URL/www/chat.html"
echo "    (Ctrl-C stops it)"
wait "$SSE_SERVER_PID"

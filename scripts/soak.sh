#!/usr/bin/env bash
# Reconnect soak, long version: tests/soak.rs in headless Chromium against the test server,
# with DISCONNECTS events in the /soak feed over each transport. Each connection is cut at a
# seeded random byte within its next three events: about three disconnects per four events.
#   scripts/soak.sh [DISCONNECTS (default 5000)] [SEED (default 1)]
# Prints one line of figures per transport: sent, received, lost, duplicated, out of order,
# corrupted, reconnects, JS heap and live wasm heap bytes before and after. CI runs the short version
# (200) with the other browser suites.
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-7200}"
source scripts/env.sh
source scripts/server.sh
export SOAK_DISCONNECTS="${1:-5000}" SOAK_SEED="${2:-1}"
start_server
echo "==> soak: $SOAK_DISCONNECTS events per transport, seed $SOAK_SEED, server $SSE_SERVER_URL"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$PWD/scripts/wasm-test-runner.sh"
cargo test --target wasm32-unknown-unknown --test soak -- --nocapture survives_random_cuts

# Sourced by the other scripts: tool versions and paths, in one place.
export WASM_BINDGEN_VERSION=0.2.130
export WASM_PACK_VERSION=0.15.1
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"

#!/usr/bin/env bash
# Installs whatever the demo, the tests and the benchmarks need and is missing; skips what is there.
# Safe to run again. Needs root (or sudo) only to install Chromium and nginx with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '==> setup: %s\n' "$*"; }

# Debian packages, as root or through sudo.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown: present"
else
  step "rust target wasm32-unknown-unknown: installing"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate pinned in Cargo.toml. `--locked` fails for this
# version (a locked dependency is gone from the registry), so it is installed without it.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
else
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: installing (a few minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$(wasm-pack --version 2>/dev/null || true)" = "wasm-pack $WASM_PACK_VERSION" ]; then
  step "wasm-pack $WASM_PACK_VERSION: present"
else
  step "wasm-pack $WASM_PACK_VERSION: installing (a few minutes)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  step "chromium and chromedriver: present"
else
  step "chromium and chromedriver: installing with apt-get"
  apt_install chromium chromium-driver
fi

if [ -d node_modules ] && npm ls --depth=0 >/dev/null 2>&1; then
  step "npm packages: present"
else
  step "npm packages: installing"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
if [ -x /usr/sbin/nginx ] && [ -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  step "nginx with nchan (a third-party SSE server for the tests): present"
else
  step "nginx with nchan (a third-party SSE server for the tests): installing with apt-get"
  apt_install --no-install-recommends nginx libnginx-mod-nchan
fi
step "done"

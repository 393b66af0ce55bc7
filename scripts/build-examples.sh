#!/usr/bin/env bash
# Builds the Leptos, Yew and Dioxus examples with wasm-pack into examples/*/pkg/ (not committed).
# The test server serves them at /examples/leptos-feed/, /examples/yew-feed/ and
# /examples/dioxus-feed/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
profile="${1:---release}"
for example in leptos-feed yew-feed dioxus-feed; do
  echo "==> examples: building $example (wasm-pack build $profile --target web)"
  wasm-pack --quiet build "$profile" --target web --no-pack "examples/$example" --out-dir pkg
done

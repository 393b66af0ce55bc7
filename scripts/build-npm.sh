#!/usr/bin/env bash
# Builds the npm package into pkg/ from the crate with its `js` feature: pkg/web (wasm-pack
# --target web: the package's main entry, `import init, { EventStream } from "wasm-sse"`) and
# pkg/bundler (--target bundler: `wasm-sse/bundler`, for bundlers that import .wasm as ESM).
# `scripts/build-npm.sh web` builds only the targets named (the demo serves pkg/web alone).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The package is built for speed (profile `speed`: the release profile at opt-level 3): it
# parses every byte of a stream, and opt-level 3 costs it ~1 KB gzip over "s" (docs/bench).
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(web bundler); fi
for target in "${targets[@]}"; do
  echo "==> npm: building pkg/$target (wasm-pack build --profile speed --target $target, feature js)"
  rm -rf "pkg/$target"
  wasm-pack --quiet build --profile speed --target "$target" --out-dir "pkg/$target" . --features js
  # pkg/$target is a folder of this package, not a package of its own: its package.json stays
  # (Node reads "type": "module" there, webpack its "sideEffects"); the rest wasm-pack writes
  # (a .gitignore of "*", copies of README and licences) would only shadow or repeat the root's.
  rm -f "pkg/$target/.gitignore" "pkg/$target/README.md" pkg/"$target"/LICENSE*
done
wasm="pkg/${targets[0]}/wasm_sse_bg.wasm"
echo "    $wasm: $(wc -c < "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"

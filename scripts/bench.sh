#!/usr/bin/env bash
# `npm run bench`: builds the release bits, then
#   1. sizes: gzip -9 of a minimal wasm-sse app's .wasm next to the same app on gloo-net;
#   2. parser throughput (criterion, native) against eventsource-stream and sse-codec;
#   3. the browser bench: every client against the test server's /bulk stream in one
#      headless Chromium, spoken to over the DevTools protocol without the Network domain;
#      then the same clients again over the same bytes as a static file served by nginx;
#   4. latency: from the server's write of a token to the page's code, 1,000 tokens 5 ms
#      apart, median and p99 per client (bench/latency.mjs);
# prints the tables and writes docs/bench/results.json and docs/bench/chart.svg.
#
# Options: --quick (1 round of 20,000 events, short parser runs), --rounds N, --count N,
#   --rows a,b (browser rows), --profile a,b (CPU-profile these rows, needs names: also
#   builds the wasm with --profiling), --memory N (cycles of the memory checks, 1000;
#   0 skips them), --no-parser, --no-size, --no-browser, --no-latency, --no-nginx (the browser
#   bench's second run, over a static file that nginx serves), --out DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/server.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

rounds=5 count=100000 out=docs/bench rows="" profile="" quick=""
parser=1 size=1 browser=1 memory=1000 latency=1 nginx=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 rounds=1 count=20000 memory=100 ;;
    --rounds) rounds="$2"; shift ;;
    --count) count="$2"; shift ;;
    --rows) rows="$2"; shift ;;
    --profile) profile="$2"; shift ;;
    --out) out="$2"; shift ;;
    --memory) memory="$2"; shift ;;
    --no-parser) parser="" ;;
    --no-size) size="" ;;
    --no-browser) browser="" ;;
    --no-latency) latency="" ;;
    --no-nginx) nginx="" ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

step() { printf '==> bench: %s\n' "$*" >&2; }
work="$CARGO_TARGET_DIR/bench"
mkdir -p "$work" "$out"
started=$SECONDS

scripts/setup.sh >&2
# The JS rivals and the bundler; a no-op once package.json lists them.
rivals=(@microsoft/fetch-event-source@2.0.1 eventsource-parser@4.1.3 esbuild@0.28.2)
if [ ! -d node_modules/@microsoft/fetch-event-source ] || [ ! -d node_modules/eventsource-parser ] ||
  [ ! -x node_modules/.bin/esbuild ]; then
  step "installing ${rivals[*]}"
  npm install --no-save --no-audit --no-fund "${rivals[@]}" >&2
fi

if [ -n "$size" ]; then
  step "sizes: wasm-pack build --release of bench/size-wasm-sse, bench/size-gloo and bench/size-floor"
  for app in size-wasm-sse size-gloo size-floor; do
    wasm-pack --quiet build --release --target web --no-pack "bench/$app" --out-dir "$work/$app" >&2
  done
  node bench/size.mjs "$work/size-wasm-sse" "$work/size-gloo" "$work/size-floor" > "$work/size.json"
fi

if [ -n "$parser" ]; then
  step "parser throughput: cargo bench --bench parser"
  rm -rf "$CARGO_TARGET_DIR/criterion"
  PARSER_BENCH_QUICK="$quick" PARSER_BENCH_INPUTS="$work/parser-inputs.json" \
    cargo bench -q --bench parser -- --noplot >"$work/criterion.log" 2>&1 ||
    { cat "$work/criterion.log" >&2; exit 1; }
  node bench/criterion.mjs "$CARGO_TARGET_DIR/criterion" "$work/parser-inputs.json" > "$work/parser.json"
fi

if [ -n "$browser" ]; then
  step "building the clients (wasm-pack, cargo's default release opt-level 3), the JS rivals (esbuild) and the test server (--release)"
  # The workspace's release profile is tuned for size; apps built for speed use opt-level 3,
  # cargo's default, and so do the speed rows (profile `speed`). Sizes above use `release`.
  build=(--profile speed)
  [ -n "$profile" ] && build=(--profiling)
  wasm-pack --quiet build "${build[@]}" --target web --no-pack bench/clients \
    --out-dir ../../www/generated/bench/clients >&2
  esbuild www/bench/rivals.js --bundle --format=esm --minify --log-level=warning \
    --outfile=www/generated/bench/rivals.js
  # The npm package's rows need pkg/ (`scripts/build-npm.sh` again after changing src/).
  if [ -x scripts/build-npm.sh ] && [ ! -f pkg/web/wasm_sse.js ]; then
    step "building the npm package (scripts/build-npm.sh)"
    scripts/build-npm.sh >&2
  fi
  start_server release
  step "browser: $rounds rounds of $count events"
  args=(--server "$SSE_SERVER_URL" --rounds "$rounds" --count "$count" --out "$out")
  [ -n "$rows" ] && args+=(--rows "$rows")
  [ -n "$profile" ] && args+=(--profile "$profile")
  [ "$memory" != 0 ] && args+=(--memory "$memory")
  for part in size parser; do
    [ -f "$work/$part.json" ] && args+=(--attach "$part=$work/$part.json")
  done
  node bench/run.mjs "${args[@]}"
  if [ -n "$nginx" ]; then
    step "browser again: the same bytes as a static file served by nginx (its chunking)"
    nginx_args=(--server "$SSE_SERVER_URL" --rounds "$rounds" --count "$count" --out "$out/nginx" --source nginx)
    [ -n "$rows" ] && nginx_args+=(--rows "$rows")
    node bench/run.mjs "${nginx_args[@]}"
  fi
fi
if [ -n "$browser" ] && [ -n "$latency" ]; then
  step "latency: tokens 5 ms apart, from the server's write to the page's code"
  latency_rounds=3
  [ -n "$quick" ] && latency_rounds=1
  node bench/latency.mjs --server "$SSE_SERVER_URL" --rounds "$latency_rounds" --out "$out"
fi
step "done in $((SECONDS - started)) s"

#!/usr/bin/env bash
# Fuzzes the parser (fuzz/fuzz_targets/parser.rs) for a chosen time, then merges what is new
# into the kept corpus and copies any failing input into fuzz/regressions/parser/, where
# tests/parser_regressions.rs replays it on every `cargo test`.
#   scripts/fuzz.sh [SECONDS (default 300)] [extra libFuzzer flags...]
# Needs nightly (`rustup toolchain install nightly --profile minimal`) and cargo-fuzz
# (`cargo install cargo-fuzz --locked`); both are installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
export PATH="$HOME/.cargo/bin:$PATH"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts" fuzz/regressions/parser
cp fuzz/corpus/parser/* "$work/corpus/"
echo "==> fuzz: parser for ${seconds}s (corpus $(ls fuzz/corpus/parser | wc -l) files)"
cd fuzz
status=0
cargo +nightly fuzz run -O parser "$work/corpus" -- \
  -dict=parser.dict -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
  -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
  2> "$work/log" || status=$?
grep -E '^Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|cov:' "$work/log" | tail -n 5
cd ..
found=0
for crash in "$work"/artifacts/*; do
  [ -e "$crash" ] || continue
  found=$((found + 1))
  cp "$crash" "fuzz/regressions/parser/$(basename "$crash")"
  echo "FOUND: fuzz/regressions/parser/$(basename "$crash")"
done
# Keep only inputs that add coverage to the kept corpus.
before=$(ls fuzz/corpus/parser | wc -l)
(cd fuzz && cargo +nightly fuzz run -O parser corpus/parser "$work/corpus" -- -merge=1 -max_len=4096 2>/dev/null)
echo "==> fuzz: corpus $before -> $(ls fuzz/corpus/parser | wc -l) files; findings: $found"
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
  tail -n 40 "$work/log" >&2
  exit 1
fi

#!/usr/bin/env bash
# Cargo's runner for the wasm32 test binaries (CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER):
# wasm-bindgen-test-runner, started again when its test page never gets to run the harness.
#
# Why: the runner serves the test page with tiny_http 0.12, whose thread pool can drop a
# connection when the browser opens five or more at once (a burst of `spawn`s all see the same
# stale count of idle threads, so the last one is queued behind connections the browser keeps
# alive). Its request then lies unread until Chromium gives the idle connection up, 300 s
# later, and the run fails with "Failed to detect test as having been run" while the page
# still says "Loading scripts...". The Dioxus suite, whose page imports seven JS snippets, hit
# it in about one run in five on a two-core machine.
#
# A run is started again only when no "running N tests" line appeared within
# WASM_TEST_LOAD_LIMIT seconds (default 60) and at most twice: a test that fails or hangs once
# the harness is running is never run again.
set -uo pipefail

load_limit="${WASM_TEST_LOAD_LIMIT:-60}"
attempts=3

for attempt in $(seq 1 "$attempts"); do
  log=$(mktemp)
  # Its own process group, so that a stalled run goes with its driver and browser.
  setsid wasm-bindgen-test-runner "$@" >"$log" 2>&1 &
  runner=$!
  tail -n +1 -f --pid="$runner" "$log" &
  printer=$!

  started=no
  for _ in $(seq 1 $((load_limit * 10))); do
    if grep -qE '^(running [0-9]+ tests?|no tests to run!)' "$log"; then
      started=yes
      break
    fi
    kill -0 "$runner" 2>/dev/null || { started=yes; break; }
    sleep 0.1
  done

  if [ "$started" = yes ]; then
    wait "$runner"
    status=$?
    wait "$printer" 2>/dev/null
    rm -f "$log"
    exit "$status"
  fi

  kill -- "-$runner" 2>/dev/null
  wait "$runner" 2>/dev/null
  kill "$printer" 2>/dev/null
  wait "$printer" 2>/dev/null
  rm -f "$log"
  echo
  echo "wasm-test-runner: the test page did not start the harness within ${load_limit} s" \
    "(attempt $attempt of $attempts; see scripts/wasm-test-runner.sh)" >&2
done
exit 1

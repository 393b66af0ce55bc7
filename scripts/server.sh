# Sourced: start_server builds and starts the test server on a free port and exports
# SSE_SERVER_URL; it is stopped when the calling script exits.
start_server() {
  local profile="${1:-debug}" flag=""
  [ "$profile" = release ] && flag="--release"
  cargo build -q -p sse-server $flag
  local port_file
  port_file="$(mktemp)"
  rm -f "$port_file"
  "${CARGO_TARGET_DIR:-target}/$profile/sse-server" --port "${SSE_SERVER_PORT:-0}" --root . --port-file "$port_file" >&2 &
  SSE_SERVER_PID=$!
  trap 'kill "$SSE_SERVER_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  [ -s "$port_file" ] || { echo "the test server did not start" >&2; return 1; }
  export SSE_SERVER_URL="http://127.0.0.1:$(cat "$port_file")"
  rm -f "$port_file"
}

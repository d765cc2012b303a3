# Sourced by .ci/openapi/run: `start NAME BINARY` runs an example server
# with PORT=0 and sets `$base` to the address it prints; `stop_all` ends
# them. Logs go to "$work/NAME.log".

servers=()

start() {
  local name=$1 binary=$2
  PORT=0 "$binary" >"$work/$name.log" 2>&1 &
  servers+=($!)
  local pid=$!
  base=
  for _ in $(seq 300); do
    base=$(grep -o -m1 'listening on http://127\.0\.0\.1:[0-9]*' "$work/$name.log" \
      | sed 's/^listening on //') || true
    [ -n "$base" ] && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$work/$name.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$name printed no address within 30 s" >&2
  return 1
}

stop_all() {
  local pid
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  servers=()
}

#!/usr/bin/env bash
# Requests per second on 127.0.0.1: each variant of benches/hot_path.rs is
# served (multi-thread runtime) and loaded by wrk (2 threads, 32
# connections, a valid incoming X-Request-ID), variants interleaved over
# ROUNDS rounds so machine noise spreads evenly; prints the median of each
# and its ratio to bare axum.
#   benches/loopback.sh            (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECONDS_EACH=${SECONDS_EACH:-5}
PORT=${PORT:-3917}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p qh-bench --bench hot_path >/dev/null 2>&1
bin=$(ls -t target/release/deps/hot_path-* | grep -v '\.d$' | head -1)
variants=(bare tower_http qh_endpoint qh_layer qh_layer_endpoint)
declare -A results
for round in $(seq "$ROUNDS"); do
  for v in "${variants[@]}"; do
    QH_SERVE="$v:$PORT" "$bin" & pid=$!
    for _ in $(seq 50); do
      (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
      sleep 0.1
    done
    rps=$(wrk -t2 -c32 -d"${SECONDS_EACH}s" -H 'X-Request-ID: 0b7e6a52-3c55-4f3c-9d6e-8b1f1f4e2a10' \
      "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print $2}')
    kill "$pid"; wait "$pid" 2>/dev/null || true
    results[$v]+="$rps "
    echo "round $round $v $rps" >&2
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${results[bare]}" | median)
printf '%-20s %12s %8s\n' variant req/s ratio
for v in "${variants[@]}"; do
  m=$(echo "${results[$v]}" | median)
  printf '%-20s %12.0f %8.2f\n' "$v" "$m" "$(echo "$m / $base" | bc -l)"
done

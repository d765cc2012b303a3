#!/usr/bin/env bash
# Requests per second on 127.0.0.1: each variant of benches/hot_path.rs is
# served (multi-thread runtime) and loaded by wrk (2 threads, 32
# connections, a valid incoming X-Request-ID), variants interleaved over
# ROUNDS rounds so machine noise spreads evenly; prints the median of each,
# its ratio to bare axum (of the same build), and the median and range of
# its ratio to bare in the same round (paired: a round's drift cancels).
#   benches/loopback.sh                     (needs wrk: apt-get install wrk)
#   BINS="before=/path/hot_path after=/path/hot_path" benches/loopback.sh
#                                           (builds side by side, interleaved)
#   PIN=1 benches/loopback.sh              (server on CPU 0, wrk with one
#                                           thread on CPU 1: on a 2-core
#                                           machine the two stop trading
#                                           cores, and rounds spread less)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECONDS_EACH=${SECONDS_EACH:-5}
PORT=${PORT:-3917}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if [ -z "${BINS:-}" ]; then
  cargo build --release -p qh-bench --bench hot_path >/dev/null 2>&1
  BINS="this=$(ls -t target/release/deps/hot_path-* | grep -v '\.d$' | head -1)"
fi
variants=(${VARIANTS:-bare tower_http qh_endpoint qh_layer_endpoint})
declare -A by_round
for round in $(seq "$ROUNDS"); do
  for v in "${variants[@]}"; do
    for entry in $BINS; do
      build=${entry%%=*} bin=${entry#*=}
      if [ -n "${PIN:-}" ]; then
        QH_SERVE="$v:$PORT" taskset -c 0 "$bin" & pid=$!
        load=(taskset -c 1 wrk -t1)
      else
        QH_SERVE="$v:$PORT" "$bin" & pid=$!
        load=(wrk -t2)
      fi
      for _ in $(seq 50); do
        (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
        sleep 0.1
      done
      rps=$("${load[@]}" -c32 -d"${SECONDS_EACH}s" -H 'X-Request-ID: 0b7e6a52-3c55-4f3c-9d6e-8b1f1f4e2a10' \
        "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print $2}')
      kill "$pid"; wait "$pid" 2>/dev/null || true
      if [ -z "$rps" ]; then
        echo "round $round $build $v: wrk reported no rate; left out" >&2
        continue
      fi
      by_round[$build:$v:$round]=$rps
      echo "round $round $build $v $rps" >&2
    done
  done
done
# Every round's rate of a build's variant, one a line (a left-out round
# has none).
rates() {
  local round
  for round in $(seq "$ROUNDS"); do
    if [ -n "${by_round[$1:$2:$round]:-}" ]; then echo "${by_round[$1:$2:$round]}"; fi
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# "median min max" of a variant's ratio to bare in the same round, over
# the rounds where both have a rate.
paired() {
  local build=$1 v=$2 round mine base
  for round in $(seq "$ROUNDS"); do
    mine=${by_round[$build:$v:$round]:-} base=${by_round[$build:bare:$round]:-}
    if [ -n "$mine" ] && [ -n "$base" ]; then echo "$mine $base"; fi
  done | awk '$2 > 0 {print $1 / $2}' | sort -n |
    awk '{a[NR]=$1} END {if (NR) printf "%.3f %.3f %.3f", a[int((NR+1)/2)], a[1], a[NR]; else print "- - -"}'
}
printf '%-8s %-20s %12s %8s %8s %15s\n' build variant req/s ratio paired "paired range"
for entry in $BINS; do
  build=${entry%%=*}
  base=$(rates "$build" bare | median)
  for v in "${variants[@]}"; do
    m=$(rates "$build" "$v" | median)
    read -r pm plo phi <<<"$(paired "$build" "$v")"
    printf '%-8s %-20s %12.0f %8.2f %8s %15s\n' "$build" "$v" "$m" "$(echo "$m / $base" | bc -l)" \
      "$pm" "${plo}-${phi}"
  done
done

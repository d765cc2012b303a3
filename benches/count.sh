#!/usr/bin/env bash
# Instructions per request for each variant of benches/hot_path.rs, counted
# by callgrind (repeatable on a noisy machine): the bench binary runs a
# variant N times in counting mode; two runs (1,000 and 3,000 requests) are
# subtracted so start-up cost cancels out.
#   benches/count.sh [variant ...]     (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p qh-bench --bench hot_path >/dev/null 2>&1
bin=$(ls -t target/release/deps/hot_path-* | grep -v '\.d$' | head -1)
variants=("$@")
[ ${#variants[@]} -eq 0 ] && variants=(bare bare_layered twin tower_http qh_endpoint qh_layer qh_layer_endpoint)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-20s %10s %10s\n' variant incoming generated
for v in "${variants[@]}"; do
  line=$(printf '%-20s' "$v")
  for mode in incoming generated; do
    totals=()
    for n in 1000 3000; do
      QH_COUNT="$v:$mode" QH_COUNT_N=$n valgrind --tool=callgrind \
        --callgrind-out-file="$out/cg" "$bin" >/dev/null 2>&1
      totals+=("$(grep -E '^(summary|totals):' "$out/cg" | head -1 | awk '{print $2}')")
    done
    line+=$(printf ' %10d' $(( (totals[1] - totals[0]) / 2000 )))
  done
  echo "$line"
done

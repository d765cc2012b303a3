#!/usr/bin/env bash
# Instructions and allocations per request for each variant of
# benches/hot_path.rs. Instructions are counted by callgrind (repeatable on
# a noisy machine): the bench binary runs a variant N times in counting
# mode; two runs (200 and 2,200 requests) are subtracted so start-up cost
# cancels out. Allocations are counted natively by the binary's counting
# allocator (1,000 requests after 200 to warm up).
#   benches/count.sh [variant ...]     (default: all)
#   BIN=path/to/hot_path benches/count.sh …   (a binary built elsewhere)
#   BENCH=grpc benches/count.sh               (benches/grpc.rs: a gRPC call)
#   FEATURES=metrics benches/count.sh qh_layer qh_layer_metrics
#                                             (metrics on, beside the same layer without)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-hot_path}
if [ -z "${BIN:-}" ]; then
  cargo build --release -p qh-bench --bench "$BENCH" ${FEATURES:+--features "$FEATURES"} >/dev/null 2>&1
  BIN=$(ls -t target/release/deps/"$BENCH"-* | grep -v '\.d$' | head -1)
fi
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  case "$BENCH" in
    grpc) variants=(tonic tower_http tower_http_two_layers qh floor) ;;
    *) variants=(bare bare_layered noop_layer twin tower_http tower_http_two_layers
      qh_endpoint floor_endpoint qh_layer qh_layer_endpoint floor_layer tower_http_logged qh_logged
      tower_http_stream qh_stream tower_http_stream_logged qh_stream_logged
      axum_add qh_add json_add floor_add) ;;
  esac
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-26s %10s %10s %8s %8s\n' variant incoming generated allocs:in allocs:gen
for v in "${variants[@]}"; do
  line=$(printf '%-26s' "$v")
  allocs=""
  for mode in incoming generated; do
    totals=()
    for n in 200 2200; do
      QH_COUNT="$v:$mode" QH_COUNT_N=$n valgrind --tool=callgrind \
        --callgrind-out-file="$out/cg" "$BIN" >/dev/null 2>&1
      totals+=("$(grep -E '^(summary|totals):' "$out/cg" | head -1 | awk '{print $2}')")
    done
    line+=$(printf ' %10d' $(( (totals[1] - totals[0]) / 2000 )))
    if [ "$BENCH" = hot_path ]; then
      allocs+=$(printf ' %8s' "$(QH_COUNT="$v:$mode" QH_COUNT_N=1000 QH_ALLOCS=1 "$BIN")")
    fi
  done
  echo "$line$allocs"
done

#!/usr/bin/env bash
# Times `cargo check` and debug `cargo build` of each crate benches/compile/
# gen.sh writes, dependencies prebuilt: only the crate's own code is timed
# (its source is touched before every run). Rounds interleave the crates so
# a busy machine slows them alike; the table gives each one's median CPU
# time (user + system of cargo and rustc: what the compile costs, whatever
# else the machine runs) and median wall time.
#   benches/compile/time.sh [rounds] [crate ...]   (default: 3, all three)
# QH_PATH=<checkout> times another checkout's qh (see gen.sh), in its own
# directory QH_BENCH_DIR (default target/compile-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$("$root/benches/compile/gen.sh" "${QH_BENCH_DIR:-$root/target/compile-bench}")
rounds=${1:-3}
shift || true
crates=("$@")
[ ${#crates[@]} -eq 0 ] && crates=(qh_100 axum_100 qh_1000)
# qh's own target directory: the dependencies its tests built are reused.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cd "$dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# One untimed build of everything, so only the crates themselves are left.
for c in "${crates[@]}"; do
  for cmd in check build; do
    cargo "$cmd" -q -p "$c" >"$log" 2>&1 || { echo "$c: cargo $cmd failed:"; tail -20 "$log"; exit 1; }
  done
done

declare -A cpu wall
TIMEFORMAT='%R %U %S'
for ((r = 1; r <= rounds; r++)); do
  for cmd in check build; do
    for c in "${crates[@]}"; do
      touch "$c/src/lib.rs"
      read -r real user sys < <({ time cargo "$cmd" -q -p "$c" >"$log" 2>&1; } 2>&1)
      cpu[$c/$cmd]+="$(echo "$user + $sys" | bc) "
      wall[$c/$cmd]+="$real "
    done
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)]}'; }
printf '%-10s %10s %10s %10s %10s\n' crate 'check cpu' 'build cpu' 'check wall' 'build wall'
for c in "${crates[@]}"; do
  printf '%-10s %9ss %9ss %9ss %9ss   cpu runs: %s| %s\n' "$c" \
    "$(echo "${cpu[$c/check]}" | median)" "$(echo "${cpu[$c/build]}" | median)" \
    "$(echo "${wall[$c/check]}" | median)" "$(echo "${wall[$c/build]}" | median)" \
    "${cpu[$c/check]}" "${cpu[$c/build]}"
done

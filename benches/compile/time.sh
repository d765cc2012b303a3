#!/usr/bin/env bash
# Times `cargo check` and debug `cargo build` of each crate benches/compile/
# gen.sh writes, dependencies prebuilt, so only the crate's own code is
# timed, two ways:
#   incremental  one handler's text edited, rustc's incremental cache on
#                (what an edit costs while working);
#   scratch      the source touched, CARGO_INCREMENTAL=0 (the whole crate).
# Rounds interleave the crates so a busy machine slows them alike; the table
# gives each one's median CPU time (user + system of cargo and rustc: what
# the compile costs, whatever else the machine runs).
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

# Edits the first handler's text: its format string gains or loses a space.
edit() {
  if grep -q '(0, {' "$1"; then
    sed -i 's/(0, {/(0,  {/' "$1"
  else
    sed -i 's/(0,  {/(0, {/' "$1"
  fi
}

declare -A cpu
TIMEFORMAT='%R %U %S'
for ((r = 1; r <= rounds; r++)); do
  for mode in incremental scratch; do
    for cmd in check build; do
      for c in "${crates[@]}"; do
        if [ "$mode" = incremental ]; then
          edit "$c/src/main.rs"
          inc=1
        else
          touch "$c/src/main.rs"
          inc=0
        fi
        read -r _ user sys < <({ time CARGO_INCREMENTAL=$inc cargo "$cmd" -q -p "$c" >"$log" 2>&1; } 2>&1)
        cpu[$c/$mode/$cmd]+="$(echo "$user + $sys" | bc) "
      done
    done
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)]}'; }
printf 'median CPU seconds of %d rounds\n' "$rounds"
printf '%-10s %12s %12s %12s %12s\n' crate 'check inc' 'build inc' 'check full' 'build full'
for c in "${crates[@]}"; do
  printf '%-10s %11ss %11ss %11ss %11ss\n' "$c" \
    "$(echo "${cpu[$c/incremental/check]}" | median)" "$(echo "${cpu[$c/incremental/build]}" | median)" \
    "$(echo "${cpu[$c/scratch/check]}" | median)" "$(echo "${cpu[$c/scratch/build]}" | median)"
done

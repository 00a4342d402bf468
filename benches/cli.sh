#!/usr/bin/env bash
# Whole-process wall time and peak memory of `kbcheck check` on generated topologies.
#
#   bash benches/cli.sh [SIZES...]        (default: 10000 100000 1000000)
#
# Generates target/bench-data/topology-N.{yaml,json} if missing, builds release binaries, and
# prints one Markdown row per (size, format): median of 3 wall times and the peak RSS, for the
# raw parse floor (`parse_floor` example) and for `kbcheck check` with all bundled rules.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
cargo build --release --quiet --bin kbcheck --example gen_topology --example parse_floor
mkdir -p target/bench-data
bin=target/release
measure() { # prints "seconds kilobytes" of the median run
  local runs=()
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o target/bench-data/.time "$@" > /dev/null 2>&1 || true
    runs+=("$(cat target/bench-data/.time)")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
echo "| nodes | format | file MB | raw parse s | raw parse MB | check s | check MB | time ratio | memory ratio |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  for fmt in yaml json; do
    f=target/bench-data/topology-$n.$fmt
    [ -f "$f" ] || $bin/examples/gen_topology --nodes "$n" --seed 7 --format "$fmt" > "$f"
    read -r rt rm < <(measure $bin/examples/parse_floor "$f")
    read -r ct cm < <(measure $bin/kbcheck check --format json --fail-on never "$f")
    mb=$(du -m "$f" | cut -f1)
    awk -v n="$n" -v f="$fmt" -v mb="$mb" -v rt="$rt" -v rm="$rm" -v ct="$ct" -v cm="$cm" 'BEGIN {
      printf "| %d | %s | %d | %.2f | %.0f | %.2f | %.0f | %.2fx | %.2fx |\n", n, f, mb, rt, rm/1024, ct, cm/1024, ct/(rt>0?rt:1e-9), cm/(rm>0?rm:1)
    }'
  done
done

#!/usr/bin/env bash
# Each report format against the JSON one, on the same generated topology, in one interleaved
# run (json, human, json, markdown, ...), so a machine that other work slows down slows every
# format alike; then one check writing every format (`--output-format`) against six checks.
#
#   bash benches/formats.sh [SIZE] [RUNS]        (default: 100000 3)
#
# Prints one Markdown row per format: the median wall time, its ratio to the median of the
# JSON runs interleaved with it, the peak RSS and the report's size.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-3}
cargo build --release --quiet --bin kbcheck --example gen_topology
mkdir -p target/bench-data
f=target/bench-data/topology-$n.yaml
[ -f "$f" ] || target/release/examples/gen_topology --nodes "$n" --seed 7 --format yaml > "$f"
bin=target/release/kbcheck
out=target/bench-data/report
once() { # format -> "seconds kilobytes"
  /usr/bin/time -f "%e %M" -o target/bench-data/.time \
    $bin check --no-config --fail-on never --format "$1" --output "$out.$1" "$f" > /dev/null 2>&1 || true
  cat target/bench-data/.time
}
median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }
declare -A times mem
for fmt in human sarif junit markdown github html; do
  js=() ts=()
  for _ in $(seq "$runs"); do
    read -r t _ < <(once json); js+=("$t")
    read -r t m < <(once "$fmt"); ts+=("$t"); mem[$fmt]=$m
  done
  times[json-$fmt]=$(printf '%s\n' "${js[@]}" | median)
  times[$fmt]=$(printf '%s\n' "${ts[@]}" | median)
done
echo "| format | check s | JSON s (interleaved) | ratio | peak MB | report bytes |"
echo "|---|---:|---:|---:|---:|---:|"
for fmt in human sarif junit markdown github html; do
  awk -v f="$fmt" -v t="${times[$fmt]}" -v j="${times[json-$fmt]}" -v m="${mem[$fmt]}" \
      -v b="$(stat -c %s "$out.$fmt")" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.2fx | %.0f | %d |\n", f, t, j, t / j, m / 1024, b
  }'
done
all=()
for fmt in json sarif junit markdown github html; do all+=(--output-format "$fmt=$out.all.$fmt"); done
one=() six=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e" -o target/bench-data/.time \
    $bin check --no-config --fail-on never --format human "${all[@]}" "$f" > /dev/null 2>&1 || true
  one+=("$(cat target/bench-data/.time)")
  s=0
  for fmt in human json sarif junit markdown github html; do
    read -r t _ < <(once "$fmt"); s=$(awk -v a="$s" -v b="$t" 'BEGIN { print a + b }')
  done
  six+=("$s")
done
awk -v o="$(printf '%s\n' "${one[@]}" | median)" -v s="$(printf '%s\n' "${six[@]}" | median)" 'BEGIN {
  printf "\nOne check writing all seven formats: %.2f s; seven checks, one per format: %.2f s (%.2fx)\n", o, s, s / o
}'

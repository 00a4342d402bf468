#!/usr/bin/env bash
# Input shapes that used to cost more than their size: whole-process wall time and peak RSS of
# `kbcheck check`, median of 3, every program's run k before any run k+1 (interleaved).
#
#   bash benches/shapes.sh [KBCHECK [OTHER_KBCHECK ...]]   (default: target/release/kbcheck)
#
# Give an older build as OTHER_KBCHECK to compare before/after in the same run. Sizes come from
# the environment: NODES (default 100000; pretty vs minified JSON), REFUSE_NODES
# (30000) and REFUSED (10000) for the files with vocabulary errors and with references that name
# no node, CHAINS ("2000 4000 8000 16000").
# Inputs are generated into target/bench-data/ by examples/gen_topology.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(target/release/kbcheck)
NODES=${NODES:-100000}
REFUSE_NODES=${REFUSE_NODES:-30000}
REFUSED=${REFUSED:-10000}
CHAINS=${CHAINS:-2000 4000 8000 16000}
gen=target/release/examples/gen_topology
[ -x "$gen" ] || cargo build --release --quiet --example gen_topology
d=target/bench-data
mkdir -p "$d"
make() { # file, generator arguments...
  local f=$1; shift
  [ -s "$f" ] || "$gen" "$@" > "$f"
}
make "$d/topology-$NODES.json" --nodes "$NODES" --seed 7 --format json
make "$d/topology-$NODES.min.json" --nodes "$NODES" --seed 7 --format json-min
make "$d/topology-$REFUSE_NODES.yaml" --nodes "$REFUSE_NODES" --seed 7 --format yaml
make "$d/refused-$REFUSE_NODES-$REFUSED.yaml" --nodes "$REFUSE_NODES" --seed 7 --format yaml --vocab-errors "$REFUSED"
make "$d/dangling-$REFUSE_NODES-$REFUSED.yaml" --nodes "$REFUSE_NODES" --seed 7 --format yaml --ref-errors "$REFUSED"
for n in $CHAINS; do make "$d/chain-$n.yaml" --nodes "$n" --seed 7 --format yaml --shape chain; done

cases=()
args=()
add() { cases+=("$1"); shift; args+=("$*"); }
add "pretty JSON, $NODES nodes" check --format json --fail-on never "$d/topology-$NODES.json"
add "minified JSON, $NODES nodes" check --format json --fail-on never "$d/topology-$NODES.min.json"
add "valid YAML, $REFUSE_NODES nodes" check --format json --fail-on never "$d/topology-$REFUSE_NODES.yaml"
add "YAML with $REFUSED refused values (human)" check "$d/refused-$REFUSE_NODES-$REFUSED.yaml"
add "YAML with $REFUSED parents naming no node (human)" check "$d/dangling-$REFUSE_NODES-$REFUSED.yaml"
for n in $CHAINS; do add "chain of $n postoffices" check --format json --fail-on never "$d/chain-$n.yaml"; done
# The 1,000 generated rules are measured in-process by `cargo bench --bench phases` (evaluation
# only); as a whole `check` (about 2 million findings, report included) by benches/findings.sh.

declare -A wall rss
for run in 1 2 3; do
  for b in "${bins[@]}"; do
    for i in "${!cases[@]}"; do
      # shellcheck disable=SC2086 # the arguments are words without spaces
      /usr/bin/time -f "%e %M" -o "$d/.time" "$b" ${args[$i]} > /dev/null 2>&1 || true
      read -r w m < <(tail -n 1 "$d/.time")
      wall["$b|$i"]+="$w "
      rss["$b|$i"]+="$m "
    done
  done
done
median() { tr ' ' '\n' | grep . | sort -g | sed -n 2p; }
echo "| case | program | wall s | peak MB |"
echo "|---|---|---:|---:|"
for i in "${!cases[@]}"; do
  for b in "${bins[@]}"; do
    w=$(echo "${wall["$b|$i"]}" | median)
    m=$(echo "${rss["$b|$i"]}" | median)
    printf '| %s | %s | %.2f | %.0f |\n' "${cases[$i]}" "$b" "$w" "$(awk -v m="$m" 'BEGIN { print m / 1024 }')"
  done
done

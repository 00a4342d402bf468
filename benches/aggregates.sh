#!/usr/bin/env bash
# Aggregates over relations (`{count: true, over: REL}`, `{sum: F, over: REL}`): whole-process
# wall time of `kbcheck check`, median of 3, with one extra rule against the bundled rules alone.
#
#   bash benches/aggregates.sh [KBCHECK]   (default: target/release/kbcheck)
#
# Two shapes: a one-hop sum from each server over its postoffices on the generated clusters
# (NODES, default 100000: linear), and a count over `hops: any` from each postoffice of a chain
# (CHAINS, default "1000 2000 4000": every postoffice reaches those after it, N²/2 steps),
# next to the same walk as a `related:` quantifier, which the closure answers in linear time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/kbcheck}
NODES=${NODES:-100000}
CHAINS=${CHAINS:-1000 2000 4000}
gen=target/release/examples/gen_topology
[ -x "$gen" ] || cargo build --release --quiet --example gen_topology
d=target/bench-data
r=$d/aggregate-rules
mkdir -p "$d" "$r/one-hop" "$r/chain-sum" "$r/chain-any"
[ -s "$d/topology-$NODES.yaml" ] || "$gen" --nodes "$NODES" --seed 7 --format yaml > "$d/topology-$NODES.yaml"
for n in $CHAINS; do
  [ -s "$d/chain-$n.yaml" ] || "$gen" --nodes "$n" --seed 7 --format yaml --shape chain > "$d/chain-$n.yaml"
done
rule() { # folder, select kind, when
  cat > "$r/$1/rule.yaml" <<RULE
id: BENCH-$1
title: bench
select: {kind: $2}
when: $3
severity: info
message: "{id}"
RULE
}
rule one-hop server '{value: {count: true, over: {via: children, kind: postoffice}}, gt: 1000}'
rule chain-sum postoffice '{value: {count: true, over: {links: [external-postoffice], direction: out, hops: any}}, gt: 100000000}'
rule chain-any postoffice '{related: {links: [external-postoffice], direction: out, hops: any, kind: server}}'

median() { # command...
  local ts=()
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N)
    ts+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p
}
printf '| input | bundled rules | + aggregate | + `related` quantifier |\n|---|---:|---:|---:|\n'
t0=$(median "$bin" check --format json --fail-on never "$d/topology-$NODES.yaml")
t1=$(median "$bin" check --format json --fail-on never --rules "$r/one-hop" "$d/topology-$NODES.yaml")
printf '| %s nodes, one hop from each server | %.2f s | %.2f s | — |\n' "$NODES" "$t0" "$t1"
for n in $CHAINS; do
  t0=$(median "$bin" check --format json --fail-on never "$d/chain-$n.yaml")
  t1=$(median "$bin" check --format json --fail-on never --rules "$r/chain-sum" "$d/chain-$n.yaml")
  t2=$(median "$bin" check --format json --fail-on never --rules "$r/chain-any" "$d/chain-$n.yaml")
  printf '| chain of %s postoffices, `hops: any` from each | %.2f s | %.2f s | %.2f s |\n' "$n" "$t0" "$t1" "$t2"
done

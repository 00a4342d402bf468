#!/usr/bin/env bash
# Findings at scale (issue 19): whole-process wall time, CPU time, peak RSS and output size of
# `kbcheck check` on a 100k-node topology with rules that fire on a large share of it.
#
#   bash benches/findings.sh [KBCHECK [OTHER_KBCHECK ...]]   (default: target/release/kbcheck)
#
# Cases (each run once per program: the big ones take minutes):
#   bundled       the bundled rules only
#   share         + SHARE rules that fire on every postoffice (hundreds of thousands of findings)
#   million       + MILLION such rules (about a million findings)
#   quiet         + MILLION rules that test every postoffice the same way but never fire
#                 (what evaluating the rules costs without their findings)
#   variants      + the 1,000 generated rule variants (`gen_topology --rules 1000`)
# plus the million case in SARIF and in human output. Each program runs under a virtual
# memory limit (LIMIT_GB, default 12) so a build that would exhaust the machine aborts
# instead. Per finding: (million - quiet) / (findings of million - findings of quiet): the
# cost of the findings alone; (case - bundled) / (extra findings) adds evaluating the rules.
# NODES (default 100000), SHARE (default 8), MILLION (default 18) come from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(target/release/kbcheck)
NODES=${NODES:-100000}
SHARE=${SHARE:-8}
MILLION=${MILLION:-18}
LIMIT_GB=${LIMIT_GB:-12}
gen=target/release/examples/gen_topology
[ -x "$gen" ] || cargo build --release --quiet --example gen_topology
d=target/bench-data
mkdir -p "$d"
topo="$d/topology-$NODES.json"
[ -s "$topo" ] || "$gen" --nodes "$NODES" --seed 7 --format json > "$topo"
[ -s "$d/rules-1000/GEN-0999.yaml" ] || "$gen" --rules 1000 "$d/rules-1000"

# Rules that fire on every postoffice (the generator names them all `PO…`).
fire_rules() { # dir, count, pattern
  rm -rf "$1"
  mkdir -p "$1"
  for ((i = 0; i < $2; i++)); do
    printf 'id: FIRE-%03d\ntitle: Fires on every postoffice\nkb: [Q%d]\nseverity: warning\nmessage: rule %d fired on `{id}` (`{name}`)\nselect: {kind: postoffice}\nwhen: {field: name, matches: "%s"}\n' \
      "$i" "$((900000 + i))" "$i" "$3" > "$1/FIRE-$(printf %03d "$i").yaml"
  done
}
fire_rules "$d/fire-share" "$SHARE" "^PO"
fire_rules "$d/fire-million" "$MILLION" "^PO"
fire_rules "$d/fire-quiet" "$MILLION" "^QQ"

cases=()
args=()
add() { cases+=("$1"); shift; args+=("$*"); }
add "bundled, json" --format json
add "share ($SHARE rules), json" --format json --rules "$d/fire-share"
add "quiet ($MILLION rules, no findings), json" --format json --rules "$d/fire-quiet"
add "million ($MILLION rules), json" --format json --rules "$d/fire-million"
add "million ($MILLION rules), sarif" --format sarif --rules "$d/fire-million"
add "million ($MILLION rules), human" --format human --rules "$d/fire-million"
add "1,000 variants, json" --format json --rules "$d/rules-1000"

out="$d/findings-out"
echo "| case | program | findings | wall s | CPU s | peak MB | output MB | result |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
for i in "${!cases[@]}"; do
  for b in "${bins[@]}"; do
    rm -f "$out"
    set +e
    # shellcheck disable=SC2086 # the arguments are words without spaces
    (ulimit -v $((LIMIT_GB * 1024 * 1024)); /usr/bin/time -v -o "$d/.time" \
      "$b" check --fail-on never ${args[$i]} --output "$out" "$topo" > /dev/null 2> "$d/.err")
    code=$?
    set -e
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s }' "$d/.time")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$d/.time")
    rss=$(awk -F': ' '/Maximum resident/ { print $2 / 1024 }' "$d/.time")
    size=$(stat -c %s "$out" 2> /dev/null || echo 0)
    n=$(grep -m1 -o '"total": [0-9]*' "$out" 2> /dev/null | grep -o '[0-9]*$' || true)
    [ -n "$n" ] || n=$(grep -m1 -o '"line": "kbcheck [a-z]*: [0-9]* failing, [0-9]* not failing' "$out" 2> /dev/null \
      | awk '{ print $4 + $6 }' || true)
    [ -n "$n" ] || n=$(grep -o '[0-9]* error[s]*, [0-9]* warning[s]*, [0-9]* info' "$out" 2> /dev/null \
      | tail -n 1 | awk '{ print $1 + $3 + $5 }' || true)
    result="exit $code"
    [ "$code" -le 1 ] || result="exit $code: $(grep -m1 -o -i 'memory allocation[^)]*\|too_many_findings\|killed' "$d/.err" || head -c 80 "$d/.err")"
    printf '| %s | %s | %s | %.1f | %.1f | %.0f | %.1f | %s |\n' "${cases[$i]}" "$b" "${n:-—}" "$wall" "$cpu" "$rss" \
      "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" "$result"
  done
done
rm -f "$out"

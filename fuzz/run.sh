#!/usr/bin/env bash
# Run one fuzz target with its seed corpora and the dictionary:
#   fuzz/run.sh TARGET [SECONDS]      (TARGET: topology, rule or check; default 600 s)
# New inputs go to fuzz/corpus/TARGET/; a crash, hang or out-of-memory input is written to
# fuzz/artifacts/TARGET/ and stops the run. Needs cargo-fuzz; only a stable toolchain is
# installed here, so RUSTC_BOOTSTRAP=1 lets it use the nightly flags it needs.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh topology|rule|check [SECONDS]}
seconds=${2:-600}
case "$target" in
  topology | check) seeds=(../examples ../tests/fixtures/topologies ../tests/fuzz-regressions/"$target") ;;
  rule) seeds=(../rules ../tests/fixtures/rules-bad ../tests/fixtures/pack-site ../tests/fuzz-regressions/rule) ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
existing=()
for s in "${seeds[@]}"; do [ -d "$s" ] && existing+=("$s"); done
mkdir -p "corpus/$target"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "corpus/$target" "${existing[@]}" -- \
  -dict=kbcheck.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1

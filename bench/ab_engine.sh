#!/usr/bin/env bash
# A/B timing of two builds' float engines on one model: alternates OLD and NEW `fxq_bench_engine --profile`
# runs ROUNDS times (so a drift of the machine's speed hits both) and prints, per build and thread count,
# the median over the rounds of each run's whole-run median.
# usage: bench/ab_engine.sh OLD_BENCH NEW_BENCH MODEL.onnx [ROUNDS=6] [REPS=30] [THREADS="1 2"]
# (OLD_BENCH / NEW_BENCH: two fxq_bench_engine binaries, e.g. a copy of the old one in /tmp)
set -euo pipefail
if [[ $# -lt 3 ]]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
old=$1 new=$2 model=$3 rounds=${4:-6} reps=${5:-30} threads=${6:-"1 2"}
for f in "$old" "$new"; do [[ -x $f ]] || { echo "ab_engine.sh: $f: not an executable" >&2; exit 2; }; done
[[ -f $model ]] || { echo "ab_engine.sh: $model: no such file" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < rounds; ++r)); do
  for t in $threads; do
    for side in old new; do
      bin=$old; [[ $side == new ]] && bin=$new
      "$bin" --profile "$model" "$reps" "$t" 2>&1 | sed -n 's/.*whole run \([0-9.]*\) ms.*/\1/p' >> "$tmp/$side.$t"
    done
  done
done
for t in $threads; do
  for side in old new; do
    printf '%s threads=%s: median %s ms (runs: %s)\n' "$side" "$t" \
      "$(sort -g "$tmp/$side.$t" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')" \
      "$(tr '\n' ' ' < "$tmp/$side.$t")"
  done
done

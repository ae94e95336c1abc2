#!/usr/bin/env bash
# Peak memory of a calibration run against the number of calibration images: `fxq quantize` on the
# same model with --calib-limit 64 and 512 (the search keeps its own fixed subset, --search-images 64;
# no evaluation), GNU time's maximum resident set size. Flat means the statistics stream.
# Writes bench/results/calib_memory.md.
# usage: bench/calib_memory.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=${FXQ_SHARED_DATA:-../shared/data}
[ -d "$data/models" ] || { echo "shared data missing at $data" >&2; exit 4; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 4; }
work=$(mktemp -d /tmp/fxq-bench-calib.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=bench/results/calib_memory.md
models=(
  "squeezenet1.1 models/cls/squeezenet1.1_zoo_rebuilt.onnx imagenet-224 images/imagenet"
  "resnet20_cifar10 models/cls/resnet20_cifar10.onnx cifar10-32 images/cifar10"
)
{
  echo "fxq quantize calibration peak memory vs number of images; $(date -u +%Y-%m-%d), $(nproc) cores"
  echo
  echo "| model | calibration images | wall s | peak RSS MB |"
  echo "|---|---|---|---|"
} > "$out"
for m in "${models[@]}"; do
  read -r key file preset images <<< "$m"
  for n in 64 512; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$build/fxq" quantize "$data/$file" --calib "$data/$images" \
      --preset "$preset" --calib-limit "$n" --search-images 64 -o "$work/$key.onnx" -q > "$work/log" 2>&1 ||
      { cat "$work/log" >&2; exit 1; }
    read -r wall rss < "$work/time"
    used=$(grep -o "calibration *[0-9]* images" "$work/log" | grep -o "[0-9]*" | head -1)
    printf "| %s | %s | %s | %.0f |\n" "$key" "${used:-$n}" "$wall" "$(echo "$rss / 1024" | bc -l)" | tee -a "$out"
  done
done
echo "wrote $out"

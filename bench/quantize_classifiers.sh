#!/usr/bin/env bash
# fxq quantize end to end on every shared classifier: 256 calibration images (every k-th labelled
# image of the model's own set), all the other labelled images for evaluation (disjoint), the CLI as
# a user runs it. Prints and writes bench/results/quantize_<flags>.md: accuracy, weight memory,
# bit-ops, wall time and peak RSS (GNU time) per model.
# usage: bench/quantize_classifiers.sh [extra fxq quantize flags, e.g. --per-channel or --wbits 6 --abits 6]
# FXQ_BUILD=build-native picks the build (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FXQ_SHARED_DATA:-../shared/data}
[ -d "$data/models" ] || { echo "shared data missing at $data" >&2; exit 4; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 4; }
work=$(mktemp -d /tmp/fxq-bench-quantize.XXXXXX)
trap 'rm -rf "$work"' EXIT
tag=$(echo "${*:-default}" | tr -c 'a-zA-Z0-9\n' '_' | sed 's/__*/_/g; s/^_//; s/_$//')
out=bench/results/quantize_${tag}.md
models=(
  "squeezenet1.1 models/cls/squeezenet1.1_zoo_rebuilt.onnx imagenet-224 images/imagenet"
  "mobilenetv2 models/cls/mobilenetv2_zoo_int8_dequant.onnx imagenet-224 images/imagenet"
  "resnet20_cifar10 models/cls/resnet20_cifar10.onnx cifar10-32 images/cifar10"
  "resnet56_cifar10 models/cls/resnet56_cifar10.onnx cifar10-32 images/cifar10"
  "mnist8 models/cls/mnist8_zoo.onnx mnist-28 images/mnist"
)
{
  echo "fxq quantize, flags: ${*:-(defaults: 8/8 per tensor)}; $(date -u +%Y-%m-%d), $(nproc) cores"
  echo
  echo "| model | calib | eval | float top-1 | quantized top-1 | loss pp | weights vs float32 | weights vs all-8-bit | bit-ops vs all-8-bit | wall s | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
for m in "${models[@]}"; do
  read -r key file preset images <<< "$m"
  calib=$work/$key/calib eval=$work/$key/eval
  mkdir -p "$calib" "$eval"
  /usr/bin/python3 - "$data/$images" "$calib" "$eval" <<'PY'
import os, sys
src, calib, ev = sys.argv[1:4]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(src, "labels.tsv")) if l.strip()]
k = max(2, len(rows) // 256)
with open(os.path.join(ev, "labels.tsv"), "w") as out:
    taken = 0
    for i, (f, c) in enumerate(rows):
        if i % k == 0 and taken < 256:
            taken += 1
            os.symlink(os.path.realpath(os.path.join(src, f)), os.path.join(calib, f))
        else:
            os.symlink(os.path.realpath(os.path.join(src, f)), os.path.join(ev, f))
            out.write(f + "\t" + c + "\n")
PY
  /usr/bin/time -v -o "$work/$key.time" "${FXQ_BUILD:-build}/fxq" quantize "$data/$file" --calib "$calib" --preset "$preset" \
      --eval "$eval" --labels "$eval/labels.tsv" -o "$work/$key.onnx" --quiet "$@" > "$work/$key.out"
  cat "$work/$key.out"
  /usr/bin/python3 - "$work/$key.json" "$work/$key.time" "$key" >> "$out" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0].split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
a, tot = r["accuracy"], r["totals"]
print(f"| {sys.argv[3]} | {r['calibration']['count']} | {a['images']} | {a['float']['top1']:.2f} | {a['quantized']['top1']:.2f} | "
      f"{a['loss_top1_pp']:.2f} | {100*tot['weight_memory_vs_float32']:.1f} % | {100*tot['weight_memory_vs_all_8bit']:.1f} % | "
      f"{100*tot['bitops_vs_all_8bit']:.1f} % | {secs:.1f} | {rss:.0f} |")
PY
done
echo; cat "$out"

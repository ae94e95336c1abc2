#!/usr/bin/env bash
# The accuracy gate on every shared classifier: fxq quantize --max-loss 1 with 256 calibration images
# (every k-th labelled image of the model's own set) and 500 evaluation images (spread evenly over
# all the others: disjoint), the CLI exactly as a user runs it. Prints and writes
# bench/results/gate[_<flags>].md: float and quantized metric, loss, weight memory and bit-ops against
# all-8-bit, wall time, full evaluations, and the bit-width map of each model.
# usage: bench/gate_classifiers.sh [extra fxq quantize flags, e.g. --per-channel or --objective memory]
#        (default flags: --max-loss 1 --objective bitops --method adaround,bias-correction)
# FXQ_GATE_MODELS="mnist8 resnet20_cifar10" limits the models; FXQ_BUILD=build-native picks the build.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FXQ_SHARED_DATA:-../shared/data}
[ -d "$data/models" ] || { echo "shared data missing at $data" >&2; exit 4; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 4; }
work=$(mktemp -d /tmp/fxq-bench-gate.XXXXXX)
trap 'rm -rf "$work"' EXIT
tag=$(echo "$*" | tr -c 'a-zA-Z0-9\n' '_' | sed 's/__*/_/g; s/^_//; s/_$//')
out=bench/results/gate${tag:+_$tag}.md
# Defaults, each left out when the extra flags give it (CLI11 refuses a flag given twice).
flags=(--max-loss 1)
[[ " $* " == *" --objective "* ]] || flags+=(--objective bitops)
[[ " $* " == *" --method "* ]] || flags+=(--method adaround,bias-correction)
flags+=("$@")
models=(
  "squeezenet1.1 models/cls/squeezenet1.1_zoo_rebuilt.onnx imagenet-224 images/imagenet"
  "mobilenetv2 models/cls/mobilenetv2_zoo_int8_dequant.onnx imagenet-224 images/imagenet"
  "resnet20_cifar10 models/cls/resnet20_cifar10.onnx cifar10-32 images/cifar10"
  "resnet56_cifar10 models/cls/resnet56_cifar10.onnx cifar10-32 images/cifar10"
  "mnist8 models/cls/mnist8_zoo.onnx mnist-28 images/mnist"
)
{
  echo "fxq quantize ${flags[*]}; 256 calibration, 500 evaluation images; $(date -u +%Y-%m-%d), $(nproc) cores"
  echo
  echo "| model | met | float top-1 | quantized top-1 | loss pp | weight memory vs all-8-bit | bit-ops vs all-8-bit | full evaluations (path steps) | gate s | wall s | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
maps=$work/maps.md
: > "$maps"
for m in "${models[@]}"; do
  read -r key file preset images <<< "$m"
  if [ -n "${FXQ_GATE_MODELS:-}" ] && [[ " $FXQ_GATE_MODELS " != *" $key "* ]]; then continue; fi
  calib=$work/$key/calib eval=$work/$key/eval
  mkdir -p "$calib" "$eval"
  /usr/bin/python3 - "$data/$images" "$calib" "$eval" <<'PY'
import os, sys
src, calib, ev = sys.argv[1:4]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(src, "labels.tsv")) if l.strip()]
k = max(2, len(rows) // 256)
cal = [r for i, r in enumerate(rows) if i % k == 0][:256]
taken = set(f for f, _ in cal)
rest = [r for r in rows if r[0] not in taken]
step = len(rest) / 500
evs = [rest[int(i * step)] for i in range(min(500, len(rest)))]
for f, c in cal:
    os.symlink(os.path.realpath(os.path.join(src, f)), os.path.join(calib, f))
with open(os.path.join(ev, "labels.tsv"), "w") as out:
    for f, c in evs:
        os.symlink(os.path.realpath(os.path.join(src, f)), os.path.join(ev, f))
        out.write(f + "\t" + c + "\n")
PY
  set +e
  /usr/bin/time -v -o "$work/$key.time" "${FXQ_BUILD:-build}/fxq" quantize "$data/$file" --calib "$calib" --preset "$preset" \
      --eval "$eval" --labels "$eval/labels.tsv" -o "$work/$key.onnx" --quiet --write-best "${flags[@]}" \
      > "$work/$key.out" 2> "$work/$key.err"
  code=$?
  set -e
  cat "$work/$key.out" "$work/$key.err"
  if [ $code -ne 0 ] && [ $code -ne 3 ]; then echo "| $key | exit $code | | | | | | | | | |" >> "$out"; continue; fi
  /usr/bin/python3 - "$work/$key.json" "$work/$key.time" "$key" "$out" "$maps" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read(); key = sys.argv[3]
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0].split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
a, tot, g = r["accuracy"], r["totals"], r["gate"]
mem, ops = tot["weight_memory_vs_all_8bit"], tot["bitops_vs_all_8bit"]
with open(sys.argv[4], "a") as out:
    out.write(f"| {key} | {'yes' if g['met'] else 'NO'} | {a['float']['top1']:.2f} | {a['quantized']['top1']:.2f} | "
              f"{a['loss_top1_pp']:.2f} | {100*mem:.1f} % ({100*(1-mem):.1f} % less) | {100*ops:.1f} % ({100*(1-ops):.1f} % fewer) | "
              f"{g['full_evaluations']} ({g['path_length']}) | {r['phase_seconds']['gate']:.0f} | {secs:.0f} | {rss:.0f} |\n")
with open(sys.argv[5], "a") as out:
    items = []
    for l in r["layers"]:
        s = ("W%d" % l["weight"]["bits"] if l["weight"] else "") + ("A%d" % l["output"]["bits"] if l["output"] else "")
        if s: items.append(f"{l['name']} {s}")
    out.write(f"- **{key}**: " + ", ".join(items) + "\n")
    tried = "; ".join(f"step {e['step']}: {'>= ' if not e['complete'] else ''}{e['loss_pp']:.2f} pp, "
                      f"{100*e['weight_memory_vs_all_8bit']:.0f} % mem, {100*e['bitops_vs_all_8bit']:.0f} % bit-ops"
                      for e in g["evaluated"])
    out.write(f"  - evaluated: {tried}\n")
PY
done
{
  echo
  echo "Bit-widths of the chosen plans (W: weights, A: the layer's output / the point; a layer fused with its"
  echo "activation shows the activation's output format), and every plan the gate evaluated:"
  echo
  cat "$maps"
} >> "$out"
echo; cat "$out"

#!/usr/bin/env bash
# fxq quantize on every shared detector, evaluated by COCO mAP@0.5, the CLI exactly as a user runs it.
# images/coco (159 images) is split deterministically: every 5th image of the sorted folder, then the
# next ones in order, up to 64, for calibration; the other 95 for evaluation, with instances.json
# filtered to those 95 (disjoint sets). Per model it runs
#   (1) plain: all layers at --wbits/--abits (default 8/8), per tensor, --eval --annotations (float vs quantized mAP50)
#   (2) gate:  --max-loss 1 --metric map50 --objective memory (extra flags: FXQ_GATE_FLAGS), with --write-best
# and writes bench/results/gate_detectors[_<tag>].md: per-model tables (float/quantized mAP50 and
# mAP50:95, loss, box agreement, weight memory and bit-ops vs all-8-bit, time, peak RSS), the bit-width
# map of each gate plan and the profile's most sensitive layers. 95 images is a tiny set: a 1 pp mAP50
# difference is within its noise.
# usage: bench/gate_detectors.sh [extra flags for both runs, e.g. --per-channel]
# FXQ_DET_MODELS="yolox_nano" limits the models; FXQ_GATE_FLAGS adds gate flags (default
# "--search-images 16 --profile-images 8"; e.g. add --profile-error detections); FXQ_SKIP_GATE=1 runs (1) only; FXQ_BUILD picks the build.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FXQ_SHARED_DATA:-../shared/data}
[ -d "$data/models" ] || { echo "shared data missing at $data" >&2; exit 4; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 4; }
work=$(mktemp -d /tmp/fxq-bench-det.XXXXXX)
trap 'rm -rf "$work"' EXIT
# the results file is named after the extra flags of both runs, then FXQ_GATE_FLAGS when given
tag=$(echo "$* ${FXQ_GATE_FLAGS:+gate $FXQ_GATE_FLAGS}" | tr -c 'a-zA-Z0-9\n' '_' | sed 's/__*/_/g; s/^_//; s/_$//')
out=bench/results/gate_detectors${tag:+_$tag}.md
gate_flags=(--max-loss 1 --metric map50 --objective memory ${FXQ_GATE_FLAGS:---search-images 16 --profile-images 8})
models=(
  "yolox_nano models/det/yolox_nano.onnx yolox-416"
  "nanodet_m_416 models/det/nanodet_m_416.onnx nanodet-416"
)
calib=$work/calib eval=$work/eval
mkdir -p "$calib" "$eval"
/usr/bin/python3 - "$data/images/coco" "$calib" "$eval" <<'PY'
import json, os, sys
src, calib, ev = sys.argv[1:4]
files = sorted(f for f in os.listdir(src) if f.lower().endswith((".jpg", ".jpeg", ".png")))
cal = [f for i, f in enumerate(files) if i % 5 == 0]
cal += [f for f in files if f not in cal][: 64 - len(cal)]
cal = set(cal[:64])
evs = [f for f in files if f not in cal]
for f in files:
    os.symlink(os.path.realpath(os.path.join(src, f)), os.path.join(calib if f in cal else ev, f))
ann = json.load(open(os.path.join(src, "instances.json")))
keep = {im["id"] for im in ann["images"] if im["file_name"] in set(evs)}
ann["images"] = [im for im in ann["images"] if im["id"] in keep]
ann["annotations"] = [a for a in ann["annotations"] if a["image_id"] in keep]
json.dump(ann, open(os.path.join(ev, "..", "eval.json"), "w"))
print(f"split: {len(cal)} calibration, {len(evs)} evaluation images, {len(ann['annotations'])} annotations", file=sys.stderr)
PY
{
  echo "fxq quantize on the shared detectors; images/coco split into 64 calibration and 95 evaluation images (disjoint,"
  echo "every 5th image of the sorted folder first); annotations filtered to the 95; $(date -u +%Y-%m-%d), $(nproc) cores."
  echo "95 images (about 800 objects) is a tiny set: differences below ~1 pp mAP50 are within its noise."
  echo
  echo "| model | run | met | float mAP50 | quantized mAP50 | loss pp | mAP50:95 float -> quantized | box agreement | weight memory vs all-8-bit | bit-ops vs all-8-bit | full evaluations | wall s | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
maps=$work/maps.md
: > "$maps"
row() {  # key run-label json time exit-code
  /usr/bin/python3 - "$@" "$out" "$maps" <<'PY'
import json, re, sys
key, label, rep, tfile, code, out, maps = sys.argv[1:8]
t = open(tfile).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0].split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
r = json.load(open(rep))
a, tot, g = r["accuracy"], r["totals"], r["gate"]
mem, ops = tot["weight_memory_vs_all_8bit"], tot["bitops_vs_all_8bit"]
met = "-" if g is None else ("yes" if g["met"] else "NO")
evals = "-" if g is None else f"{g['full_evaluations']} ({g['path_length']}-step path)"
agree = f"{a['agreement_pct']:.1f} %" if "agreement_pct" in a else "-"
with open(out, "a") as o:
    o.write(f"| {key} | {label} | {met} | {a['float']['map50']:.2f} | {a['quantized']['map50']:.2f} | {a['loss_map50_pp']:.2f} | "
            f"{a['float']['map50_95']:.2f} -> {a['quantized']['map50_95']:.2f} | {agree} | {100*mem:.1f} % ({100*(1-mem):.1f} % less) | "
            f"{100*ops:.1f} % ({100*(1-ops):.1f} % fewer) | {evals} | {secs:.0f} | {rss:.0f} |\n")
if g is not None:
    with open(maps, "a") as o:
        bits = {}
        for l in r["layers"]:
            if l["weight"]:
                bits.setdefault(f"W{l['weight']['bits']}", []).append(l["name"])
        o.write(f"- **{key}** ({label}): weight bits " + ", ".join(f"{b} x{len(v)}" for b, v in sorted(bits.items())) + "\n")
        low = [f"{n} W{b[1:]}" for b, v in sorted(bits.items()) for n in v if int(b[1:]) < 8]
        high = [f"{n} W{b[1:]}" for b, v in sorted(bits.items()) for n in v if int(b[1:]) > 8]
        if high: o.write("  - above 8 bits: " + ", ".join(high) + "\n")
        if low: o.write(f"  - below 8 bits ({len(low)}): " + ", ".join(low[:40]) + (" ..." if len(low) > 40 else "") + "\n")
        prof = g["profile"]["layers"]
        ranked = []
        for l in prof:
            am = l["added_mse"]
            if am:
                b = min(am, key=int)
                ranked.append((l["gain"] * am[b], l["node"], b))
        tot_e = sum(x[0] for x in ranked) or 1
        ranked.sort(reverse=True)
        o.write("  - most sensitive (share of predicted output error at the smallest profiled weight bits): " +
                ", ".join(f"{n} {100*e/tot_e:.1f} %" for e, n, b in ranked[:6]) + "\n")
        o.write("  - evaluated: " + "; ".join(f"step {e['step']}: {e['loss_pp']:.2f} pp, {100*e['weight_memory_vs_all_8bit']:.0f} % mem"
                                            for e in g["evaluated"]) + "\n")
PY
}
for m in "${models[@]}"; do
  read -r key file preset <<< "$m"
  if [ -n "${FXQ_DET_MODELS:-}" ] && [[ " $FXQ_DET_MODELS " != *" $key "* ]]; then continue; fi
  for run in plain gate; do
    if [ "$run" = gate ] && [ -n "${FXQ_SKIP_GATE:-}" ]; then continue; fi
    flags=("$@")
    [ "$run" = gate ] && flags+=("${gate_flags[@]}" --write-best)
    echo "== $key $run: ${flags[*]}" >&2
    set +e
    /usr/bin/time -v -o "$work/$key.$run.time" "${FXQ_BUILD:-build}/fxq" quantize "$data/$file" --calib "$calib" \
        --preset "$preset" --eval "$eval" --annotations "$work/eval.json" -o "$work/$key.$run.onnx" --quiet "${flags[@]}" \
        > "$work/$key.$run.out" 2> "$work/$key.$run.err"
    code=$?
    set -e
    cat "$work/$key.$run.out" "$work/$key.$run.err"
    if [ $code -ne 0 ] && [ $code -ne 3 ]; then echo "| $key | $run | exit $code | | | | | | | | | | |" >> "$out"; continue; fi
    row "$key" "$run ${flags[*]}" "$work/$key.$run.json" "$work/$key.$run.time" "$code"
  done
done
{
  echo
  echo "Gate plans: weight bit-widths, the profile's most sensitive layers, and every plan the gate evaluated:"
  echo
  cat "$maps"
} >> "$out"
echo; cat "$out"

#!/usr/bin/env bash
# Are two fxq builds' float outputs byte-identical on the shared models? Runs `fxq eval --dump` with each
# binary on the first N images of every shared model (default 8) and compares the .npy files byte for
# byte. Use it after an engine change that should not move any value (a copy, a layout change, a
# faster kernel with the same summation order); a change of summation order shows up as DIFFERENT.
# usage: tools/compare_outputs.sh NEW_FXQ REF_FXQ [N]   (e.g. build-native/fxq /path/to/old/build/fxq)
# exit: 0 all identical, 1 some model differs, 2 usage or a run failed
set -u
cd "$(dirname "$0")/.."
new=${1:-}; ref=${2:-}; n=${3:-8}
if [ -z "$new" ] || [ -z "$ref" ]; then echo "usage: tools/compare_outputs.sh NEW_FXQ REF_FXQ [N]" >&2; exit 2; fi
data=../shared/data
[ -d "$data/models" ] || { echo "compare_outputs: $data/models is missing (../shared/data beside the checkout)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0
while read -r model preset images; do
  for side in new ref; do
    bin=$new; [ "$side" = ref ] && bin=$ref
    if ! "$bin" eval "$data/models/$model" --images "$data/images/$images" --preset "$preset" --limit "$n" \
         --dump "$work/$side" >"$work/$side.log" 2>&1; then
      echo "compare_outputs: $bin failed on $model (see its output below)" >&2; cat "$work/$side.log" >&2; exit 2
    fi
  done
  count=$(find "$work/new" -name '*.npy' | wc -l)
  if diff -rq "$work/new" "$work/ref" >/dev/null; then echo "$model: identical ($count arrays)"
  else echo "$model: DIFFERENT"; status=1; fi
  rm -rf "$work/new" "$work/ref"
done <<'LIST'
cls/squeezenet1.1_zoo_rebuilt.onnx imagenet-224 imagenet
cls/mobilenetv2_zoo_int8_dequant.onnx imagenet-224 imagenet
cls/resnet20_cifar10.onnx cifar10-32 cifar10
cls/resnet56_cifar10.onnx cifar10-32 cifar10
cls/mnist8_zoo.onnx mnist-28 mnist
det/yolox_nano.onnx yolox-416 coco
det/nanodet_m_416.onnx nanodet-416 coco
LIST
exit $status

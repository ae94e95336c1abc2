#!/usr/bin/env bash
# The README's first command: set up (tools/setup.sh), make the demo images from Debian's
# Fashion-MNIST package, and run fxq's main job on the project's own demo model: describe it
# (fxq info), then quantize it with the accuracy gate on (fxq quantize --max-loss 1: the fewest
# bit-ops whose top-1 loss on the evaluation images, kept apart from calibration, is at most 1 pp),
# writing demo-out/fashion_cnn.fxq.onnx, its JSON report and an HTML report,
# and ending with fxq's summary. tests/test_demo.cpp runs the same command and checks the model in
# ONNX Runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh   # installs dataset-fashion-mnist among the other packages
python3=/usr/bin/python3
$python3 tools/make_demo_images.py
demo=calib/generated/fashion-mnist
mkdir -p demo-out
echo
echo "== fxq info models/demo/fashion_cnn.onnx --no-layers"
build/fxq info models/demo/fashion_cnn.onnx --no-layers
echo
echo "== fxq quantize models/demo/fashion_cnn.onnx --calib $demo/calib --eval $demo/eval ..."
build/fxq quantize models/demo/fashion_cnn.onnx --preset fashion-mnist-28 \
    --calib "$demo/calib" --eval "$demo/eval" --labels "$demo/eval/labels.tsv" -o demo-out/fashion_cnn.fxq.onnx \
    --html demo-out/report.html --max-loss 1 --objective bitops --method adaround,bias-correction

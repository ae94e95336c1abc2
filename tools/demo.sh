#!/usr/bin/env bash
# The README's first command: set up (tools/setup.sh), make the demo images from Debian's
# Fashion-MNIST package, and run fxq's main job on the project's own demo model: describe it
# (fxq info), then quantize it to 8-bit fixed point with calibration and evaluation images kept
# apart (fxq quantize), writing demo-out/fashion_cnn.fxq.onnx and its JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
fi
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
    --calib "$demo/calib" --eval "$demo/eval" --labels "$demo/eval/labels.tsv" -o demo-out/fashion_cnn.fxq.onnx

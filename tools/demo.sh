#!/usr/bin/env bash
# The README's first command: set up (tools/setup.sh), make the demo images from Debian's
# Fashion-MNIST package, and run fxq on the project's own demo model.
# Today this describes the model (fxq info) and measures its float accuracy with fxq's engine
# (fxq eval); 'fxq quantize' joins here once it exists.
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
echo
echo "== fxq info models/demo/fashion_cnn.onnx"
build/fxq info models/demo/fashion_cnn.onnx
echo
echo "== fxq eval models/demo/fashion_cnn.onnx on $demo/eval"
build/fxq eval models/demo/fashion_cnn.onnx --images "$demo/eval" --labels "$demo/eval/labels.tsv" --preset fashion-mnist-28

#!/usr/bin/env bash
# One idempotent set-up step for a Debian 12 machine (run as root, or with sudo available):
#   1. installs the Debian packages fxq builds and tests with (only those missing),
#   2. installs ONNX Runtime (the reference engine of the tests and benchmarks) from the committed
#      npm lock file, without its install script (which would try to download GPU files),
#   3. configures and builds fxq in Release mode into build/.
# Re-running it does only what is left to do.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libonnx-dev libprotobuf-dev protobuf-compiler libeigen3-dev libcli11-dev nlohmann-json3-dev libopencv-dev catch2
  libdnnl-dev                            # oneDNN's sgemm: the engine's convolutions (1.4-1.9x Eigen's GEMM here)
  python3 python3-numpy python3-opencv   # the reference preprocessing script the data tests compare with
  python3-jsonschema                     # the report schema test
  dataset-fashion-mnist                  # the demo's images (tools/demo.sh, tests/test_demo.cpp)
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ONNX Runtime (npm package onnxruntime-node, CPU library bundled) at the version the lock file pins.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(sed -n '/"node_modules\/onnxruntime-node"/,/}/p' package-lock.json) \
    <(sed -n '/"node_modules\/onnxruntime-node"/,/}/p' node_modules/.package-lock.json); then
  echo "setup: installing ONNX Runtime from package-lock.json (npm ci --ignore-scripts)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

echo "setup: building fxq (Release) in build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$(nproc)"
echo "setup: done — fxq is build/fxq"

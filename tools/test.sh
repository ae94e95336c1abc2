#!/usr/bin/env bash
# Sets up (tools/setup.sh) and runs the whole test suite through CTest. The model tests read
# ../shared/data and fail loudly when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" "$@"

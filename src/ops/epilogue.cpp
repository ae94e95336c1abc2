#include "ops/epilogue.h"

#include <algorithm>

#include "ops/logistic.h"

namespace fxq {

void Epilogue::apply(float* y, int64_t n) const {
  if (residual) {
    const float* r = residual + (y - base);
    for (int64_t k = 0; k < n; ++k) y[k] = y[k] + r[k];
  }
  switch (kind) {
    case kNone: return;
    case kRelu:
      for (int64_t k = 0; k < n; ++k) y[k] = y[k] > 0.0f ? y[k] : 0.0f;
      return;
    case kClip:
      for (int64_t k = 0; k < n; ++k) y[k] = std::min(std::max(y[k], lo), hi);
      return;
    case kLeakyRelu: {
      // alpha read once into a local: y could alias the member for all GCC knows, and re-reading it
      // per element kept this loop scalar (3.4 of NanoDet-m's 12.5 ms in kernels, docs/engine.md).
      const float a = alpha;
      for (int64_t k = 0; k < n; ++k) {
        const float v = y[k];
        y[k] = v >= 0 ? v : a * v;
      }
      return;
    }
    case kSiLU:
      silu(y, n);
      return;
  }
}

}  // namespace fxq

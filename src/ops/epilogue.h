// Activations a layer kernel can apply to its own output tile (fused Conv+activation), with exactly
// the arithmetic of the standalone ops, so a fused run is bit-identical to an unfused one:
//   Relu       x > 0 ? x : 0                          (ops/relu.cpp)
//   Clip       min(max(x, lo), hi)                    (ops/clip.cpp)
//   LeakyRelu  x >= 0 ? x : alpha * x                 (ops/leaky_relu.cpp)
//   SiLU       x * logistic(x)   = Mul(x, Sigmoid(x)) (ops/logistic.h, ops/sigmoid.cpp, ops/mul.cpp: a float product
//              is correctly rounded whether computed in float or in double and rounded once)
// The executor chooses the fusion (engine/fusion.h); kernels only apply it.
#pragma once
#include <cstdint>

namespace fxq {

struct Epilogue {
  enum Kind { kNone, kRelu, kClip, kLeakyRelu, kSiLU } kind = kNone;
  float lo = 0, hi = 0, alpha = 0;

  // y[k] = act(y[k]) for k < n.
  void apply(float* y, int64_t n) const;
};

}  // namespace fxq

// Activations a layer kernel can apply to its own output tile (fused Conv+activation), with exactly
// the arithmetic of the standalone ops, so a fused run is bit-identical to an unfused one:
//   Relu       x > 0 ? x : 0                          (ops/relu.cpp)
//   Clip       min(max(x, lo), hi)                    (ops/clip.cpp)
//   LeakyRelu  x >= 0 ? x : alpha * x                 (ops/leaky_relu.cpp)
//   SiLU       x * logistic(x)   = Mul(x, Sigmoid(x)) (ops/logistic.h, ops/sigmoid.cpp, ops/mul.cpp: a
//              float product is correctly rounded whether computed in float or in double and rounded once)
// The executor chooses the fusion (engine/fusion.h); kernels only apply it.
#pragma once
#include <cstdint>

namespace fxq {

struct Epilogue {
  enum Kind { kNone, kRelu, kClip, kLeakyRelu, kSiLU } kind = kNone;
  float lo = 0, hi = 0, alpha = 0;
  // A residual Add fused before the activation (ResNet's Conv -> Add -> Relu): when set, apply() first
  // adds residual[y - base] to y[k], the float sum Add computes (ops/add.cpp; a + b == b + a). Set per
  // run by the Conv op (base: its output's first element), never in the shared fusion plan.
  const float* residual = nullptr;
  const float* base = nullptr;

  // y[k] = act(y[k] (+ the residual)) for k < n; y points into the output that starts at `base`.
  void apply(float* y, int64_t n) const;
  // Whether a kernel may apply it to 16 floats in a register (ops/epilogue_avx512.h); if not (SiLU, a
  // residual) the kernel calls apply() on its output.
  bool in_register() const { return kind != kSiLU && residual == nullptr; }
};

}  // namespace fxq

// Relu, Clip and LeakyRelu of ops/epilogue.h on 16 floats in an AVX-512 register, for kernels that apply
// their activation before the store; the arithmetic of Epilogue::apply lane by lane, NaNs and signed
// zeros included: vmaxps(a, b) is `a > b ? a : b` and vminps(a, b) `a < b ? a : b`, so
//   Relu       y > 0 ? y : 0                      = max(y, 0)
//   Clip       std::min(std::max(y, lo), hi)      = min(hi, max(lo, y))  (std::max(y, lo) is y < lo ? lo : y)
//   LeakyRelu  y >= 0 ? y : alpha * y             (an ordered compare: NaN takes alpha * y, as the scalar)
// SiLU and a residual Add are not done here (kind() stays kNone, Epilogue::in_register() is false): those
// kernels call Epilogue::apply on their output.
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>

#include "ops/epilogue.h"

namespace fxq {

class RegisterEpilogue {
 public:
  explicit RegisterEpilogue(const Epilogue* act) {
    if (!act || !act->in_register()) return;
    kind_ = act->kind;
    lo_ = _mm512_set1_ps(act->lo), hi_ = _mm512_set1_ps(act->hi), alpha_ = _mm512_set1_ps(act->alpha);
  }
  Epilogue::Kind kind() const { return kind_; }
  __m512 operator()(__m512 y) const {
    switch (kind_) {
      case Epilogue::kRelu: return _mm512_max_ps(y, _mm512_setzero_ps());
      case Epilogue::kClip: return _mm512_min_ps(hi_, _mm512_max_ps(lo_, y));
      case Epilogue::kLeakyRelu:
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GE_OQ), alpha_ * y, y);
      default: return y;
    }
  }

 private:
  Epilogue::Kind kind_ = Epilogue::kNone;
  __m512 lo_ = _mm512_setzero_ps(), hi_ = _mm512_setzero_ps(), alpha_ = _mm512_setzero_ps();
};

}  // namespace fxq

#endif

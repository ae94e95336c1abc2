// Masked-load taps of an input row for direct convolution kernels that keep NCHW (AVX-512 builds): the
// depthwise 3x3 kernel (conv_depthwise3x3.cpp) and the stem kernel (conv_stem.cpp); lanes_inside is
// also MaxPool's column mask (max_pool.cpp).
//
// For 16 consecutive output columns c .. c + 15 of a conv with stride S, kernel width K and left pad
// `pad_left`, tap kx of output column c + i reads input column (c + i) * S - pad_left + kx. RowTaps
// gives, for any input row, the K vectors of those values: masked loads, lanes whose input column is
// outside [0, in_w) read +0 (the value a zero-padded copy holds there) and are never fetched, so a
// padded plane needs no copy. Stride 2 (K = 3 only): columns base .. base + 31 come in two loads,
// split into even and odd columns by vpermt2ps (taps 0 and 1), and tap 2 is the even ones shifted by
// one lane with column base + 32 from a third, one-lane load.
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace fxq {

// Lanes i < 16 whose column c + i lies inside [0, n) (c may be negative): the load or store mask of
// 16 columns starting at c in a row of n.
inline __mmask16 lanes_inside(int64_t c, int64_t n) {
  const int64_t a = std::clamp<int64_t>(-c, 0, 16), b = std::clamp<int64_t>(n - c, 0, 16);
  if (b <= a) return 0;
  return static_cast<__mmask16>(((1u << b) - 1u) & ~((1u << a) - 1u));
}

template <int S, int K>
struct RowTaps {
  static_assert(S == 1 || (S == 2 && K == 3), "stride 1, or stride 2 with a 3-wide kernel");
  int64_t base;  // input column of tap 0 for output column c
  __mmask16 m[K];
  void init(int64_t c, int64_t pad_left, int64_t in_w) {
    base = c * S - pad_left;
    if (S == 1) {
      for (int kx = 0; kx < K; ++kx) m[kx] = lanes_inside(base + kx, in_w);
    } else {
      m[0] = lanes_inside(base, in_w), m[1] = lanes_inside(base + 16, in_w);
      m[2] = lanes_inside(base + 32, in_w) & 1u;
    }
  }
  // t[kx] for kx < K from the input row `row` (its column 0).
  inline void load(const float* row, __m512* t) const {
    const float* r = row + base;  // masked lanes are never read, even left of the row
    if (S == 1) {
      for (int kx = 0; kx < K; ++kx) t[kx] = _mm512_maskz_loadu_ps(m[kx], r + kx);
    } else {
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
      const __m512i next = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
      const __m512 a = _mm512_maskz_loadu_ps(m[0], r), b = _mm512_maskz_loadu_ps(m[1], r + 16);
      const __m512 c = _mm512_maskz_loadu_ps(m[2], r + 32);
      t[0] = _mm512_permutex2var_ps(a, even, b);
      t[1] = _mm512_permutex2var_ps(a, odd, b);
      t[2] = _mm512_permutex2var_ps(t[0], next, c);
    }
  }
};

}  // namespace fxq

#endif

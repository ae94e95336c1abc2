// 16 x 16 floats transposed in AVX-512 registers: r[i] lane j -> r[j] lane i. Four butterfly stages of
// 16 vpermt2ps each: stage b (8, 4, 2, 1) swaps, for each pair of rows i and i + b (i & b == 0), the
// upper b-lane half of each 2b-lane block of row i with the lower half of the same block of row i + b.
// Pure data movement: the values are copied bit for bit.
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>

#include <cstdint>

namespace fxq {

inline void transpose16x16(__m512 r[16]) {
  alignas(64) static const int32_t lo_idx[4][16] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23},
      {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
      {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29},
      {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30}};
  alignas(64) static const int32_t hi_idx[4][16] = {
      {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31},
      {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31},
      {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31},
      {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31}};
  int stage = 0;
  for (int b = 8; b >= 1; b /= 2, ++stage) {
    const __m512i lo = _mm512_load_si512(lo_idx[stage]), hi = _mm512_load_si512(hi_idx[stage]);
    for (int i = 0; i < 16; ++i) {
      if (i & b) continue;
      const __m512 a = r[i], c = r[i + b];
      r[i] = _mm512_permutex2var_ps(a, lo, c);
      r[i + b] = _mm512_permutex2var_ps(a, hi, c);
    }
  }
}

}  // namespace fxq

#endif

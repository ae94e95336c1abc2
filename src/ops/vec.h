// N floats as one value (GCC vector extension: one AVX-512 register for N = 16, or two AVX ones),
// accessed unaligned through V(p): the kernels that vectorize by hand (conv_kernels.cpp, max_pool.cpp)
// share these. Vectors are never passed to or returned from functions (their ABI would depend on the
// build's instruction set).
#pragma once
#include <cstdint>

#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace fxq {

template <int N>
struct Vec {
  typedef float T __attribute__((vector_size(N * sizeof(float)), aligned(4), may_alias));
  typedef int32_t Index __attribute__((vector_size(N * sizeof(int32_t))));
};
template <int N>
typename Vec<N>::T& V(float* p) { return *reinterpret_cast<typename Vec<N>::T*>(p); }
template <int N>
const typename Vec<N>::T& V(const float* p) { return *reinterpret_cast<const typename Vec<N>::T*>(p); }

// Every lane = v. (Not `Vec<N>::T{} + v`: that is an add, 0 + v, which turns -0 into +0 and costs an
// instruction before the broadcast.)
template <int N>
inline typename Vec<N>::T splat(float v) {
#if defined(__AVX512F__)
  if constexpr (N == 16) return _mm512_set1_ps(v);
#endif
#if defined(__AVX__)
  if constexpr (N == 8) return _mm256_set1_ps(v);
#endif
  typename Vec<N>::T r = {};  // elsewhere: GCC's generic vector code (slow: lane by lane)
  for (int i = 0; i < N; ++i) r[i] = v;
  return r;
}

}  // namespace fxq

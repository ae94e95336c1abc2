// N floats as one value (GCC vector extension: one AVX-512 register for N = 16, or two AVX ones),
// accessed unaligned through V(p): the kernels that vectorize by hand (conv_kernels.cpp, max_pool.cpp)
// share these. Vectors are never passed to or returned from functions (their ABI would depend on the
// build's instruction set).
#pragma once
#include <cstdint>

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

// Every lane = v, as `v - 0`: exact for every v (-0 - +0 is -0), and GCC folds the subtraction away,
// leaving one broadcast (conv_direct1x1.cpp writes its weights this way). `Vec<N>::T{} + v` is not the
// same: 0 + v is an add, which turns -0 into +0 and costs an instruction before the broadcast.
template <int N>
inline typename Vec<N>::T splat(float v) {
  return v - typename Vec<N>::T{};
}

}  // namespace fxq

// The engine's single-threaded float GEMM: C[M, N] = A[M, K] * B[K, N] (+ C when accumulate), all
// row-major with leading dimensions lda, ldb, ldc. It calls oneDNN's JIT sgemm (Debian libdnnl-dev),
// pinned to the calling thread: parallelism comes from the engine's own fixed task cut
// (common/parallel.h), so results never depend on the thread count. Measured on this project's
// machine (bench: best of 30, conv-shaped problems): 250-270 GFLOP/s vs 130-190 for Eigen 3.4's GEMM.
#pragma once
#include <cstdint>

namespace fxq {

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
           int64_t ldc, bool accumulate = false);

}  // namespace fxq

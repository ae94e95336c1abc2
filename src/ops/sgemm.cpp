#include "ops/sgemm.h"

#include <omp.h>

#include <oneapi/dnnl/dnnl.h>

#include "common/error.h"

namespace fxq {

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
           int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  // oneDNN threads its sgemm with OpenMP; one thread per caller (the OpenMP thread-count setting is
  // per calling thread), so that every task of the engine's pool runs one GEMM on its own core.
  thread_local bool pinned = false;
  if (!pinned) {
    omp_set_num_threads(1);
    pinned = true;
  }
  // oneDNN's sgemm takes row-major matrices (since oneDNN 1.0, unlike Fortran BLAS).
  const dnnl_status_t st = dnnl_sgemm('N', 'N', m, n, k, 1.0f, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
  FXQ_CHECK(st == dnnl_success, "dnnl_sgemm failed with status " + std::to_string(static_cast<int>(st)));
}

}  // namespace fxq

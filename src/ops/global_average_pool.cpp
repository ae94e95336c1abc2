// GlobalAveragePool: the mean of each [N, C] plane over all spatial dims, kept as size-1 dims.
#include <algorithm>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "common/parallel.h"

#include "ops/op.h"
#include "ops/pool_kernels.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

// 8 doubles as one value (GCC vector extension: one AVX-512 register, two AVX ones), 8 floats read
// unaligned; as in conv_kernels.cpp, never passed to or returned from functions.
typedef double Vd __attribute__((vector_size(8 * sizeof(double))));
typedef float Vf8 __attribute__((vector_size(8 * sizeof(float)), aligned(4), may_alias));

// The sum of v[0 .. n) in double, in 16 lanes: lane j adds v[j], v[j + 16], v[j + 32], ... in turn,
// from +0.0; then the lanes are added as a fixed tree: lane j + lane j + 8 (j < 8), then j + (j + 4),
// j + (j + 2), 0 + 1. The order depends on n only (loads start at v[0] whatever its alignment, and a plane
// is summed by one thread). The last n % 16 floats are added as a vector zero-padded to 16: adding +0.0
// leaves a lane unchanged, since a lane is never -0.0 (it starts at +0.0, and a sum that cancels is +0.0).
// Against the sequential double sum this kernel had before, the float results can differ only where the
// two double sums (both within about 1e-16 relative) straddle a float rounding boundary: none of 100,000
// random planes of 49 to 100,000 floats did, and the shared models' outputs are byte-identical.
double plane_sum(const float* v, int64_t n) {
  Vd lo = Vd{}, hi = Vd{};  // lanes 0-7 and 8-15
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    lo += __builtin_convertvector(*reinterpret_cast<const Vf8*>(v + k), Vd);
    hi += __builtin_convertvector(*reinterpret_cast<const Vf8*>(v + k + 8), Vd);
  }
  if (k < n) {
#ifdef __AVX512F__
    // A masked load: filling a zero-padded copy float by float and loading it as vectors stalls (the
    // vector load cannot be forwarded from the scalar stores; MobileNetV2's 1280 7x7 planes: 22.5 us with
    // the copy, 7.2 with the masked load).
    const __m512 t = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << (n - k)) - 1), v + k);
    lo += reinterpret_cast<Vd>(_mm512_cvtps_pd(_mm512_castps512_ps256(t)));
    hi += reinterpret_cast<Vd>(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(t), 1))));
#else
    double tail[16] = {};
    for (int64_t j = 0; k + j < n; ++j) tail[j] = v[k + j];
    for (int j = 0; j < 8; ++j) lo[j] += tail[j], hi[j] += tail[j + 8];
#endif
  }
  const Vd s = lo + hi;
  const double s0 = s[0] + s[4], s1 = s[1] + s[5], s2 = s[2] + s[6], s3 = s[3] + s[7];
  return (s0 + s2) + (s1 + s3);
}

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  const int64_t n = reduced_planes_output(a, x, y);
  global_average_pool(x.f.data(), x.dim(0) * x.dim(1), n, y.f.data());
}

}  // namespace

// Planes are spread over the pool, at least 32 K floats per task (SqueezeNet's 1000 13x13 planes: 6 tasks).
void global_average_pool(const float* x, int64_t planes, int64_t n, float* y) {
  parallel_range(planes, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) y[p] = static_cast<float>(plane_sum(x + p * n, n) / static_cast<double>(n));
  });
}

extern const OpDef kOp_GlobalAveragePool{"GlobalAveragePool", "mean over all spatial dims per channel", run,
                                         nullptr};

}  // namespace fxq

#include "ops/logistic.h"

#include <Eigen/Core>  // AVX-512: pexp for the tail below -9; others: scalar_logistic_op

#if defined(__AVX512F__)
#include <immintrin.h>
#else
#include <algorithm>
#endif

namespace fxq {

#if defined(__AVX512F__)

namespace {
// s(x) on 16 lanes (the arithmetic in ops/logistic.h).
inline __m512 logistic16(__m512 x) {
  const __mmask16 tail = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-9.0f), _CMP_LT_OQ);  // NaN: not the tail
  // max(lo, v) and min(hi, v) return v when it is NaN, so NaN flows through to s.
  const __m512 v = _mm512_min_ps(_mm512_set1_ps(18.0f), _mm512_max_ps(_mm512_set1_ps(-18.0f), x));
  const __m512 v2 = _mm512_mul_ps(v, v);
  __m512 p = _mm512_fmadd_ps(v2, _mm512_set1_ps(4.37031012579801e-11f), _mm512_set1_ps(1.15627324459942e-07f));
  p = _mm512_fmadd_ps(p, v2, _mm512_set1_ps(6.08574864600143e-05f));
  p = _mm512_fmadd_ps(p, v2, _mm512_set1_ps(8.51377133304701e-03f));
  p = _mm512_fmadd_ps(p, v2, _mm512_set1_ps(2.48287947061529e-01f));
  p = _mm512_mul_ps(p, v);
  __m512 q = _mm512_fmadd_ps(v2, _mm512_set1_ps(6.10247389755681e-13f), _mm512_set1_ps(5.76102136993427e-09f));
  q = _mm512_fmadd_ps(q, v2, _mm512_set1_ps(6.29106785017040e-06f));
  q = _mm512_fmadd_ps(q, v2, _mm512_set1_ps(1.70198817374094e-03f));
  q = _mm512_fmadd_ps(q, v2, _mm512_set1_ps(1.16817656904453e-01f));
  q = _mm512_fmadd_ps(q, v2, _mm512_set1_ps(9.93151921023180e-01f));
  const __m512 s = _mm512_add_ps(_mm512_div_ps(p, q), _mm512_set1_ps(0.5f));
  const __m512 clamped = _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), s));
  if (__builtin_expect(tail == 0, 1)) return clamped;
  return _mm512_mask_mov_ps(clamped, tail, Eigen::internal::pexp(x));
}
}  // namespace

void logistic(const float* x, float* y, int64_t n) {
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) _mm512_storeu_ps(y + k, logistic16(_mm512_loadu_ps(x + k)));
  if (k == n) return;
  const __mmask16 m = static_cast<__mmask16>((1u << (n - k)) - 1);
  _mm512_mask_storeu_ps(y + k, m, logistic16(_mm512_maskz_loadu_ps(m, x + k)));
}

void silu(float* y, int64_t n) {
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m512 v = _mm512_loadu_ps(y + k);
    _mm512_storeu_ps(y + k, _mm512_mul_ps(v, logistic16(v)));
  }
  if (k == n) return;
  const __mmask16 m = static_cast<__mmask16>((1u << (n - k)) - 1);
  const __m512 v = _mm512_maskz_loadu_ps(m, y + k);
  _mm512_mask_storeu_ps(y + k, m, _mm512_mul_ps(v, logistic16(v)));
}

#else

// Eigen's scalar_logistic_op: logistic16's arithmetic but for x in (15.72, 18], where it gives 1 - 2^-24
// (ORT: 1), and without FMA in the build each Horner step rounds twice. Its packet path (SSE or AVX) for
// every element, a tail through a padded packet, so a value never depends on the buffer's alignment or
// the task cut.
void logistic(const float* x, float* y, int64_t n) {
  using Packet = Eigen::internal::packet_traits<float>::type;
  constexpr int64_t kLanes = Eigen::internal::unpacket_traits<Packet>::size;
  const Eigen::internal::scalar_logistic_op<float> op;
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    Eigen::internal::pstoreu(y + k, op.packetOp(Eigen::internal::ploadu<Packet>(x + k)));
  if (k == n) return;
  float in[kLanes] = {}, out[kLanes];
  std::copy(x + k, x + n, in);
  Eigen::internal::pstoreu(out, op.packetOp(Eigen::internal::ploadu<Packet>(in)));
  std::copy(out, out + (n - k), y + k);
}

void silu(float* y, int64_t n) {
  constexpr int64_t kChunk = 256;
  float s[kChunk];
  for (int64_t b = 0; b < n; b += kChunk) {
    const int64_t m = std::min(kChunk, n - b);
    logistic(y + b, s, m);
    for (int64_t k = 0; k < m; ++k) y[b + k] = y[b + k] * s[k];
  }
}

#endif

}  // namespace fxq

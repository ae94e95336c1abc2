#include "ops/epilogue.h"

#include <Eigen/Core>
#include <algorithm>

namespace fxq {

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

void Epilogue::apply(float* y, int64_t n) const {
  switch (kind) {
    case kNone: return;
    case kRelu:
      for (int64_t k = 0; k < n; ++k) y[k] = y[k] > 0.0f ? y[k] : 0.0f;
      return;
    case kClip:
      for (int64_t k = 0; k < n; ++k) y[k] = std::min(std::max(y[k], lo), hi);
      return;
    case kLeakyRelu: {
      // alpha read once into a local: y could alias the member for all GCC knows, and re-reading it
      // per element kept this loop scalar (3.4 of NanoDet-m's 12.5 ms in kernels, docs/engine.md).
      const float a = alpha;
      for (int64_t k = 0; k < n; ++k) {
        const float v = y[k];
        y[k] = v >= 0 ? v : a * v;
      }
      return;
    }
    case kSiLU: {
      constexpr int64_t kChunk = 256;
      float s[kChunk];
      for (int64_t b = 0; b < n; b += kChunk) {
        const int64_t m = std::min(kChunk, n - b);
        logistic(y + b, s, m);
        for (int64_t k = 0; k < m; ++k) y[b + k] = y[b + k] * s[k];
      }
      return;
    }
  }
}

}  // namespace fxq

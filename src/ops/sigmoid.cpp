// Sigmoid: y = 1 / (1 + exp(-x)), in float, without overflow for large |x|.
#include <Eigen/Core>
#include <algorithm>

#include "ops/unary.h"

namespace fxq {
namespace {
// Eigen's vectorized float logistic (a rational approximation, ~1e-7; ONNX Runtime's kernel is an
// approximation too), applied to every element through the full-width packet path -- tails go through
// a padded packet -- so an element's value never depends on the buffer's alignment or the task cut.
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

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  parallel_range(x.size(), kElementGrain, [&](int64_t b, int64_t e) { logistic(x.f.data() + b, y.f.data() + b, e - b); });
}
}  // namespace

extern const OpDef kOp_Sigmoid{"Sigmoid", "1 / (1 + exp(-x))", run, nullptr};

}  // namespace fxq

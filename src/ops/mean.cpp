// Mean: elementwise mean of one or more float inputs with numpy broadcasting (sum, then / N).
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  Tensor s = fold_inputs(a, [&](const Tensor& x, const Tensor& y) {
    return binary_float(a, x, y, [](double p, double q) { return p + q; });
  });
  if (!s.is_float()) a.fail_unsupported("only float32 inputs are supported");
  const float n = static_cast<float>(a.num_inputs());
  for (float& v : s.f) v /= n;
  a.output(0) = std::move(s);
}
}  // namespace

extern const OpDef kOp_Mean{"Mean", "elementwise mean of N inputs (broadcast)", run, nullptr};

}  // namespace fxq

// Sum: elementwise sum of one or more float inputs with numpy broadcasting.
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  a.output(0) = fold_inputs(a, [&](const Tensor& x, const Tensor& y) {
    return binary_float(a, x, y, [](double p, double q) { return p + q; });
  });
  if (!a.output(0).is_float()) a.fail_unsupported("only float32 inputs are supported");
}
}  // namespace

extern const OpDef kOp_Sum{"Sum", "elementwise sum of N inputs (broadcast)", run, nullptr};

}  // namespace fxq

// Sigmoid: y = 1 / (1 + exp(-x)), in float (ops/logistic.h), without overflow for large |x|.
#include "ops/logistic.h"
#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  y = Tensor::uninitialized(x.shape);  // logistic writes every element
  parallel_range(x.size(), kElementGrain, [&](int64_t b, int64_t e) { logistic(x.f.data() + b, y.f.data() + b, e - b); });
}
}  // namespace

extern const OpDef kOp_Sigmoid{"Sigmoid", "1 / (1 + exp(-x))", run, nullptr};

}  // namespace fxq

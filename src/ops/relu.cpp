// Relu: y = max(x, 0).
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  for (size_t k = 0; k < x.f.size(); ++k) y.f[k] = x.f[k] > 0.0f ? x.f[k] : 0.0f;
}
}  // namespace

extern const OpDef kOp_Relu{"Relu", "max(x, 0)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/true}};

}  // namespace fxq

// Pow: z = x ^ y with numpy broadcasting; float base, float or integer exponent, float result.
#include <cmath>

#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const Tensor& y = a.input(1);
  Tensor yf;  // an integer exponent as float (exact for every exponent that gives a finite float)
  if (!y.is_float()) {
    if (y.dtype == DType::kBool) a.fail_input("exponent must be numeric, got bool");
    yf = Tensor::zeros(y.shape);
    for (size_t k = 0; k < y.i.size(); ++k) yf.f[k] = static_cast<float>(y.i[k]);
  }
  a.output(0) = binary_float(a, x, y.is_float() ? y : yf, [](double p, double q) { return std::pow(p, q); });
}
}  // namespace

extern const OpDef kOp_Pow{"Pow", "x ^ y (broadcast; float base, float or integer exponent)", run, nullptr};

}  // namespace fxq

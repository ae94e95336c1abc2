// Mish: y = x * tanh(ln(1 + exp(x))) (opset 18, accepted at any opset).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) {
    const double sp = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    return x * std::tanh(sp);
  });
}
}  // namespace

extern const OpDef kOp_Mish{"Mish", "x * tanh(softplus(x))", run, nullptr};

}  // namespace fxq

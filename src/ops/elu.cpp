// Elu: y = x for x > 0, alpha * (exp(x) - 1) otherwise (alpha 1).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const double alpha = a.node.attr_float("alpha", 1.0f);
  unary_float(a, [=](double x) { return x > 0 ? x : alpha * std::expm1(x); });
}
}  // namespace

extern const OpDef kOp_Elu{"Elu", "x > 0 ? x : alpha * (exp(x) - 1)", run, nullptr};

}  // namespace fxq

// Selu: y = gamma * x for x > 0, gamma * alpha * (exp(x) - 1) otherwise (spec defaults for alpha, gamma).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const double alpha = a.node.attr_float("alpha", 1.67326319217681884765625f);
  const double gamma = a.node.attr_float("gamma", 1.05070102214813232421875f);
  unary_float(a, [=](double x) { return gamma * (x > 0 ? x : alpha * std::expm1(x)); });
}
}  // namespace

extern const OpDef kOp_Selu{"Selu", "gamma * (x > 0 ? x : alpha * (exp(x) - 1))", run, nullptr};

}  // namespace fxq

// HardSigmoid: y = max(0, min(1, alpha * x + beta)) (alpha 0.2, beta 0.5).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const double alpha = a.node.attr_float("alpha", 0.2f);
  const double beta = a.node.attr_float("beta", 0.5f);
  unary_float(a, [=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); });
}
}  // namespace

extern const OpDef kOp_HardSigmoid{"HardSigmoid", "max(0, min(1, alpha * x + beta))", run, nullptr};

}  // namespace fxq

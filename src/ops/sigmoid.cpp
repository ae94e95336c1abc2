// Sigmoid: y = 1 / (1 + exp(-x)), evaluated without overflow for large |x|.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); });
}
}  // namespace

extern const OpDef kOp_Sigmoid{"Sigmoid", "1 / (1 + exp(-x))", run, nullptr};

}  // namespace fxq

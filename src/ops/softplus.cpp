// Softplus: y = ln(1 + exp(x)), evaluated without overflow for large x.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); });
}
}  // namespace

extern const OpDef kOp_Softplus{"Softplus", "log(1 + exp(x))", run, nullptr};

}  // namespace fxq

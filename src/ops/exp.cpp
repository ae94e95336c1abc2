// Exp: y = exp(x).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::exp(x); });
}
}  // namespace

extern const OpDef kOp_Exp{"Exp", "exp(x)", run, nullptr};

}  // namespace fxq

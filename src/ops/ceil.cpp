// Ceil: y = ceil(x).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::ceil(x); });
}
}  // namespace

extern const OpDef kOp_Ceil{"Ceil", "ceil(x)", run, nullptr};

}  // namespace fxq

// Erf: y = erf(x), the Gauss error function.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::erf(x); });
}
}  // namespace

extern const OpDef kOp_Erf{"Erf", "erf(x)", run, nullptr};

}  // namespace fxq

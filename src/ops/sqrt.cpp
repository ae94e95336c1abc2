// Sqrt: y = sqrt(x); a negative x gives NaN.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::sqrt(x); });
}
}  // namespace

extern const OpDef kOp_Sqrt{"Sqrt", "sqrt(x) (negative gives NaN)", run, nullptr};

}  // namespace fxq

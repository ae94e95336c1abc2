// Log: y = ln(x); ln 0 = -inf, ln of a negative number = NaN.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::log(x); });
}
}  // namespace

extern const OpDef kOp_Log{"Log", "natural log (log 0 = -inf, log of negative = NaN)", run, nullptr};

}  // namespace fxq

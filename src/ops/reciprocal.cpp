// Reciprocal: y = 1 / x (1/0 = inf, 1/-0 = -inf).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return 1 / x; });
}
}  // namespace

extern const OpDef kOp_Reciprocal{"Reciprocal", "1 / x", run, nullptr};

}  // namespace fxq

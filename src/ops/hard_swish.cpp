// HardSwish: y = x * max(0, min(1, x / 6 + 0.5)) (opset 14).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return x * std::max(0.0, std::min(1.0, x / 6 + 0.5)); });
}
}  // namespace

extern const OpDef kOp_HardSwish{"HardSwish", "x * max(0, min(1, x / 6 + 0.5))", run, nullptr};

}  // namespace fxq

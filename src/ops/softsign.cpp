// Softsign: y = x / (1 + |x|).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return x / (1 + std::fabs(x)); });
}
}  // namespace

extern const OpDef kOp_Softsign{"Softsign", "x / (1 + |x|)", run, nullptr};

}  // namespace fxq

// Tanh: y = tanh(x).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::tanh(x); });
}
}  // namespace

extern const OpDef kOp_Tanh{"Tanh", "tanh(x)", run, nullptr};

}  // namespace fxq

// Floor: y = floor(x).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) { return std::floor(x); });
}
}  // namespace

extern const OpDef kOp_Floor{"Floor", "floor(x)", run, nullptr};

}  // namespace fxq

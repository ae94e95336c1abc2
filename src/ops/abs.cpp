// Abs: y = |x| for float or integer x (integers wrap: |-128| = -128 for int8, as ONNX Runtime).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_numeric(
      a, [](double x) { return std::fabs(x); },
      [](int64_t x) { return x < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(x)) : x; });
}
}  // namespace

extern const OpDef kOp_Abs{"Abs", "|x| (float or integer)", run, nullptr};

}  // namespace fxq

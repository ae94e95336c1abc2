// Neg: y = -x for float or integer x (integers wrap: -INT32_MIN = INT32_MIN for int32).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_numeric(
      a, [](double x) { return -x; }, [](int64_t x) { return static_cast<int64_t>(0 - static_cast<uint64_t>(x)); });
}
}  // namespace

extern const OpDef kOp_Neg{"Neg", "-x (float or integer)", run, nullptr};

}  // namespace fxq

// ReduceSum: sum over `axes` (an attribute before opset 13, input 1 from opset 13); float or integer.
#include "ops/reduce.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  reduce_numeric(
      a, 13, 0.0, [](double s, double v) { return s + v; }, int64_t{0},
      [](int64_t s, int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(s) + static_cast<uint64_t>(v)); });
}
}  // namespace

extern const OpDef kOp_ReduceSum{"ReduceSum", "sum over axes (keepdims 1)", run, nullptr};

}  // namespace fxq

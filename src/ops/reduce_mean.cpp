// ReduceMean: mean over `axes` (an attribute before opset 18, input 1 from opset 18); float or integer
// (integer means truncate, as ONNX Runtime).
#include "ops/reduce.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  reduce_numeric(
      a, 18, 0.0, [](double s, double v) { return s + v; }, int64_t{0},
      [](int64_t s, int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(s) + static_cast<uint64_t>(v)); },
      /*mean=*/true);
}
}  // namespace

extern const OpDef kOp_ReduceMean{"ReduceMean", "mean over axes (keepdims 1)", run, nullptr};

}  // namespace fxq

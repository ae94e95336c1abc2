// ReduceMax: maximum over `axes` (an attribute before opset 18, input 1 from opset 18); float or
// integer. A NaN in a slice gives NaN; an empty slice gives -inf.
#include <cmath>
#include <limits>

#include "ops/reduce.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  reduce_numeric(
      a, 18, -std::numeric_limits<double>::infinity(),
      [](double m, double v) { return std::isnan(m) || m >= v ? m : v; }, std::numeric_limits<int64_t>::min(),
      [](int64_t m, int64_t v) { return m >= v ? m : v; });
}
}  // namespace

extern const OpDef kOp_ReduceMax{"ReduceMax", "maximum over axes (keepdims 1)", run, nullptr};

}  // namespace fxq

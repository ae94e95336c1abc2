// Min: elementwise minimum of one or more inputs (broadcast; float or integer, one dtype). A NaN in any
// input gives NaN, as ONNX Runtime does.
#include <cmath>

#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  a.output(0) = fold_inputs(a, [&](const Tensor& x, const Tensor& y) {
    return binary_numeric(
        a, x, y, [](double p, double q) { return std::isnan(p) || p < q ? p : q; },
        [](int64_t p, int64_t q) { return p < q ? p : q; });
  });
}
}  // namespace

extern const OpDef kOp_Min{"Min", "elementwise minimum of N inputs (broadcast)", run, nullptr};

}  // namespace fxq

// GlobalMaxPool: the maximum of each [N, C] plane over all spatial dims, kept as size-1 dims.
#include <limits>

#include "ops/op.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  if (x.rank() < 2) a.fail_input("input " + shape_str(x.shape) + " must be [N, C, spatial...]");
  Shape out_shape = x.shape;
  for (size_t k = 2; k < out_shape.size(); ++k) out_shape[k] = 1;
  Tensor& y = a.output(0);
  y = Tensor::zeros(out_shape);
  const int64_t planes = x.dim(0) * x.dim(1), inner = numel(Shape(x.shape.begin() + 2, x.shape.end()));
  if (inner == 0) a.fail_input("input " + shape_str(x.shape) + " has an empty spatial dim");
  for (int64_t p = 0; p < planes; ++p) {
    float m = std::numeric_limits<float>::lowest();
    for (int64_t k = p * inner; k < (p + 1) * inner; ++k)
      if (x.f[k] > m) m = x.f[k];
    y.f[p] = m;
  }
}

}  // namespace

extern const OpDef kOp_GlobalMaxPool{"GlobalMaxPool", "maximum over all spatial dims per channel", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

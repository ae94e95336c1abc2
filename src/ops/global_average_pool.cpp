// GlobalAveragePool: the mean of each [N, C] plane over all spatial dims, kept as size-1 dims.
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
    double sum = 0.0;
    for (int64_t k = p * inner; k < (p + 1) * inner; ++k) sum += x.f[k];
    y.f[p] = static_cast<float>(sum / static_cast<double>(inner));
  }
}

}  // namespace

extern const OpDef kOp_GlobalAveragePool{"GlobalAveragePool", "mean over all spatial dims per channel", run,
                                         nullptr};

}  // namespace fxq

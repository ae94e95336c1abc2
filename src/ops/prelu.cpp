// PRelu: y = x for x >= 0, slope * x otherwise; slope broadcasts unidirectionally to x's shape.
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const Tensor& slope = a.float_input(1);
  if (broadcast_shape(a, x.shape, slope.shape) != x.shape)
    a.fail_input("slope " + shape_str(slope.shape) + " does not broadcast to x " + shape_str(x.shape));
  Tensor y = Tensor::zeros(x.shape);
  broadcast_apply(x.f, x.shape, slope.f, slope.shape, y.shape, y.f,
                  [](float v, float s) { return v >= 0 ? v : s * v; });
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_PRelu{"PRelu", "x >= 0 ? x : slope * x (slope broadcast to x)", run, nullptr};

}  // namespace fxq

// Squeeze: drop the size-1 dims listed in `axes` (attribute before opset 13, input from 13), or every
// size-1 dim when there are none.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const std::vector<int64_t> axes =
      a.opset < 13 ? a.node.attr_ints("axes") : (a.has_input(1) ? a.input(1).to_ints() : std::vector<int64_t>{});
  std::vector<bool> drop(x.shape.size(), false);
  if (axes.empty())
    for (int d = 0; d < x.rank(); ++d) drop[d] = x.dim(d) == 1;
  for (int64_t ax : axes) {
    const int64_t d = normalize_axis(a, ax, x.rank());
    if (x.dim(static_cast<int>(d)) != 1)
      a.fail_input("cannot squeeze axis " + std::to_string(ax) + " of shape " + shape_str(x.shape) + ": size is not 1");
    drop[d] = true;
  }
  Shape shape;
  for (int d = 0; d < x.rank(); ++d)
    if (!drop[d]) shape.push_back(x.dim(d));
  Tensor y = a.take_input0();  // x is not used after this: it may have been moved
  y.shape = std::move(shape);
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Squeeze{"Squeeze", "drop size-1 axes", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

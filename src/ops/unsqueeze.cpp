// Unsqueeze: insert size-1 dims at `axes` (attribute before opset 13, input from 13); axes index the
// output, so they range over [-(r+n), r+n) for n axes.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const std::vector<int64_t> axes = a.opset < 13 ? a.node.attr_ints("axes") : a.input(1).to_ints();
  const int64_t out_rank = x.rank() + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t ax : axes) {
    const int64_t d = normalize_axis(a, ax, out_rank);
    if (inserted[d]) a.fail_input("axis " + std::to_string(ax) + " is repeated");
    inserted[d] = true;
  }
  Shape shape;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) shape.push_back(inserted[d] ? 1 : x.shape[next++]);
  Tensor y = a.take_input0();  // x is not used after this: it may have been moved
  y.shape = std::move(shape);
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Unsqueeze{"Unsqueeze", "insert size-1 axes", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

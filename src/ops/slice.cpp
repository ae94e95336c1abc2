// Slice: starts/ends/axes attributes before opset 10; from 10 inputs starts, ends, axes?, steps?.
// Negative indices count from the end, out-of-range ones (INT64_MAX/MIN sentinels) are clamped, and
// a negative step walks backwards.
#include <algorithm>

#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (a.opset < 10) {
    starts = a.node.attr_ints("starts");
    ends = a.node.attr_ints("ends");
    axes = a.node.attr_ints("axes");
  } else {
    starts = a.input(1).to_ints();
    ends = a.input(2).to_ints();
    if (a.has_input(3)) axes = a.input(3).to_ints();
    if (a.has_input(4)) steps = a.input(4).to_ints();
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    a.fail_input("starts, ends, axes and steps must have the same length");

  Shape shape = x.shape;
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  std::vector<int64_t> strides = in_strides;
  std::vector<bool> seen(x.shape.size(), false);
  int64_t offset = 0;
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t axis = normalize_axis(a, axes[k], x.rank());
    if (seen[axis]) a.fail_input("axis " + std::to_string(axes[k]) + " is repeated");
    seen[axis] = true;
    const int64_t dim = x.dim(static_cast<int>(axis));
    if (steps[k] == 0) a.fail_input("step must not be 0");
    const int64_t step = std::clamp<int64_t>(steps[k], -dim - 1, dim + 1);  // same result, no overflow
    int64_t start = starts[k] < 0 ? starts[k] + dim : starts[k];  // no overflow: dim >= 0
    int64_t end = ends[k] < 0 ? ends[k] + dim : ends[k];
    int64_t count;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? 1 + (end - start - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? 1 + (start - end - 1) / -step : 0;
    }
    shape[axis] = count;
    strides[axis] = in_strides[axis] * step;
    if (count > 0) offset += start * in_strides[axis];
  }
  a.output(0) = strided_view(x, shape, offset, strides);
}
}  // namespace

extern const OpDef kOp_Slice{"Slice", "take a strided sub-range along some axes", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

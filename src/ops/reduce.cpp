#include "ops/reduce.h"

namespace fxq {

ReducePlan plan_reduce(const KernelArgs& a, const Shape& in, int64_t axes_input_since) {
  std::vector<int64_t> axes;
  bool noop_with_empty_axes = false;
  if (a.opset < axes_input_since) {
    axes = a.node.attr_ints("axes", {});
  } else {
    if (a.has_input(1)) axes = a.input(1).to_ints();
    noop_with_empty_axes = a.node.attr_int("noop_with_empty_axes", 0) != 0;
  }
  const bool keepdims = a.node.attr_int("keepdims", 1) != 0;
  ReducePlan p;
  if (axes.empty() && noop_with_empty_axes) {
    p.noop = true;
    return p;
  }
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(in.size(), axes.empty());
  for (int64_t ax : axes) {
    if (ax < -r || ax >= r)
      a.fail_input("axis " + std::to_string(ax) + " is out of range for input " + shape_str(in));
    reduced[static_cast<size_t>(ax < 0 ? ax + r : ax)] = true;
  }
  for (size_t d = 0; d < in.size(); ++d) {
    p.kept.push_back(reduced[d] ? 1 : in[d]);
    if (reduced[d]) p.count *= in[d];
    if (!reduced[d] || keepdims) p.out.push_back(p.kept.back());
  }
  return p;
}

}  // namespace fxq

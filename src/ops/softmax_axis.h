// The reduction layout shared by Softmax and LogSoftmax: from opset 13 one axis (default -1); before
// opset 13 the input coerced to 2-D at `axis` (default 1), i.e. all dims from axis on. Element k of
// slice (o, i) is at o * len * inner + k * inner + i.
#pragma once
#include <algorithm>

#include "ops/op.h"

namespace fxq {

struct SoftmaxAxis {
  int64_t outer = 1, len = 1, inner = 1;

  SoftmaxAxis(const KernelArgs& a, const Tensor& x) {
    const int64_t rank = x.rank();
    int64_t axis = a.node.attr_int("axis", a.opset >= 13 ? -1 : 1);
    if (axis < -rank || axis >= rank) a.fail_input("axis " + std::to_string(axis) + " is out of range for " + shape_str(x.shape));
    if (axis < 0) axis += rank;
    outer = numel(Shape(x.shape.begin(), x.shape.begin() + axis));
    inner = a.opset >= 13 ? numel(Shape(x.shape.begin() + axis + 1, x.shape.end())) : 1;
    len = x.size() / std::max<int64_t>(1, outer * inner);
  }
};

}  // namespace fxq

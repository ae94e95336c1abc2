// Shared by QuantizeLinear and DequantizeLinear: which scale/zero-point entry an element uses —
// one for a scalar (or 1-element) scale, else one per slice along `axis` (default 1, opset >= 13).
#pragma once
#include "ops/op.h"

namespace fxq {

class QdqAxis {
 public:
  QdqAxis(const KernelArgs& a, const Shape& x, const Tensor& scale, const Tensor* zero_point) {
    if (scale.size() == 1) {
      if (zero_point && zero_point->size() != 1) a.fail_input("zero point and scale differ in size");
      return;
    }
    const int64_t rank = static_cast<int64_t>(x.size());
    int64_t axis = a.node.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (a.opset < 13 || axis < 0 || axis >= rank || scale.rank() != 1 || scale.size() != x[static_cast<size_t>(axis)])
      a.fail_input("scale " + shape_str(scale.shape) + " does not fit input " + shape_str(x) + " along axis " +
                   std::to_string(axis));
    if (zero_point && zero_point->size() != scale.size()) a.fail_input("zero point and scale differ in size");
    channels_ = scale.size();
    inner_ = 1;
    for (int64_t d = axis + 1; d < rank; ++d) inner_ *= x[static_cast<size_t>(d)];
  }
  int64_t channel(int64_t element) const { return channels_ == 1 ? 0 : (element / inner_) % channels_; }

 private:
  int64_t channels_ = 1, inner_ = 1;
};

}  // namespace fxq

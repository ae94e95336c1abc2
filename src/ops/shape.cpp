// Shape: the input's dims as a 1-D int64 tensor; from opset 15 only dims [start, end) (negative
// counts from the end, clamped to [0, rank]).
#include <algorithm>

#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const int64_t rank = x.rank();
  auto bound = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = bound(a.node.attr_int("start", 0));
  const int64_t end = std::max(start, bound(a.node.attr_int("end", rank)));
  const std::vector<int64_t> dims(x.shape.begin() + start, x.shape.begin() + end);
  a.output(0) = Tensor::from_ints({end - start}, dims);
}
}  // namespace

extern const OpDef kOp_Shape{"Shape", "the input's dims as int64", run, nullptr};

}  // namespace fxq

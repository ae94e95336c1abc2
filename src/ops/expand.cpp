// Expand: broadcast the input against `shape` (bidirectionally, numpy rules): dims align from the
// right and a 1 on either side takes the other side's size.
#include <algorithm>

#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const std::vector<int64_t> req = a.input(1).to_ints();
  const size_t rank = std::max(x.shape.size(), req.size());
  Shape shape(rank);
  std::vector<int64_t> strides(rank, 0);
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  for (size_t d = 0; d < rank; ++d) {
    const size_t xo = rank - x.shape.size(), ro = rank - req.size();
    const int64_t xd = d >= xo ? x.shape[d - xo] : 1, rd = d >= ro ? req[d - ro] : 1;
    if (xd != rd && xd != 1 && rd != 1)
      a.fail_input("cannot broadcast " + shape_str(x.shape) + " to " + shape_str(req));
    shape[d] = xd == 1 ? rd : xd;
    if (xd != 1) strides[d] = in_strides[d - xo];
  }
  a.output(0) = strided_view(x, shape, 0, strides);
}
}  // namespace

extern const OpDef kOp_Expand{"Expand", "broadcast to a shape", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

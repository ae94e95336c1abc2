// Concat: join inputs along `axis` (negative allowed); all other dims and the dtype must match.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x0 = a.input(0);
  const int64_t axis = normalize_axis(a, a.node.attr_int("axis", 0), x0.rank());
  Shape shape = x0.shape;
  shape[axis] = 0;
  for (size_t k = 0; k < a.num_inputs(); ++k) {
    const Tensor& x = a.input(k);
    bool same = x.dtype == x0.dtype && x.rank() == x0.rank();
    for (int d = 0; same && d < x.rank(); ++d) same = d == axis || x.dim(d) == x0.dim(d);
    if (!same)
      a.fail_input("input " + std::to_string(k) + " " + shape_str(x.shape) + " " + dtype_name(x.dtype) +
                   " does not match input 0 " + shape_str(x0.shape) + " " + dtype_name(x0.dtype));
    shape[axis] += x.dim(static_cast<int>(axis));
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  Tensor y = alloc_like(x0, shape);
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < a.num_inputs(); ++k) {
      const int64_t chunk = a.input(k).dim(static_cast<int>(axis)) * inner;
      copy_range(a.input(k), o * chunk, y, pos, chunk);
      pos += chunk;
    }
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Concat{"Concat", "join tensors along an axis", run, nullptr};

}  // namespace fxq

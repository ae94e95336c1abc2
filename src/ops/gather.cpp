// Gather: pick slices of `data` along `axis` by `indices` (negative counts from the end); the result
// has shape data[:axis] + indices.shape + data[axis+1:].
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& data = a.input(0);
  const Tensor& indices = a.input(1);
  if (indices.is_float()) a.fail_input("indices must be an integer tensor");
  const int64_t axis = normalize_axis(a, a.node.attr_int("axis", 0), data.rank());
  const int64_t dim = data.dim(static_cast<int>(axis));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < data.rank(); ++d)
    if (d != axis) (d < axis ? outer : inner) *= data.dim(d);
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());

  std::vector<int64_t> idx = indices.to_ints();
  for (int64_t& j : idx) {
    if (j < -dim || j >= dim)
      a.fail_input("index " + std::to_string(j) + " is out of range for axis " + std::to_string(axis) +
                   " of size " + std::to_string(dim));
    if (j < 0) j += dim;
  }
  std::vector<int64_t> src;
  src.reserve(static_cast<size_t>(numel(shape)));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j : idx)
      for (int64_t k = 0; k < inner; ++k) src.push_back((o * dim + j) * inner + k);
  a.output(0) = take(data, shape, src);
}
}  // namespace

extern const OpDef kOp_Gather{"Gather", "pick slices along an axis by index", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

// Split: cut the input along `axis` into parts given by `split` (attribute before opset 13, input
// from 13), or into equal parts, one per output.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const int64_t axis = normalize_axis(a, a.node.attr_int("axis", 0), x.rank());
  const int64_t dim = x.dim(static_cast<int>(axis));
  const int64_t parts = static_cast<int64_t>(a.num_outputs());
  std::vector<int64_t> split = a.opset < 13 ? a.node.attr_ints("split")
                                            : (a.has_input(1) ? a.input(1).to_ints() : std::vector<int64_t>{});
  if (split.empty()) {
    if (parts == 0 || dim % parts != 0)
      a.fail_input("dim " + std::to_string(dim) + " cannot be split into " + std::to_string(parts) + " equal parts");
    split.assign(static_cast<size_t>(parts), dim / parts);
  }
  int64_t total = 0;
  for (int64_t s : split) {
    if (s < 0) a.fail_input("negative split size " + std::to_string(s));
    total += s;
  }
  if (static_cast<int64_t>(split.size()) != parts || total != dim)
    a.fail_input("split sizes (" + std::to_string(split.size()) + " parts, sum " + std::to_string(total) +
                 ") do not match " + std::to_string(parts) + " outputs and dim " + std::to_string(dim));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.dim(static_cast<int>(d));
  for (int d = static_cast<int>(axis) + 1; d < x.rank(); ++d) inner *= x.dim(d);
  int64_t begin = 0;
  for (size_t k = 0; k < split.size(); ++k) {
    Shape shape = x.shape;
    shape[axis] = split[k];
    Tensor y = alloc_like(x, shape);
    const int64_t chunk = split[k] * inner;
    for (int64_t o = 0; o < outer; ++o) copy_range(x, (o * dim + begin) * inner, y, o * chunk, chunk);
    a.output(k) = std::move(y);
    begin += split[k];
  }
}
}  // namespace

extern const OpDef kOp_Split{"Split", "cut a tensor into parts along an axis", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

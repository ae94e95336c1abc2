// Tile: repeat the input `repeats[d]` times along each dim d.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const std::vector<int64_t> repeats = a.input(1).to_ints();
  if (static_cast<int>(repeats.size()) != x.rank())
    a.fail_input("repeats has " + std::to_string(repeats.size()) + " values for rank " + std::to_string(x.rank()));
  Shape shape = x.shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) a.fail_input("negative repeat " + std::to_string(repeats[d]));
    shape[d] *= repeats[d];
  }
  const std::vector<int64_t> strides = strides_of(x.shape);
  std::vector<int64_t> src(static_cast<size_t>(numel(shape)));
  for_each_index(shape, [&](const std::vector<int64_t>& idx, int64_t k) {
    int64_t s = 0;
    for (size_t d = 0; d < idx.size(); ++d) s += (idx[d] % x.shape[d]) * strides[d];
    src[k] = s;
  });
  a.output(0) = take(x, shape, src);
}
}  // namespace

extern const OpDef kOp_Tile{"Tile", "repeat along each dim", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

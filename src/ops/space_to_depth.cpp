// SpaceToDepth: NCHW -> [N, C*b², H/b, W/b]; output channel (bh*b + bw)*C + c (inverse of DCR).
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const int64_t b = a.node.attr_int("blocksize", 0);
  if (x.rank() != 4) a.fail_input("input must be 4-D, got " + shape_str(x.shape));
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  if (b <= 0 || h % b != 0 || w % b != 0)
    a.fail_input("spatial dims " + shape_str(x.shape) + " not divisible by blocksize " + std::to_string(b));
  Tensor y = permute(x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4});
  y.shape = {n, c * b * b, h / b, w / b};
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_SpaceToDepth{"SpaceToDepth", "move spatial blocks into channels", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

// DepthToSpace: NCHW -> [N, C/b², H*b, W*b]. DCR (default) reads channels as (b, b, C/b²), CRD as
// (C/b², b, b).
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const int64_t b = a.node.attr_int("blocksize", 0);
  const std::string mode = a.node.attr_string("mode", "DCR");
  if (x.rank() != 4) a.fail_input("input must be 4-D, got " + shape_str(x.shape));
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  if (b <= 0 || c % (b * b) != 0)
    a.fail_input("channels " + std::to_string(c) + " not divisible by blocksize² (" + std::to_string(b) + ")");
  const int64_t oc = c / (b * b);
  Tensor y;
  if (mode == "DCR") y = permute(x, {n, b, b, oc, h, w}, {0, 3, 4, 1, 5, 2});
  else if (mode == "CRD") y = permute(x, {n, oc, b, b, h, w}, {0, 1, 4, 2, 5, 3});
  else a.fail_input("mode '" + mode + "' is not DCR or CRD");
  y.shape = {n, oc, h * b, w * b};
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_DepthToSpace{"DepthToSpace", "move channel blocks into space (DCR/CRD)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

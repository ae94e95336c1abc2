// Transpose: permute axes by `perm` (default: reverse them).
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  std::vector<int64_t> perm = a.node.attr_ints("perm");
  if (perm.empty())
    for (int d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
  std::vector<bool> used(x.shape.size(), false);
  bool ok = static_cast<int>(perm.size()) == x.rank();
  for (size_t d = 0; ok && d < perm.size(); ++d) {
    ok = perm[d] >= 0 && perm[d] < x.rank() && !used[perm[d]];
    if (ok) used[perm[d]] = true;
  }
  if (!ok) a.fail_input("perm is not a permutation of the " + std::to_string(x.rank()) + " axes");
  a.output(0) = permute(x, x.shape, perm);
}
}  // namespace

extern const OpDef kOp_Transpose{"Transpose", "permute axes", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

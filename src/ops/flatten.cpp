// Flatten: to 2-D, [prod(dims before axis), prod(dims from axis)]; axis in [-rank, rank], default 1.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  int64_t axis = a.node.attr_int("axis", 1);
  if (axis < -x.rank() || axis > x.rank())
    a.fail_input("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(x.rank()));
  if (axis < 0) axis += x.rank();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x.dim(d);
  Tensor y = a.take_input0();  // x is not used after this: it may have been moved
  y.shape = {outer, inner};
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Flatten{"Flatten", "reshape to 2-D around an axis", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

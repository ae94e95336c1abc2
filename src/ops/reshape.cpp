// Reshape: same elements, new shape (attribute before opset 5, input from 5). A 0 copies the input's
// dim at that position (unless allowzero=1, opset 14) and one -1 is inferred from the element count.
#include "ops/tensor_copy.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const std::vector<int64_t> req = a.opset < 5 ? a.node.attr_ints("shape") : a.input(1).to_ints();
  const bool allow_zero = a.node.attr_int("allowzero", 0) != 0;
  auto mismatch = [&] { a.fail_input("cannot reshape " + shape_str(x.shape) + " to " + shape_str(req)); };
  Shape shape(req.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t d = 0; d < req.size(); ++d) {
    shape[d] = req[d];
    if (req[d] == 0 && !allow_zero) {
      if (d >= x.shape.size()) mismatch();
      shape[d] = x.shape[d];
    } else if (req[d] == -1) {
      if (infer >= 0) a.fail_input("more than one -1 in shape " + shape_str(req));
      infer = static_cast<int>(d);
      continue;
    } else if (req[d] < 0) {
      mismatch();
    }
    known *= shape[d];
  }
  if (infer >= 0) {
    if (known == 0 || x.size() % known != 0) mismatch();
    shape[infer] = x.size() / known;
  }
  if (numel(shape) != x.size()) mismatch();
  Tensor y = a.take_input0();  // x is not used after this: it may have been moved
  y.shape = shape;
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Reshape{"Reshape", "same elements, new shape (0 copies a dim, -1 inferred)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

// ConstantOfShape: a tensor of the shape given by the input, filled with the one element of the
// `value` tensor attribute (default float 0), in that attribute's dtype.
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Shape shape = a.input(0).to_ints();
  for (int64_t d : shape)
    if (d < 0) a.fail_input("negative dim in shape " + shape_str(shape));
  const Tensor* value = a.node.attr_tensor("value");
  if (value && value->size() != 1) a.fail_input("'value' must hold exactly one element");
  const size_t n = static_cast<size_t>(numel(shape));
  Tensor y;
  y.shape = shape;
  y.dtype = value ? value->dtype : DType::kFloat32;
  if (y.is_float()) y.f.assign(n, value ? value->f[0] : 0.0f);
  else y.i.assign(n, value->i[0]);
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_ConstantOfShape{"ConstantOfShape", "a tensor of a given shape filled with one value", run,
                                       nullptr};

}  // namespace fxq

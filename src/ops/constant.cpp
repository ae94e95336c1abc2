// Constant: a tensor from exactly one attribute: value (tensor), value_float(s), value_int(s).
// sparse_value and the string forms are unsupported.
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Node& n = a.node;
  for (const char* key : {"sparse_value", "value_string", "value_strings"})
    if (n.has_attr(key)) a.fail_unsupported(std::string("attribute '") + key + "' is not supported");
  if (n.attrs.size() != 1) a.fail_input("needs exactly one value attribute");
  if (const Tensor* t = n.attr_tensor("value")) {
    a.output(0) = *t;
  } else if (n.has_attr("value_float")) {
    a.output(0) = Tensor::from_floats({}, {n.attr_float("value_float", 0)});
  } else if (n.has_attr("value_floats")) {
    std::vector<float> v = n.attr_floats("value_floats");
    const int64_t len = static_cast<int64_t>(v.size());
    a.output(0) = Tensor::from_floats({len}, std::move(v));
  } else if (n.has_attr("value_int")) {
    a.output(0) = Tensor::from_ints({}, {n.attr_int("value_int", 0)});
  } else if (n.has_attr("value_ints")) {
    std::vector<int64_t> v = n.attr_ints("value_ints");
    const int64_t len = static_cast<int64_t>(v.size());
    a.output(0) = Tensor::from_ints({len}, std::move(v));
  } else {
    a.fail_unsupported("attribute '" + n.attrs.begin()->first + "' is not supported");
  }
}
}  // namespace

extern const OpDef kOp_Constant{"Constant", "a tensor from an attribute", run, nullptr};

}  // namespace fxq

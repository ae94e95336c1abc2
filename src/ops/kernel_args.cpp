#include "ops/op.h"

namespace fxq {

const Tensor& KernelArgs::input(size_t k) const {
  if (!has_input(k)) fail_input("input " + std::to_string(k) + " is required but absent");
  return *in[k];
}

const Tensor& KernelArgs::float_input(size_t k) const {
  const Tensor& t = input(k);
  if (!t.is_float())
    fail_unsupported("input " + std::to_string(k) + " ('" + node.inputs[k] + "') is " + dtype_name(t.dtype) +
                     ", only float32 is supported here");
  return t;
}

Tensor KernelArgs::take_input0() {
  const Tensor& x = input(0);
  if (donor && donor == &x) return std::move(*donor);
  return x;
}

void KernelArgs::fail_input(const std::string& msg) const { fxq::fail_input(node.describe() + ": " + msg); }
void KernelArgs::fail_unsupported(const std::string& msg) const {
  fxq::fail_unsupported(node.describe() + ": " + msg);
}

}  // namespace fxq

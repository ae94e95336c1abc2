// BatchNormalization, inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel
// (dim 1), computed as y = x * a + b with a = scale / sqrt(var + epsilon), b = B - mean * a (as ONNX
// Runtime does). Training mode and the training outputs (running mean/var) are not supported.
#include <cmath>

#include "ops/op.h"

namespace fxq {
namespace {

void check_mode(const KernelArgs& a) {
  size_t requested = 0;
  for (const std::string& name : a.node.outputs) requested += name.empty() ? 0 : 1;
  if (requested > 1 || a.node.attr_int("training_mode", 0) != 0)
    a.fail_unsupported("only inference mode (one output) is supported, not training outputs");
  if (a.opset < 9 && a.node.attr_int("spatial", 1) == 0)
    a.fail_unsupported("spatial=0 (per-activation statistics) is not supported");
}

void run(KernelArgs& a) {
  check_mode(a);
  const Tensor& x = a.float_input(0);
  if (x.rank() < 2) a.fail_input("input " + shape_str(x.shape) + " must have a channel dim (rank >= 2)");
  const int64_t channels = x.dim(1), inner = numel(Shape(x.shape.begin() + 2, x.shape.end()));
  const Tensor* params[4];
  for (size_t k = 0; k < 4; ++k) {
    params[k] = &a.float_input(k + 1);
    if (params[k]->size() != channels)
      a.fail_input("input " + std::to_string(k + 1) + " " + shape_str(params[k]->shape) +
                   " must have one value per channel (" + std::to_string(channels) + ")");
  }
  const float epsilon = a.node.attr_float("epsilon", 1e-5f);
  const FloatData &scale = params[0]->f, &bias = params[1]->f, &mean = params[2]->f, &var = params[3]->f;
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  const int64_t outer = x.dim(0);
  for (int64_t c = 0; c < channels; ++c) {
    const float mul = scale[c] / std::sqrt(var[c] + epsilon);
    const float add = bias[c] - mean[c] * mul;
    for (int64_t n = 0; n < outer; ++n) {
      const int64_t base = (n * channels + c) * inner;
      for (int64_t k = base; k < base + inner; ++k) y.f[k] = x.f[k] * mul + add;
    }
  }
}

}  // namespace

extern const OpDef kOp_BatchNormalization{"BatchNormalization", "inference-mode batch norm over channel dim 1",
                                          run, nullptr};

}  // namespace fxq

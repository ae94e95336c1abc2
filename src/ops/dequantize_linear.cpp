// DequantizeLinear: y = (x - x_zero_point) * x_scale, per tensor or (opset 13) per slice along
// `axis`; x is int8, uint8 or int32 (int32 with zero point 0, as for biases).
#include "ops/op.h"
#include "ops/qdq_axis.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  if (x.is_float()) a.fail_input("input must be an integer tensor");
  const Tensor& scale = a.float_input(1);
  const Tensor* zp = a.has_input(2) ? &a.input(2) : nullptr;
  if (zp && zp->dtype != x.dtype) a.fail_input("zero point and input differ in type");
  const QdqAxis ax(a, x.shape, scale, zp);
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  for (int64_t k = 0; k < x.size(); ++k) {
    const int64_t c = ax.channel(k);
    y.f[k] = static_cast<float>(x.i[k] - (zp ? zp->i[c] : 0)) * scale.f[c];
  }
}

}  // namespace

extern const OpDef kOp_DequantizeLinear{"DequantizeLinear", "(x - zero_point) * scale from int8/uint8/int32", run, nullptr};

}  // namespace fxq

// QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point), per tensor or (opset 13)
// per slice along `axis`. The output type is the zero point's (uint8 when absent): int8 or uint8.
#include <cmath>

#include "fixedpoint/qformat.h"
#include "ops/op.h"
#include "ops/qdq_axis.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const Tensor& scale = a.float_input(1);
  const Tensor* zp = a.has_input(2) ? &a.input(2) : nullptr;
  const DType type = zp ? zp->dtype : DType::kUInt8;
  if (type != DType::kInt8 && type != DType::kUInt8)
    a.fail_unsupported(std::string("quantizing to ") + dtype_name(type) + " (only int8 and uint8 in the default domain)");
  const int64_t lo = type == DType::kInt8 ? -128 : 0, hi = type == DType::kInt8 ? 127 : 255;
  const QdqAxis ax(a, x.shape, scale, zp);
  Tensor& y = a.output(0);
  y.dtype = type;
  y.shape = x.shape;
  y.i.resize(x.f.size());
  for (int64_t k = 0; k < x.size(); ++k) {
    const int64_t c = ax.channel(k);
    const float q = x.f[k] / scale.f[c];  // float32, as the spec computes it
    const double r = std::isnan(q) ? 0.0 : fixedpoint::round_half_even(q) + static_cast<double>(zp ? zp->i[c] : 0);
    y.i[k] = static_cast<int64_t>(std::min<double>(std::max<double>(r, lo), hi));
  }
}

}  // namespace

extern const OpDef kOp_QuantizeLinear{"QuantizeLinear", "saturate(round_half_even(x / scale) + zero_point) to int8/uint8",
                                      run, nullptr};

}  // namespace fxq

// Cast: converts to the dtype named by attribute `to` (ONNX TensorProto enum: float32, int64, int32,
// int8, uint8, bool). As ONNX Runtime on x86: float -> integer truncates toward zero; a NaN or
// out-of-range float gives INT64_MIN for int64 and, for the narrower types, INT32_MIN's low bits (so
// INT32_MIN for int32, 0 for int8/uint8); integer -> narrower integer keeps the low bits (300 -> 44 as
// int8); anything -> bool is x != 0 (NaN is true).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
bool to_dtype(int64_t onnx_type, DType* t) {
  switch (onnx_type) {
    case 1: *t = DType::kFloat32; return true;
    case 2: *t = DType::kUInt8; return true;
    case 3: *t = DType::kInt8; return true;
    case 6: *t = DType::kInt32; return true;
    case 7: *t = DType::kInt64; return true;
    case 9: *t = DType::kBool; return true;
    default: return false;
  }
}

int64_t float_to_int(float v, DType t) {
  if (t == DType::kBool) return v != 0.0f ? 1 : 0;
  if (t == DType::kInt64) {
    if (std::isnan(v) || v >= 0x1p63f || v < -0x1p63f) return INT64_MIN;
    return static_cast<int64_t>(v);
  }
  if (std::isnan(v) || v >= 0x1p31f || v < -0x1p31f) return wrap_int(INT32_MIN, t);
  return wrap_int(static_cast<int64_t>(v), t);
}

void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  if (!a.node.has_attr("to")) a.fail_input("attribute 'to' is required");
  const int64_t to = a.node.attr_int("to", 0);
  DType t;
  if (!to_dtype(to, &t)) a.fail_unsupported("cast to ONNX type " + std::to_string(to) + " is not supported");
  Tensor y;
  y.dtype = t;
  y.shape = x.shape;
  const size_t n = static_cast<size_t>(x.size());
  if (t == DType::kFloat32) {
    y.f.resize(n);
    for (size_t k = 0; k < n; ++k) y.f[k] = x.is_float() ? x.f[k] : static_cast<float>(x.i[k]);
  } else {
    y.i.resize(n);
    for (size_t k = 0; k < n; ++k)
      y.i[k] = x.is_float() ? float_to_int(x.f[k], t) : t == DType::kBool ? x.i[k] != 0 : wrap_int(x.i[k], t);
  }
  a.output(0) = std::move(y);
}
}  // namespace

extern const OpDef kOp_Cast{"Cast", "convert to float32/int64/int32/int8/uint8/bool (attribute 'to')", run, nullptr};

}  // namespace fxq

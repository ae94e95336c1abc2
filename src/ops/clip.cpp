// Clip: y = min(max(x, lo), hi). Opset < 11: float attributes min, max; opset >= 11: optional scalar
// inputs 1 (min) and 2 (max), where integer x is allowed too (opset 12). An absent bound is the
// dtype's lowest/highest value, as ONNX Runtime does (so +inf clips to FLT_MAX); NaN passes through;
// lo > hi gives hi everywhere.
#include <limits>

#include "ops/unary.h"

namespace fxq {
namespace {
// Scalar bound from optional input k, or `def` when absent; it must share x's dtype.
template <class T>
T bound(const KernelArgs& a, size_t k, DType t, T def) {
  if (!a.has_input(k)) return def;
  const Tensor& b = a.input(k);
  if (b.dtype != t || b.size() != 1)
    a.fail_input("input " + std::to_string(k) + " must be a scalar of the input's dtype, got " +
                 dtype_name(b.dtype) + " " + shape_str(b.shape));
  return b.is_float() ? static_cast<T>(b.f[0]) : static_cast<T>(b.i[0]);
}

void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  if (!x.is_float()) {
    if (a.opset < 11 || x.dtype == DType::kBool) a.fail_unsupported(std::string("input is ") + dtype_name(x.dtype));
    const int64_t lo = bound<int64_t>(a, 1, x.dtype, std::numeric_limits<int64_t>::lowest());
    const int64_t hi = bound<int64_t>(a, 2, x.dtype, std::numeric_limits<int64_t>::max());
    return unary_numeric(a, [](double v) { return v; }, [=](int64_t v) { return std::min(std::max(v, lo), hi); });
  }
  float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  if (a.opset < 11) {
    lo = a.node.attr_float("min", lo);
    hi = a.node.attr_float("max", hi);
  } else {
    lo = bound<float>(a, 1, x.dtype, lo);
    hi = bound<float>(a, 2, x.dtype, hi);
  }
  // std::max/min keep a NaN x (it compares false) instead of replacing it with a bound.
  unary_float_fast(a, [=](float v) { return std::min(std::max(v, lo), hi); });
}
}  // namespace

extern const OpDef kOp_Clip{"Clip", "min(max(x, min), max) (attributes before opset 11, inputs after)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/true}};

}  // namespace fxq

// Helpers for elementwise ops: one-input kernels in a few lines, and integer results kept within
// their ONNX dtype's width (two's-complement wraparound, as ONNX Runtime's C++ kernels behave).
#pragma once
#include <algorithm>
#include <cstdint>

#include "common/parallel.h"
#include "ops/op.h"

namespace fxq {

// v reduced to the range of integer dtype t by keeping its low bits (int64 and bool pass through).
inline int64_t wrap_int(int64_t v, DType t) {
  switch (t) {
    case DType::kInt32: return static_cast<int32_t>(static_cast<uint32_t>(v));
    case DType::kInt8: return static_cast<int8_t>(static_cast<uint8_t>(v));
    case DType::kUInt8: return static_cast<uint8_t>(v);
    default: return v;
  }
}

// y = f(x) for a float32 input 0; f is evaluated in double and rounded once to float.
template <class F>
void unary_float(KernelArgs& a, F f) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  for (size_t k = 0; k < x.f.size(); ++k) y.f[k] = static_cast<float>(f(static_cast<double>(x.f[k])));
}

// Elements per task of the elementwise kernels (a fixed cut: see common/parallel.h).
constexpr int64_t kElementGrain = 1 << 14;

// y = f(x) for a float32 input 0 with f evaluated in float: the fast path for ops whose float result
// equals the double-evaluated one (min/max, one multiply: IEEE double rounding of a float product or
// sum is innocuous), or that accept float accuracy (exp-based activations). Runs on the thread pool.
template <class F>
void unary_float_fast(KernelArgs& a, F f) {
  const Tensor& x = a.float_input(0);
  Tensor& y = a.output(0);
  y = Tensor::uninitialized(x.shape);  // every element written below
  const float* xp = x.f.data();
  float* yp = y.f.data();
  parallel_range(static_cast<int64_t>(x.f.size()), kElementGrain, [&](int64_t b, int64_t e) {
    // A local copy of f: reached through the reference this lambda captures, its captured values (e.g.
    // LeakyRelu's alpha) might alias yp for all GCC knows, and re-reading them per element kept the
    // loop scalar.
    const F g = f;
    for (int64_t k = b; k < e; ++k) yp[k] = g(xp[k]);
  });
}

// As unary_float, and integer (not bool) inputs use fi on int64 with the result wrapped to the dtype.
template <class FF, class FI>
void unary_numeric(KernelArgs& a, FF ff, FI fi) {
  const Tensor& x = a.input(0);
  if (x.is_float()) return unary_float(a, ff);
  if (x.dtype == DType::kBool) a.fail_unsupported("bool input is not supported");
  Tensor& y = a.output(0);
  y = Tensor::from_ints(x.shape, std::vector<int64_t>(x.i.size()), x.dtype);
  for (size_t k = 0; k < x.i.size(); ++k) y.i[k] = wrap_int(fi(x.i[k]), x.dtype);
}

}  // namespace fxq

// Multidirectional (numpy) broadcasting, shared by every binary and variadic elementwise op.
// Shapes are aligned on their last dims; two dims match when equal or when one of them is 1
// (so 1 against 0 gives 0: zero-size dims give empty outputs).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/op.h"
#include "ops/unary.h"

namespace fxq {

// The broadcast shape of x and y; incompatible shapes are a bad-input error naming the node.
Shape broadcast_shape(const KernelArgs& a, const Shape& x, const Shape& y);

// Maps each element index of the broadcast output to the index of the element read from an input.
class BroadcastIndex {
 public:
  BroadcastIndex(const Shape& in, const Shape& out);  // `in` must broadcast to `out`
  int64_t operator()(int64_t out_index) const {
    if (mode_ != kGeneral) return mode_ == kSame ? out_index : 0;
    int64_t r = 0;
    for (size_t d = 0; d < out_dims_.size(); ++d) r += (out_index / out_strides_[d]) % out_dims_[d] * in_strides_[d];
    return r;
  }

 private:
  enum Mode { kSame, kScalar, kGeneral } mode_;
  Shape out_dims_;
  std::vector<int64_t> out_strides_, in_strides_;  // in_strides_ is 0 on broadcast dims
};

// The longest run of trailing output dims over which each input advances uniformly: returns its
// element count and, per input, the step within the run (1: the input has those dims, 0: broadcast).
int64_t broadcast_inner_run(const Shape& xs, const Shape& ys, const Shape& out, int64_t& step_x, int64_t& step_y);

// z[k] = f(x[ix(k)], y[iy(k)]) over the broadcast shape `out`, run by run (parallel for large outputs;
// each element is computed the same way whatever the thread count).
// XV, YV, ZV: std::vector or FloatData (Tensor::f) of the element types.
template <class XV, class YV, class ZV, class F>
void broadcast_apply(const XV& x, const Shape& xs, const YV& y, const Shape& ys, const Shape& out, ZV& z, F f) {
  using A = typename XV::value_type;
  using B = typename YV::value_type;
  using R = typename ZV::value_type;
  BroadcastIndex ix(xs, out), iy(ys, out);
  const int64_t n = numel(out);
  z.resize(static_cast<size_t>(n));
  if (n == 0) return;
  int64_t sx = 0, sy = 0;
  const int64_t run = broadcast_inner_run(xs, ys, out, sx, sy);
  const int64_t runs = n / run, runs_per_task = std::max<int64_t>(1, kElementGrain / run);
  const A* xp = x.data();
  const B* yp = y.data();
  R* zp = z.data();
  parallel_range(runs, runs_per_task, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const A* xr = xp + ix(r * run);
      const B* yr = yp + iy(r * run);
      R* zr = zp + r * run;
      if (sx && sy) for (int64_t k = 0; k < run; ++k) zr[k] = f(xr[k], yr[k]);
      else if (sx) for (int64_t k = 0; k < run; ++k) zr[k] = f(xr[k], yr[0]);
      else if (sy) for (int64_t k = 0; k < run; ++k) zr[k] = f(xr[0], yr[k]);
      else for (int64_t k = 0; k < run; ++k) zr[k] = f(xr[0], yr[0]);
    }
  });
}

// Inputs x and y must have the same dtype; a mismatch is a bad-input error naming the node.
void require_same_dtype(const KernelArgs& a, const Tensor& x, const Tensor& y);

// Float-only binary op: float32 result of ff(x, y) evaluated in double.
template <class FF>
Tensor binary_float(const KernelArgs& a, const Tensor& x, const Tensor& y, FF ff) {
  if (!x.is_float() || !y.is_float())
    a.fail_unsupported(std::string("inputs are ") + dtype_name(x.dtype) + " and " + dtype_name(y.dtype) +
                       ", only float32 is supported here");
  Tensor z;
  z.shape = broadcast_shape(a, x.shape, y.shape);
  broadcast_apply(x.f, x.shape, y.f, y.shape, z.shape, z.f,
                  [&](float p, float q) { return static_cast<float>(ff(static_cast<double>(p), static_cast<double>(q))); });
  return z;
}

// Arithmetic binary op: float inputs use ff (in double), integer inputs (not bool) use fi on int64 with
// the result wrapped to the dtype's width. The output dtype is the inputs' dtype.
template <class FF, class FI>
Tensor binary_numeric(const KernelArgs& a, const Tensor& x, const Tensor& y, FF ff, FI fi) {
  require_same_dtype(a, x, y);
  if (x.is_float()) return binary_float(a, x, y, ff);
  if (x.dtype == DType::kBool) a.fail_unsupported("bool inputs are not supported");
  Tensor z;
  z.dtype = x.dtype;
  z.shape = broadcast_shape(a, x.shape, y.shape);
  const DType t = x.dtype;
  broadcast_apply(x.i, x.shape, y.i, y.shape, z.shape, z.i,
                  [&](int64_t p, int64_t q) { return wrap_int(fi(p, q), t); });
  return z;
}

// Comparison: a bool tensor of cmp(x, y) for inputs of one dtype (float compared as float).
template <class C>
Tensor binary_compare(const KernelArgs& a, const Tensor& x, const Tensor& y, C cmp) {
  require_same_dtype(a, x, y);
  Tensor z;
  z.dtype = DType::kBool;
  z.shape = broadcast_shape(a, x.shape, y.shape);
  auto as_bool = [&](auto p, auto q) { return static_cast<int64_t>(cmp(p, q) ? 1 : 0); };
  if (x.is_float())
    broadcast_apply(x.f, x.shape, y.f, y.shape, z.shape, z.i, as_bool);
  else
    broadcast_apply(x.i, x.shape, y.i, y.shape, z.shape, z.i, as_bool);
  return z;
}

// Variadic op (Max, Min, Sum, Mean): folds inputs left to right with `binary`, broadcasting as it goes.
// At least one input is required; a single input is returned as is.
template <class B>
Tensor fold_inputs(const KernelArgs& a, B binary) {
  if (a.num_inputs() == 0) a.fail_input("needs at least one input");
  Tensor acc = a.input(0);
  for (size_t k = 1; k < a.num_inputs(); ++k) acc = binary(acc, a.input(k));
  return acc;
}

}  // namespace fxq

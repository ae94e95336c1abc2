// Shared axis handling for ReduceMean, ReduceSum, ReduceMax and ReduceMin.
#pragma once
#include <vector>

#include "ops/broadcast.h"

namespace fxq {

struct ReducePlan {
  bool noop = false;  // empty axes with noop_with_empty_axes = 1: the output is the input
  Shape kept;         // input shape with the reduced dims set to 1
  Shape out;          // output shape: `kept`, or without the reduced dims when keepdims = 0
  int64_t count = 1;  // input elements folded into each output element
};

// Axes come from attribute `axes` before opset `axes_input_since` and from optional input 1 from then
// on (where noop_with_empty_axes, default 0, applies). keepdims defaults to 1. Negative axes count
// from the end, repeats are ignored, empty axes mean all axes; an axis out of range is a bad input.
ReducePlan plan_reduce(const KernelArgs& a, const Shape& in, int64_t axes_input_since);

// Folds every element of x into its output slot: acc = f(acc, x[k]) starting from `init`.
template <class Acc, class XV, class F>  // XV: std::vector<int64_t> or FloatData
std::vector<Acc> reduce_fold(const XV& x, const Shape& in, const ReducePlan& p, Acc init, F f) {
  std::vector<Acc> acc(static_cast<size_t>(numel(p.out)), init);
  const BroadcastIndex slot(p.kept, in);
  for (int64_t k = 0; k < static_cast<int64_t>(x.size()); ++k) {
    Acc& s = acc[static_cast<size_t>(slot(k))];
    s = f(s, x[k]);
  }
  return acc;
}

// A whole reduction kernel on input 0: floats fold in double with ff from init_f, integers (not bool)
// in int64 with fi from init_i, wrapped to their dtype. `mean` divides by the count (integers
// truncate); an empty reduction leaves the init value (a mean over nothing is 0, as ONNX Runtime).
template <class FF, class FI>
void reduce_numeric(KernelArgs& a, int64_t axes_input_since, double init_f, FF ff, int64_t init_i, FI fi,
                    bool mean = false) {
  const Tensor& x = a.input(0);
  if (x.dtype == DType::kBool) a.fail_unsupported("bool input is not supported");
  const ReducePlan p = plan_reduce(a, x.shape, axes_input_since);
  if (p.noop) {
    a.output(0) = x;
    return;
  }
  Tensor y;
  y.dtype = x.dtype;
  y.shape = p.out;
  const bool divide = mean && p.count > 0;
  if (x.is_float()) {
    for (double v : reduce_fold(x.f, x.shape, p, init_f, ff))
      y.f.push_back(static_cast<float>(divide ? v / static_cast<double>(p.count) : v));
  } else {
    for (int64_t v : reduce_fold(x.i, x.shape, p, init_i, fi)) y.i.push_back(wrap_int(divide ? v / p.count : v, x.dtype));
  }
  a.output(0) = std::move(y);
}

}  // namespace fxq

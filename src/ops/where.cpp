// Where: out = cond ? x : y, the three inputs broadcast together; cond is bool, x and y share a dtype
// (float, integer or bool), which is the output's.
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& c = a.input(0);
  const Tensor& x = a.input(1);
  const Tensor& y = a.input(2);
  if (c.dtype != DType::kBool) a.fail_input(std::string("condition must be bool, got ") + dtype_name(c.dtype));
  require_same_dtype(a, x, y);
  Tensor z;
  z.dtype = x.dtype;
  z.shape = broadcast_shape(a, broadcast_shape(a, c.shape, x.shape), y.shape);
  BroadcastIndex ic(c.shape, z.shape), ix(x.shape, z.shape), iy(y.shape, z.shape);
  const int64_t n = numel(z.shape);
  if (x.is_float()) z.f.resize(static_cast<size_t>(n)); else z.i.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    const bool pick_x = c.i[ic(k)] != 0;
    if (x.is_float()) z.f[k] = pick_x ? x.f[ix(k)] : y.f[iy(k)];
    else z.i[k] = pick_x ? x.i[ix(k)] : y.i[iy(k)];
  }
  a.output(0) = std::move(z);
}
}  // namespace

extern const OpDef kOp_Where{"Where", "cond ? x : y (broadcast)", run, nullptr};

}  // namespace fxq

#include "ops/broadcast.h"

#include <algorithm>

namespace fxq {

Shape broadcast_shape(const KernelArgs& a, const Shape& x, const Shape& y) {
  const size_t r = std::max(x.size(), y.size());
  Shape out(r);
  for (size_t k = 0; k < r; ++k) {
    // Dims counted from the right; a missing dim acts as 1.
    const int64_t dx = k < x.size() ? x[x.size() - 1 - k] : 1;
    const int64_t dy = k < y.size() ? y[y.size() - 1 - k] : 1;
    if (dx != dy && dx != 1 && dy != 1)
      a.fail_input("shapes " + shape_str(x) + " and " + shape_str(y) + " cannot be broadcast together");
    out[r - 1 - k] = dx == 1 ? dy : dx;
  }
  return out;
}

BroadcastIndex::BroadcastIndex(const Shape& in, const Shape& out) {
  FXQ_CHECK(in.size() <= out.size(), "BroadcastIndex: input rank exceeds output rank");
  const size_t lead = out.size() - in.size();
  const bool same = std::equal(in.begin(), in.end(), out.begin() + static_cast<std::ptrdiff_t>(lead)) &&
                    numel(in) == numel(out);
  mode_ = same ? kSame : numel(in) == 1 ? kScalar : kGeneral;
  if (mode_ != kGeneral) return;
  const std::vector<int64_t> in_st = strides_of(in);
  out_strides_ = strides_of(out);
  for (size_t d = 0; d < out.size(); ++d) {
    const int64_t di = d < lead ? 1 : in[d - lead];
    FXQ_CHECK(di == out[d] || di == 1, "BroadcastIndex: shape does not broadcast");
    out_dims_.push_back(out[d]);
    in_strides_.push_back(di == 1 ? 0 : in_st[d - lead]);
  }
}

int64_t broadcast_inner_run(const Shape& xs, const Shape& ys, const Shape& out, int64_t& step_x, int64_t& step_y) {
  const size_t r = out.size();
  auto dim = [r](const Shape& s, size_t d) { return d + s.size() < r ? int64_t{1} : s[d + s.size() - r]; };
  int64_t run = 1;
  int fx = -1, fy = -1;  // per input: 1 = has the dim, 0 = broadcast along it, -1 = not decided yet
  for (size_t d = r; d-- > 0;) {
    if (out[d] == 1) continue;  // a unit dim fits either pattern
    const int gx = dim(xs, d) == out[d] ? 1 : 0, gy = dim(ys, d) == out[d] ? 1 : 0;
    if (fx == -1) fx = gx, fy = gy;
    if (gx != fx || gy != fy) break;
    run *= out[d];
  }
  step_x = fx == 1 ? 1 : 0;
  step_y = fy == 1 ? 1 : 0;
  return run;
}

void require_same_dtype(const KernelArgs& a, const Tensor& x, const Tensor& y) {
  if (x.dtype != y.dtype)
    a.fail_input(std::string("inputs have different dtypes (") + dtype_name(x.dtype) + " and " +
                 dtype_name(y.dtype) + ")");
}

}  // namespace fxq

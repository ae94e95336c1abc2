#include "ops/tensor_copy.h"

#include <algorithm>

namespace fxq {

Tensor alloc_like(const Tensor& x, Shape shape) {
  Tensor t;
  t.dtype = x.dtype;
  const size_t n = static_cast<size_t>(numel(shape));
  if (x.is_float()) t.f.assign(n, 0.0f);
  else t.i.assign(n, 0);
  t.shape = std::move(shape);
  return t;
}

void copy_range(const Tensor& src, int64_t src_pos, Tensor& dst, int64_t dst_pos, int64_t count) {
  FXQ_CHECK(src.is_float() == dst.is_float(), "copy_range: storage kinds differ");
  if (count <= 0) return;
  if (src.is_float()) std::copy_n(src.f.begin() + src_pos, count, dst.f.begin() + dst_pos);
  else std::copy_n(src.i.begin() + src_pos, count, dst.i.begin() + dst_pos);
}

Tensor take(const Tensor& x, Shape shape, const std::vector<int64_t>& src, double fill) {
  Tensor y = alloc_like(x, std::move(shape));
  FXQ_CHECK(static_cast<int64_t>(src.size()) == y.size(), "take: index count does not match shape");
  for (size_t k = 0; k < src.size(); ++k) {
    FXQ_CHECK(src[k] < x.size(), "take: source index out of range");
    if (y.is_float()) y.f[k] = src[k] < 0 ? static_cast<float>(fill) : x.f[src[k]];
    else y.i[k] = src[k] < 0 ? static_cast<int64_t>(fill) : x.i[src[k]];
  }
  return y;
}

Tensor strided_view(const Tensor& x, Shape shape, int64_t offset, const std::vector<int64_t>& strides) {
  FXQ_CHECK(strides.size() == shape.size(), "strided_view: one stride per dim");
  std::vector<int64_t> src(static_cast<size_t>(numel(shape)));
  for_each_index(shape, [&](const std::vector<int64_t>& idx, int64_t k) {
    int64_t s = offset;
    for (size_t d = 0; d < idx.size(); ++d) s += idx[d] * strides[d];
    FXQ_CHECK(s >= 0 && s < x.size(), "strided_view: index outside the input");
    src[k] = s;
  });
  return take(x, std::move(shape), src);
}

Tensor permute(const Tensor& x, const Shape& view, const std::vector<int64_t>& perm) {
  FXQ_CHECK(numel(view) == x.size() && perm.size() == view.size(), "permute: bad view or perm");
  const std::vector<int64_t> in_strides = strides_of(view);
  Shape shape(view.size());
  std::vector<int64_t> strides(view.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    shape[d] = view[perm[d]];
    strides[d] = in_strides[perm[d]];
  }
  return strided_view(x, shape, 0, strides);
}

int64_t normalize_axis(const KernelArgs& a, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    a.fail_input("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace fxq

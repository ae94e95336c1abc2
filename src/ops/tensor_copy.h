// Element copies shared by the shape ops: they move elements without arithmetic, so each works on
// float and integer tensors alike and keeps the input's dtype.
#pragma once
#include <vector>

#include "ops/op.h"

namespace fxq {

// A tensor with x's dtype and the given shape, to be written completely by the caller: float elements are
// left uninitialised (no memset before the copy that overwrites them), integer ones are zero.
Tensor alloc_like(const Tensor& x, Shape shape);
// dst[dst_pos + k] = src[src_pos + k] for k < count (same storage kind).
void copy_range(const Tensor& src, int64_t src_pos, Tensor& dst, int64_t dst_pos, int64_t count);
// A tensor of `shape` (x's dtype) whose element k is x[src[k]], or `fill` where src[k] < 0.
Tensor take(const Tensor& x, Shape shape, const std::vector<int64_t>& src, double fill = 0);
// Element at multi-index (i0..in) of the result is x[offset + sum i_d * strides_d]; strides may be
// zero (broadcast) or negative (reversed). Every index reached must lie inside x.
Tensor strided_view(const Tensor& x, Shape shape, int64_t offset, const std::vector<int64_t>& strides);
// x read as `view` (same element count), then its axes permuted: result axis d is view axis perm[d].
Tensor permute(const Tensor& x, const Shape& view, const std::vector<int64_t>& perm);
// Axis in [-rank, rank) made non-negative; out of range is a bad-input error naming the node.
int64_t normalize_axis(const KernelArgs& a, int64_t axis, int64_t rank);

// Calls fn(idx, k) for every multi-index of `shape` in row-major order, k the flat position.
template <class F>
void for_each_index(const Shape& shape, F fn) {
  const int64_t n = numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(static_cast<const std::vector<int64_t>&>(idx), k);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
  }
}

}  // namespace fxq

// Sliding-window geometry shared by Conv and the pools: per spatial axis the kernel, strides,
// dilations, pads and output size, from the ONNX attributes strides, dilations, pads, auto_pad and
// (pools only) ceil_mode. Output size per axis (ONNX spec, as ONNX Runtime computes it):
//   extent = (kernel - 1) * dilation + 1
//   NOTSET: out = floor((in + pad_begin + pad_end - extent) / stride) + 1     (ceil with ceil_mode;
//           with ceil_mode a window that would start in the end padding is dropped)
//   VALID:  as NOTSET with pads 0 (ceil_mode applies, as in ONNX Runtime)
//   SAME_UPPER / SAME_LOWER: out = ceil(in / stride),
//           pad_total = max(0, (out - 1) * stride + extent - in), the odd cell at the end (UPPER)
//           or at the beginning (LOWER); dilations other than 1 are unsupported here (ONNX Runtime
//           rejects them for Conv and sizes pools against the spec). ceil_mode does not apply.
#pragma once
#include <vector>

#include "ops/op.h"

namespace fxq {

struct Window {
  std::vector<int64_t> in, kernel, strides, dilations, pad_begin, pad_end, out;

  size_t rank() const { return in.size(); }
  int64_t extent(size_t ax) const { return (kernel[ax] - 1) * dilations[ax] + 1; }
  // Input position of tap k of output position o along axis ax (may lie in the padding).
  int64_t input_pos(size_t ax, int64_t o, int64_t k) const {
    return o * strides[ax] - pad_begin[ax] + k * dilations[ax];
  }
  // Taps [lo, hi) of output position o along axis ax that land inside the input (lo == hi: none).
  void taps_inside(size_t ax, int64_t o, int64_t& lo, int64_t& hi) const;
  // Taps of output position o along axis ax that land before in + pad_end (inside the padded input).
  int64_t taps_inside_padded(size_t ax, int64_t o) const;
};

// The window of `kernel` over the spatial dims `in` from the node's attributes. `allow_ceil` reads
// ceil_mode (pools); Conv has none. Invalid attributes or an empty output are bad-input errors.
Window window_from_attrs(const KernelArgs& a, const Shape& in, const std::vector<int64_t>& kernel,
                         bool allow_ceil);

// The same window with unit axes (kernel 1, stride 1, no pad) prepended up to `rank` axes, so 1-D
// and 2-D windows run through one 2-D or 3-D loop.
Window window_as_rank(const Window& w, size_t rank);

// The window of a pool (kernel_shape required, ceil_mode read) over an [N, C, spatial...] input with
// 1 to 3 spatial axes, returned with 3 axes (see window_as_rank).
Window pool_window(const KernelArgs& a, const Shape& x);

// [N, C, out...] for an [N, C, spatial...] input, with the window's last x.size() - 2 output sizes.
Shape pooled_shape(const Shape& x, const Window& w);

// Pools every [N, C] plane of x (window `w`, 3-D positions) into y, shaped pooled_shape(x, w):
// y[plane, o] = f(plane data, o) for every output position o.
template <class F>
void pool_planes(const Tensor& x, const Window& w, Tensor& y, F f) {
  y = Tensor::zeros(pooled_shape(x.shape, w));
  const int64_t planes = x.dim(0) * x.dim(1), in_plane = numel(w.in);
  float* out = y.f.data();
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x.f.data() + p * in_plane;
    int64_t o[3];
    for (o[0] = 0; o[0] < w.out[0]; ++o[0])
      for (o[1] = 0; o[1] < w.out[1]; ++o[1])
        for (o[2] = 0; o[2] < w.out[2]; ++o[2]) *out++ = f(plane, o);
  }
}

// For a reduction of every [N, C] plane over all spatial dims: checks x, sets y to zeros of shape
// [N, C, 1, ...] and returns the floats per plane (an empty spatial dim is a bad-input error).
inline int64_t reduced_planes_output(const KernelArgs& a, const Tensor& x, Tensor& y) {
  if (x.rank() < 2) a.fail_input("input " + shape_str(x.shape) + " must be [N, C, spatial...]");
  Shape out_shape = x.shape;
  for (size_t k = 2; k < out_shape.size(); ++k) out_shape[k] = 1;
  y = Tensor::zeros(out_shape);
  const int64_t inner = numel(Shape(x.shape.begin() + 2, x.shape.end()));
  if (inner == 0) a.fail_input("input " + shape_str(x.shape) + " has an empty spatial dim");
  return inner;
}

// Reduces every [N, C] plane over all spatial dims into y of shape [N, C, 1, ...]: y[p] = f(data, n).
template <class F>
void reduce_planes(const KernelArgs& a, const Tensor& x, Tensor& y, F f) {
  const int64_t inner = reduced_planes_output(a, x, y), planes = x.dim(0) * x.dim(1);
  for (int64_t p = 0; p < planes; ++p) y.f[p] = f(x.f.data() + p * inner, inner);
}

// Spatial dims of an [N, C, spatial...] shape.
inline Shape spatial_dims(const Shape& s) { return Shape(s.begin() + 2, s.end()); }

// ceil(a / b) for b > 0 and any sign of a.
inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

}  // namespace fxq

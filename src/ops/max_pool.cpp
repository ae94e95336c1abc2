// MaxPool: the largest input under each window (kernel_shape, strides, dilations, pads or auto_pad,
// ceil_mode; 1 to 3 spatial axes). Padded cells never win; a window with no input cell gives the
// lowest float (as ONNX Runtime). The Indices output (and storage_order, which only affects it) is
// not supported.
#include <algorithm>
#include <limits>
#include <vector>

#include "common/parallel.h"

#include "ops/op.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

// Max over the window of output position o of one [D, H, W] plane.
float window_max(const Window& w, const float* plane, const int64_t o[3]) {
  int64_t lo[3], hi[3];
  for (size_t ax = 0; ax < 3; ++ax) w.taps_inside(ax, o[ax], lo[ax], hi[ax]);
  float m = std::numeric_limits<float>::lowest();
  for (int64_t kd = lo[0]; kd < hi[0]; ++kd)
    for (int64_t kh = lo[1]; kh < hi[1]; ++kh) {
      const int64_t row = (w.input_pos(0, o[0], kd) * w.in[1] + w.input_pos(1, o[1], kh)) * w.in[2];
      for (int64_t kw = lo[2]; kw < hi[2]; ++kw) {
        const float v = plane[row + w.input_pos(2, o[2], kw)];
        if (v > m) m = v;
      }
    }
  return m;
}

// 2-D windows (the common case): each plane is copied once into a buffer padded with the lowest float
// (padded cells then never win, and a window with no input cell gives the lowest float, as above),
// then max is taken separably -- for each output row over its window's rows, along the whole padded
// row (contiguous: vectorized), then over each window's columns -- which is exact (max is associative
// and commutative) and costs kh + kw instead of kh * kw comparisons per output (YOLOX's 13x13 SPP pool:
// 26 instead of 169). Rows first because a strided pool's column taps are strided reads: done last,
// they run once per output row instead of once per input row (SqueezeNet's three 3x3 stride-2 pools,
// 1 thread: 0.80 -> 0.55 ms; reading unpadded planes in place instead of a copy: 0.43). Planes are
// spread over the pool.
void max_pool_2d(const Tensor& x, const Window& w, Tensor& y) {
  y = Tensor::zeros(pooled_shape(x.shape, w));
  const int64_t ih = w.in[1], iw = w.in[2], oh = w.out[1], ow = w.out[2];
  const int64_t kh = w.kernel[1], kw = w.kernel[2], sh = w.strides[1], sw = w.strides[2];
  const int64_t dh = w.dilations[1], dw = w.dilations[2], top = w.pad_begin[1], left = w.pad_begin[2];
  const int64_t hp = (oh - 1) * sh + (kh - 1) * dh + 1, wp = (ow - 1) * sw + (kw - 1) * dw + 1;
  const int64_t planes = x.dim(0) * x.dim(1);
  constexpr float kLowest = std::numeric_limits<float>::lowest();
  // Windows that never leave the input (no padding, e.g. SqueezeNet's) read the plane itself.
  const bool inside = top == 0 && left == 0 && hp <= ih && wp <= iw;
  parallel_range(planes, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, oh * ow * (kh + kw))), [&](int64_t p0, int64_t p1) {
    thread_local std::vector<float> buf, colmax;
    if (!inside) buf.resize(static_cast<size_t>(hp * wp));
    colmax.resize(static_cast<size_t>(wp));
    for (int64_t p = p0; p < p1; ++p) {
      const float* plane = x.f.data() + p * ih * iw;
      const float* src = plane;  // src[r * pitch + c]: padded row r, padded column c
      int64_t pitch = iw;
      if (!inside) {
        std::fill(buf.begin(), buf.end(), kLowest);
        for (int64_t r = 0; r < hp; ++r) {
          const int64_t iy = r - top, c0 = std::max<int64_t>(0, left), c1 = std::min(wp, iw + left);
          if (iy >= 0 && iy < ih && c1 > c0) std::copy_n(plane + iy * iw + (c0 - left), c1 - c0, buf.data() + r * wp + c0);
        }
        src = buf.data(), pitch = wp;
      }
      float* out = y.f.data() + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        float* __restrict m = colmax.data();  // m[c]: max of padded column c over the window's rows
        std::copy_n(src + oy * sh * pitch, wp, m);
        for (int64_t ky = 1; ky < kh; ++ky) {
          const float* __restrict row = src + (oy * sh + ky * dh) * pitch;
          for (int64_t c = 0; c < wp; ++c) m[c] = row[c] > m[c] ? row[c] : m[c];
        }
        float* __restrict orow = out + oy * ow;  // then over each window's columns
        for (int64_t ox = 0; ox < ow; ++ox) orow[ox] = m[ox * sw];
        for (int64_t kx = 1; kx < kw; ++kx) {
          const float* __restrict mk = m + kx * dw;
          for (int64_t ox = 0; ox < ow; ++ox) orow[ox] = mk[ox * sw] > orow[ox] ? mk[ox * sw] : orow[ox];
        }
      }
    }
  });
}

void run(KernelArgs& a) {
  if (a.num_outputs() > 1 && !a.node.outputs[1].empty())
    a.fail_unsupported("the Indices output is not supported");
  const Tensor& x = a.float_input(0);
  const Window w = pool_window(a, x.shape);
  if (w.kernel[0] == 1 && w.in[0] == 1 && w.out[0] == 1) return max_pool_2d(x, w, a.output(0));
  pool_planes(x, w, a.output(0), [&](const float* plane, const int64_t o[3]) { return window_max(w, plane, o); });
}

}  // namespace

extern const OpDef kOp_MaxPool{"MaxPool", "max over sliding windows (pads, auto_pad, ceil_mode, dilations)", run,
                               nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq

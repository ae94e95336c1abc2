// Eigen never threads here (EIGEN_DONT_PARALLELIZE, set for the whole library in CMakeLists.txt):
// results have to be identical whatever the thread count, and Eigen's blocking depends on it.
#include "ops/conv_kernels.h"

#include <Eigen/Core>
#include <algorithm>
#include <vector>

namespace fxq {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMat = Eigen::Map<const RowMat>;
using StridedMat = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;

constexpr int64_t kColBlockFloats = 1 << 19;  // im2col block of at most 2 MiB

// Output positions [lo, hi) along one axis whose input o * stride + offset lies in [0, len).
void valid_outputs(int64_t offset, int64_t stride, int64_t len, int64_t out_len, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = offset >= len ? 0 : (len - offset + stride - 1) / stride;
  lo = std::min(lo, out_len);
  hi = std::clamp(hi, lo, out_len);
}

void add_bias(const Conv2dShape& s, const float* bias, float* y) {
  if (!bias) return;
  const int64_t plane = s.out_h * s.out_w;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t co = 0; co < s.c_out; ++co) {
      float* yp = y + (n * s.c_out + co) * plane;
      for (int64_t k = 0; k < plane; ++k) yp[k] += bias[co];
    }
}

// One output plane of a conv with one input channel per group: y += w (*) x.
void depthwise_plane(const Conv2dShape& s, const float* xp, const float* wk, float* yp) {
  std::vector<int64_t> lo(s.k_w), hi(s.k_w);
  for (int64_t kx = 0; kx < s.k_w; ++kx)
    valid_outputs(kx * s.dil_w - s.pad_left, s.stride_w, s.in_w, s.out_w, lo[kx], hi[kx]);
  for (int64_t oy = 0; oy < s.out_h; ++oy) {
    float* yrow = yp + oy * s.out_w;
    for (int64_t ky = 0; ky < s.k_h; ++ky) {
      const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
      if (iy < 0 || iy >= s.in_h) continue;
      const float* xrow = xp + iy * s.in_w;
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        const float wv = wk[ky * s.k_w + kx];
        const int64_t offset = kx * s.dil_w - s.pad_left;
        for (int64_t ox = lo[kx]; ox < hi[kx]; ++ox) yrow[ox] += wv * xrow[ox * s.stride_w + offset];
      }
    }
  }
}

void depthwise(const Conv2dShape& s, const float* x, const float* w, float* y) {
  const int64_t multiplier = s.c_out / s.group;
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w, taps = s.k_h * s.k_w;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t co = 0; co < s.c_out; ++co)
      depthwise_plane(s, x + (n * s.c_in + co / multiplier) * in_plane, w + co * taps,
                      y + (n * s.c_out + co) * out_plane);
}

// 1x1, stride 1, no padding: per batch and group, Y[cog, HW] = W[cog, cig] * X[cig, HW].
void pointwise(const Conv2dShape& s, const float* x, const float* w, float* y) {
  const int64_t cig = s.c_in / s.group, cog = s.c_out / s.group, plane = s.in_h * s.in_w;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t g = 0; g < s.group; ++g) {
      ConstMat wg(w + g * cog * cig, cog, cig);
      ConstMat xg(x + (n * s.c_in + g * cig) * plane, cig, plane);
      Eigen::Map<RowMat> yg(y + (n * s.c_out + g * cog) * plane, cog, plane);
      yg.noalias() = wg * xg;
    }
}

// Columns for output rows [oy0, oy1) of one group: col[(ci, ky, kx), (oy - oy0) * out_w + ox].
void im2col_rows(const Conv2dShape& s, const float* xg, int64_t oy0, int64_t oy1, float* col) {
  const int64_t cig = s.c_in / s.group, cols = (oy1 - oy0) * s.out_w;
  for (int64_t ci = 0; ci < cig; ++ci)
    for (int64_t ky = 0; ky < s.k_h; ++ky)
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        float* dst = col + ((ci * s.k_h + ky) * s.k_w + kx) * cols;
        const int64_t offset = kx * s.dil_w - s.pad_left;
        int64_t lo, hi;
        valid_outputs(offset, s.stride_w, s.in_w, s.out_w, lo, hi);
        for (int64_t oy = oy0; oy < oy1; ++oy) {
          float* d = dst + (oy - oy0) * s.out_w;
          const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
          if (iy < 0 || iy >= s.in_h) {
            std::fill(d, d + s.out_w, 0.0f);
            continue;
          }
          const float* xrow = xg + (ci * s.in_h + iy) * s.in_w;
          std::fill(d, d + lo, 0.0f);
          for (int64_t ox = lo; ox < hi; ++ox) d[ox] = xrow[ox * s.stride_w + offset];
          std::fill(d + hi, d + s.out_w, 0.0f);
        }
      }
}

void im2col_gemm(const Conv2dShape& s, const float* x, const float* w, float* y) {
  const int64_t cig = s.c_in / s.group, cog = s.c_out / s.group;
  const int64_t depth = cig * s.k_h * s.k_w, plane = s.out_h * s.out_w;
  const int64_t rows_per_block = std::clamp<int64_t>(kColBlockFloats / (depth * s.out_w), 1, s.out_h);
  std::vector<float> col(static_cast<size_t>(depth * rows_per_block * s.out_w));
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t g = 0; g < s.group; ++g) {
      const float* xg = x + (n * s.c_in + g * cig) * s.in_h * s.in_w;
      ConstMat wg(w + g * cog * depth, cog, depth);
      float* yg = y + (n * s.c_out + g * cog) * plane;
      for (int64_t oy0 = 0; oy0 < s.out_h; oy0 += rows_per_block) {
        const int64_t oy1 = std::min(s.out_h, oy0 + rows_per_block), cols = (oy1 - oy0) * s.out_w;
        im2col_rows(s, xg, oy0, oy1, col.data());
        StridedMat yb(yg + oy0 * s.out_w, cog, cols, Eigen::OuterStride<>(plane));
        yb.noalias() = wg * ConstMat(col.data(), depth, cols);
      }
    }
}

bool is_depthwise(const Conv2dShape& s) { return s.group > 1 && s.group == s.c_in; }

bool is_pointwise(const Conv2dShape& s) {
  return s.k_h == 1 && s.k_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
         s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w;
}

}  // namespace

void conv2d_reference(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y) {
  const int64_t cig = s.c_in / s.group, cog = s.c_out / s.group;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t co = 0; co < s.c_out; ++co) {
      const int64_t g = co / cog;
      for (int64_t oy = 0; oy < s.out_h; ++oy)
        for (int64_t ox = 0; ox < s.out_w; ++ox) {
          double acc = bias ? bias[co] : 0.0;
          for (int64_t ci = 0; ci < cig; ++ci)
            for (int64_t ky = 0; ky < s.k_h; ++ky)
              for (int64_t kx = 0; kx < s.k_w; ++kx) {
                const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
                const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
                if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                const float xv = x[((n * s.c_in + g * cig + ci) * s.in_h + iy) * s.in_w + ix];
                const float wv = w[((co * cig + ci) * s.k_h + ky) * s.k_w + kx];
                acc += static_cast<double>(xv) * wv;
              }
          y[((n * s.c_out + co) * s.out_h + oy) * s.out_w + ox] = static_cast<float>(acc);
        }
    }
}

void conv2d_fast(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y) {
  if (is_depthwise(s)) {
    std::fill(y, y + s.batch * s.c_out * s.out_h * s.out_w, 0.0f);
    depthwise(s, x, w, y);
  } else if (is_pointwise(s)) {
    pointwise(s, x, w, y);
  } else {
    im2col_gemm(s, x, w, y);
  }
  add_bias(s, bias, y);
}

}  // namespace fxq

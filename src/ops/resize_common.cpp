#include "ops/resize_common.h"

#include "common/parallel.h"

#include <algorithm>
#include <cmath>

namespace fxq {

bool parse_linear(const KernelArgs& a, const std::string& mode) {
  if (mode == "nearest") return false;
  if (mode == "linear") return true;
  if (mode == "cubic") a.fail_unsupported("mode 'cubic' is not supported (only nearest and linear)");
  a.fail_input("unknown mode '" + mode + "'");
}

CoordMode parse_coord_mode(const KernelArgs& a, const std::string& name) {
  if (name == "half_pixel") return CoordMode::kHalfPixel;
  if (name == "pytorch_half_pixel") return CoordMode::kPytorchHalfPixel;
  if (name == "align_corners") return CoordMode::kAlignCorners;
  if (name == "asymmetric") return CoordMode::kAsymmetric;
  if (name == "tf_half_pixel_for_nn") return CoordMode::kTfHalfPixelForNN;
  if (name == "tf_crop_and_resize")
    a.fail_unsupported("coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
  a.fail_input("unknown coordinate_transformation_mode '" + name + "'");
}

NearestMode parse_nearest_mode(const KernelArgs& a, const std::string& name) {
  if (name == "round_prefer_floor") return NearestMode::kRoundPreferFloor;
  if (name == "round_prefer_ceil") return NearestMode::kRoundPreferCeil;
  if (name == "floor") return NearestMode::kFloor;
  if (name == "ceil") return NearestMode::kCeil;
  a.fail_input("unknown nearest_mode '" + name + "'");
}

float input_coord(CoordMode m, int64_t out_pos, float scale, int64_t in_len, int64_t out_len) {
  const float o = static_cast<float>(out_pos);
  switch (m) {
    case CoordMode::kHalfPixel: return (o + 0.5f) / scale - 0.5f;
    case CoordMode::kPytorchHalfPixel: return out_len > 1 ? (o + 0.5f) / scale - 0.5f : 0.0f;
    case CoordMode::kAlignCorners:
      return out_len > 1 ? o * static_cast<float>(in_len - 1) / static_cast<float>(out_len - 1) : 0.0f;
    case CoordMode::kAsymmetric: return o / scale;
    case CoordMode::kTfHalfPixelForNN: return (o + 0.5f) / scale;
  }
  return 0.0f;
}

int64_t nearest_index(NearestMode m, float coord, float scale, int64_t in_len) {
  float i = 0.0f;
  switch (m) {
    case NearestMode::kRoundPreferFloor:
      i = coord == static_cast<float>(static_cast<int64_t>(coord)) + 0.5f ? std::floor(coord) : std::round(coord);
      break;
    case NearestMode::kRoundPreferCeil: i = std::round(coord); break;  // halves away from zero
    case NearestMode::kFloor: i = std::floor(coord); break;
    case NearestMode::kCeil: i = std::ceil(coord); break;
    case NearestMode::kSimple: i = scale < 1.0f ? std::ceil(coord) : std::trunc(coord); break;
  }
  return std::clamp<int64_t>(static_cast<int64_t>(i), 0, in_len - 1);
}

Shape scaled_shape(const KernelArgs& a, const Shape& in, const std::vector<float>& scales) {
  if (scales.size() != in.size())
    a.fail_input(std::to_string(scales.size()) + " scales for input " + shape_str(in) + " (one per dim needed)");
  Shape out(in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    if (!(scales[k] > 0.0f)) a.fail_input("scales must be positive");
    out[k] = static_cast<int64_t>(static_cast<float>(in[k]) * scales[k]);
    if (out[k] < 1 && in[k] > 0) a.fail_input("scales give an empty output for input " + shape_str(in));
  }
  return out;
}

namespace {

// Per output position along one axis: the input indices blended and their weights.
struct AxisMap {
  bool blends = false;  // two inputs mixed (linear mode on a resized axis)
  std::vector<int64_t> i0, i1;
  std::vector<float> w0, w1;
};

AxisMap axis_map(const ResizeMode& m, int64_t in_len, int64_t out_len, float scale) {
  AxisMap r;
  const bool copy = in_len == out_len && scale == 1.0f;
  r.blends = m.linear && !copy;
  r.i0.resize(out_len), r.i1.resize(out_len), r.w0.assign(out_len, 1.0f), r.w1.assign(out_len, 0.0f);
  for (int64_t o = 0; o < out_len; ++o) {
    if (copy) {
      r.i0[o] = r.i1[o] = o;
    } else if (!m.linear) {
      r.i0[o] = r.i1[o] = nearest_index(m.nearest, input_coord(m.coord, o, scale, in_len, out_len), scale, in_len);
    } else {
      const float c = std::clamp(input_coord(m.coord, o, scale, in_len, out_len), 0.0f, static_cast<float>(in_len - 1));
      r.i0[o] = std::min(static_cast<int64_t>(c), in_len - 1);
      r.i1[o] = std::min(r.i0[o] + 1, in_len - 1);
      const bool same = r.i0[o] == r.i1[o];  // at the last input: both halves on it
      r.w0[o] = same ? 0.5f : std::fabs(c - static_cast<float>(r.i1[o]));
      r.w1[o] = same ? 0.5f : std::fabs(c - static_cast<float>(r.i0[o]));
    }
  }
  return r;
}

// Sum over the 2^k corners of the blended axes of weight * input.
float blend(const Tensor& x, const std::vector<AxisMap>& maps, const std::vector<size_t>& axes,
            const std::vector<int64_t>& pos, const std::vector<int64_t>& strides, int64_t base) {
  float sum = 0.0f;
  for (uint32_t corner = 0; corner < (1u << axes.size()); ++corner) {
    float w = 1.0f;
    int64_t offset = base;
    for (size_t b = 0; b < axes.size(); ++b) {
      const AxisMap& am = maps[axes[b]];
      const int64_t o = pos[axes[b]];
      const bool far = (corner >> b) & 1u;
      w *= far ? am.w1[o] : am.w0[o];
      if (far) offset += (am.i1[o] - am.i0[o]) * strides[axes[b]];
    }
    sum += w * x.f[offset];
  }
  return sum;
}

// The common NCHW case: only the last two axes change. One task per group of planes; per output row
// the two source rows, per output column the two source columns, with the same arithmetic as blend()
// (corners in the order (h0,w0), (h1,w0), (h0,w1), (h1,w1), weight = w_h * w_w).
bool resize_last_two(const Tensor& x, Tensor& y, const std::vector<AxisMap>& maps) {
  const size_t r = x.shape.size();
  if (r < 2) return false;
  for (size_t k = 0; k + 2 < r; ++k)
    if (x.shape[k] != y.shape[k] || maps[k].blends) return false;
  const AxisMap &mh = maps[r - 2], &mw = maps[r - 1];
  for (size_t k = 0; k + 2 < r; ++k)
    for (int64_t o = 0; o < y.shape[k]; ++o)
      if (maps[k].i0[o] != o) return false;
  if (mh.blends != mw.blends) return false;  // one blended axis only: the general path
  const int64_t ih = x.shape[r - 2], iw = x.shape[r - 1], oh = y.shape[r - 2], ow = y.shape[r - 1];
  const int64_t planes = numel(Shape(x.shape.begin(), x.shape.end() - 2));
  const bool linear = mh.blends;
  // Nearest 2x upsampling of the columns (YOLOX's and NanoDet's feature pyramids): each input value
  // twice, a loop GCC vectorizes (with interleaving shuffles) where the table gather stays scalar.
  bool doubled = !linear && ow == 2 * iw;
  for (int64_t ox = 0; doubled && ox < ow; ++ox) doubled = mw.i0[ox] == ox / 2;
  parallel_range(planes, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, oh * ow)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x.f.data() + p * ih * iw;
      float* yp = y.f.data() + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const float* r0 = xp + mh.i0[oy] * iw;
        float* yr = yp + oy * ow;
        if (!linear) {
          if (oy > 0 && mh.i0[oy] == mh.i0[oy - 1]) {  // the same source row (upsampling): copy the row made
            std::copy_n(yr - ow, ow, yr);
            continue;
          }
          if (doubled) {
            for (int64_t ix = 0; ix < iw; ++ix) {
              const float v = r0[ix];
              yr[2 * ix] = v;
              yr[2 * ix + 1] = v;
            }
            continue;
          }
          for (int64_t ox = 0; ox < ow; ++ox) yr[ox] = r0[mw.i0[ox]];
          continue;
        }
        const float* r1 = xp + mh.i1[oy] * iw;
        const float h0 = mh.w0[oy], h1 = mh.w1[oy];
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t c0 = mw.i0[ox], c1 = mw.i1[ox];
          const float v0 = mw.w0[ox], v1 = mw.w1[ox];
          float sum = 0.0f;
          sum += (h0 * v0) * r0[c0];
          sum += (h1 * v0) * r1[c0];
          sum += (h0 * v1) * r0[c1];
          sum += (h1 * v1) * r1[c1];
          yr[ox] = sum;
        }
      }
    }
  });
  return true;
}

}  // namespace

Tensor resize_tensor(const Tensor& x, const Shape& out_shape, const std::vector<float>& scales, const ResizeMode& m) {
  const size_t r = x.shape.size();
  std::vector<AxisMap> maps(r);
  std::vector<size_t> blended;
  for (size_t k = 0; k < r; ++k) {
    maps[k] = axis_map(m, x.shape[k], out_shape[k], scales[k]);
    if (maps[k].blends) blended.push_back(k);
  }
  Tensor y = Tensor::uninitialized(out_shape);  // written completely, by resize_last_two or the loop below
  if (resize_last_two(x, y, maps)) return y;
  const std::vector<int64_t> strides = strides_of(x.shape);
  std::vector<int64_t> pos(r, 0);
  for (int64_t t = 0; t < y.size(); ++t) {
    int64_t base = 0;
    for (size_t k = 0; k < r; ++k) base += maps[k].i0[pos[k]] * strides[k];
    y.f[t] = blended.empty() ? x.f[base] : blend(x, maps, blended, pos, strides, base);
    for (size_t k = r; k-- > 0;) {  // next output position, last axis fastest
      if (++pos[k] < out_shape[k]) break;
      pos[k] = 0;
    }
  }
  return y;
}

}  // namespace fxq

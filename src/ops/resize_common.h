// Resizing shared by Resize and Upsample: per axis, output position o maps to the input coordinate
// (ONNX coordinate_transformation_mode, computed in float as ONNX Runtime does; s = scale,
// L_in / L_out = input / output length):
//   half_pixel           (o + 0.5) / s - 0.5
//   pytorch_half_pixel   L_out > 1 ? (o + 0.5) / s - 0.5 : 0
//   align_corners        L_out > 1 ? o * (L_in - 1) / (L_out - 1) : 0
//   asymmetric           o / s
//   tf_half_pixel_for_nn (o + 0.5) / s
// nearest picks one input index (nearest_mode; `simple` is Upsample's and Resize-10's rule: truncate
// when upsampling, ceil when downsampling), clamped to [0, L_in - 1]. linear clamps the coordinate to
// [0, L_in - 1] and blends its two neighbours i0 = floor, i1 = min(i0 + 1, L_in - 1) with weights
// (1 - frac, frac) — per axis, so N-D linear is the product of 1-D weights. An axis whose length does
// not change and whose scale is 1 is copied (as ONNX Runtime).
#pragma once
#include <string>
#include <vector>

#include "ops/op.h"

namespace fxq {

enum class CoordMode { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNN };
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeMode {
  bool linear = false;
  CoordMode coord = CoordMode::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
};

// Attribute strings to modes; cubic and tf_crop_and_resize are unsupported, unknown names bad input.
bool parse_linear(const KernelArgs& a, const std::string& mode);
CoordMode parse_coord_mode(const KernelArgs& a, const std::string& name);
NearestMode parse_nearest_mode(const KernelArgs& a, const std::string& name);

float input_coord(CoordMode m, int64_t out_pos, float scale, int64_t in_len, int64_t out_len);
int64_t nearest_index(NearestMode m, float coord, float scale, int64_t in_len);

// floor(in * scale) per axis (float product, as ONNX Runtime); scales must be positive, one per axis.
Shape scaled_shape(const KernelArgs& a, const Shape& in, const std::vector<float>& scales);

// x resized to out_shape; scales[k] is the scale the coordinate transform uses on axis k.
Tensor resize_tensor(const Tensor& x, const Shape& out_shape, const std::vector<float>& scales, const ResizeMode& m);

}  // namespace fxq

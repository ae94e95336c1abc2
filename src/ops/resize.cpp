// Resize (opsets 10..17): nearest or linear (N-D) resizing, see ops/resize_common.h.
// Opset 10: inputs (X, scales), asymmetric coordinates and the simple nearest rule (as Upsample).
// Opset 11+: inputs (X, roi, scales, sizes): either scales or sizes (sizes win when both exist and
// scales is empty); output = floor(in * scale) from scales, scale = out / in from sizes.
// coordinate_transformation_mode (default half_pixel) and nearest_mode (default round_prefer_floor)
// apply. Unsupported: mode cubic, tf_crop_and_resize (so roi and extrapolation_value are never used;
// exclude_outside only affects cubic).
#include "ops/op.h"
#include "ops/resize_common.h"

namespace fxq {
namespace {

ResizeMode read_mode(const KernelArgs& a) {
  ResizeMode m;
  m.linear = parse_linear(a, a.node.attr_string("mode", "nearest"));
  if (a.opset < 11) {
    m.coord = CoordMode::kAsymmetric;
    m.nearest = NearestMode::kSimple;
  } else {
    m.coord = parse_coord_mode(a, a.node.attr_string("coordinate_transformation_mode", "half_pixel"));
    m.nearest = parse_nearest_mode(a, a.node.attr_string("nearest_mode", "round_prefer_floor"));
  }
  if (a.node.attr_int("antialias", 0) != 0 || a.node.has_attr("axes"))
    a.fail_unsupported("antialias and axes (opset 18) are not supported");
  return m;
}

// Output shape and per-axis scales from the scales or sizes input.
void output_geometry(const KernelArgs& a, const Shape& in, Shape& out, std::vector<float>& scales) {
  const size_t scales_at = a.opset < 11 ? 1 : 2;
  const bool has_scales = a.has_input(scales_at) && a.input(scales_at).size() > 0;
  const bool has_sizes = a.opset >= 11 && a.has_input(3) && a.input(3).size() > 0;
  if (has_scales && has_sizes) a.fail_input("scales and sizes are both given (only one may be)");
  if (has_sizes) {
    out = a.input(3).to_ints();
    if (out.size() != in.size()) a.fail_input("sizes must have one value per input dim " + shape_str(in));
    scales.resize(in.size());
    for (size_t k = 0; k < in.size(); ++k) {
      if (out[k] < 1) a.fail_input("sizes must be positive");
      scales[k] = static_cast<float>(out[k]) / static_cast<float>(in[k]);
    }
  } else if (has_scales) {
    scales.assign(a.float_input(scales_at).f.begin(), a.float_input(scales_at).f.end());
    out = scaled_shape(a, in, scales);
  } else {
    a.fail_input("needs scales or sizes");
  }
}

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const ResizeMode m = read_mode(a);
  Shape out_shape;
  std::vector<float> scales;
  output_geometry(a, x.shape, out_shape, scales);
  a.output(0) = resize_tensor(x, out_shape, scales, m);
}

}  // namespace

extern const OpDef kOp_Resize{"Resize", "nearest / linear resize (scales or sizes, coordinate and nearest modes)", run,
                              nullptr};

}  // namespace fxq

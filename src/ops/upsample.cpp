// Upsample (opsets 7..9, deprecated from 10): nearest or linear resizing by scales, asymmetric
// coordinates and the simple nearest rule (see ops/resize_common.h); output = floor(in * scale),
// scales >= 1.
// Opset 7 takes scales as an attribute, opset 9 as input 1.
#include "ops/op.h"
#include "ops/resize_common.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  ResizeMode m;
  m.linear = parse_linear(a, a.node.attr_string("mode", "nearest"));
  m.coord = CoordMode::kAsymmetric;
  m.nearest = NearestMode::kSimple;
  std::vector<float> scales;
  if (a.opset < 9) {
    if (!a.node.has_attr("scales")) a.fail_input("attribute scales is required");
    scales = a.node.attr_floats("scales");
  } else {
    scales.assign(a.float_input(1).f.begin(), a.float_input(1).f.end());
  }
  for (float s : scales)
    if (s < 1.0f) a.fail_input("Upsample scales must be >= 1");
  a.output(0) = resize_tensor(x, scaled_shape(a, x.shape, scales), scales, m);
}

}  // namespace

extern const OpDef kOp_Upsample{"Upsample", "nearest / linear upsampling by scales (opsets 7, 9)", run, nullptr};

}  // namespace fxq

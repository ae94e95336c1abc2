// MaxPool: the largest input under each window (kernel_shape, strides, dilations, pads or auto_pad,
// ceil_mode; 1 to 3 spatial axes). Padded cells never win; a window with no input cell gives the
// lowest float (as ONNX Runtime). The Indices output (and storage_order, which only affects it) is
// not supported.
#include <limits>

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

void run(KernelArgs& a) {
  if (a.num_outputs() > 1 && !a.node.outputs[1].empty())
    a.fail_unsupported("the Indices output is not supported");
  const Tensor& x = a.float_input(0);
  const Window w = pool_window(a, x.shape);
  pool_planes(x, w, a.output(0), [&](const float* plane, const int64_t o[3]) { return window_max(w, plane, o); });
}

}  // namespace

extern const OpDef kOp_MaxPool{"MaxPool", "max over sliding windows (pads, auto_pad, ceil_mode, dilations)", run,
                               nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq
